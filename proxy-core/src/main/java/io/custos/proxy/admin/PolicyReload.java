package io.custos.proxy.admin;

import java.util.List;

/**
 * The outcome of a policy reload.
 *
 * @param loaded whether the new policy is in force; when false the previous one stays, and {@code problems} say why
 * @param version the version in force after the reload
 * @param problems every problem of the rejected file, as {@code file:line:column: message}
 * @param restartNeeded the sections whose changes the running gateway keeps out until it is restarted (backends,
 *     listeners, audit, tls, admin)
 */
public record PolicyReload(
        boolean loaded, String version, String previousVersion, List<String> problems, List<String> restartNeeded) {
    public PolicyReload {
        problems = List.copyOf(problems);
        restartNeeded = List.copyOf(restartNeeded);
    }
}
