package io.custos.policy;

import static java.util.Objects.requireNonNull;

/** A user the gateway authenticates itself; the password is kept only as a SCRAM-SHA-256 verifier. */
public record User(String name, String role, boolean enabled, ScramVerifier verifier) {
    public User {
        requireNonNull(name, "name is null");
        requireNonNull(role, "role is null");
        requireNonNull(verifier, "verifier is null");
    }
}
