package io.custos.policy;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * TLS towards a database. The modes are libpq's: {@code require} encrypts without checking who answers,
 * {@code verify-ca} checks that the server's certificate chains to the CA, {@code verify-full} also that it names
 * the backend's host. {@code verify-full} is the default whenever TLS is on.
 *
 * @param mode how far the server is verified
 * @param ca CA certificates (PEM) the server's certificate must chain to; {@code null} for the JVM's default trust store
 */
public record BackendTls(Mode mode, Path ca) {
    /** TLS off: the connection to the database is in clear. */
    public static final BackendTls DISABLED = new BackendTls(Mode.DISABLE, null);

    public BackendTls {
        requireNonNull(mode, "mode is null");
    }

    public boolean enabled() {
        return mode != Mode.DISABLE;
    }

    public Optional<Path> caFile() {
        return Optional.ofNullable(ca);
    }

    public enum Mode {
        DISABLE,
        REQUIRE,
        VERIFY_CA,
        VERIFY_FULL;

        /** The name in the policy file: {@code verify-full}. */
        public String policyName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }
}
