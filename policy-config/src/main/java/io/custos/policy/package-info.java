/**
 * The policy: levels, roles, users and their password verifiers, the backends, and the classification of columns.
 * Loaded from one YAML file maintained by DBAs, validated on load, immutable once built.
 */
package io.custos.policy;
