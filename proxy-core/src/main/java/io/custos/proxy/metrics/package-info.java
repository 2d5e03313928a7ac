/**
 * The gateway's Prometheus metrics: statements, refusals, latency, sessions, logins, the audit writer, the analysis
 * caches, backend errors, policy reloads and the JVM.
 */
package io.custos.proxy.metrics;
