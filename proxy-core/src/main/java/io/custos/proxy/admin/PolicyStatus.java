package io.custos.proxy.admin;

import java.time.Instant;
import java.util.Optional;

/**
 * The policy in force and the last reload.
 *
 * @param file the policy file; empty when the gateway was started from a policy given in code
 * @param lastReload when the last reload was attempted, and {@code lastReloadLoaded} whether it put a policy in force
 */
public record PolicyStatus(
        String version,
        Optional<String> file,
        Instant loadedAt,
        Optional<Instant> lastReload,
        boolean lastReloadLoaded) {}
