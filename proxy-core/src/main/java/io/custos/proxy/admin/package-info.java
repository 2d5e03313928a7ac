/**
 * The admin HTTP listener: Prometheus metrics, health and readiness, the sessions, disabling users and reloading the
 * policy, each request authenticated with the bearer token of the policy.
 */
package io.custos.proxy.admin;
