package io.custos.policy;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * What one client, one address, one user or all of them together may take of the gateway. Every limit has a default
 * ({@link #DEFAULTS}); the policy's {@code limits} section overrides some or all. A zero idle timeout switches that
 * timeout off.
 *
 * @param maxConnections client connections open at once, authenticated or not
 * @param maxConnectionsPerUser authenticated sessions of one user at once
 * @param maxConnectionsPerAddress client connections from one IP address at once
 * @param maxMessageBytes the largest protocol message (PostgreSQL) or logical packet (MySQL) a client may send
 * @param maxStatementBytes the longest statement text, in bytes of the client's encoding
 * @param authenticationTimeout time from connecting to being logged in
 * @param idleSessionTimeout time a session may wait for its next statement outside a transaction; zero for none
 * @param idleInTransactionTimeout time a session may wait for its next statement inside a transaction; zero for none
 * @param lockout how failed logins are slowed and then refused
 * @param shutdownDrain time statements still running when the gateway stops may take to finish; zero ends every
 *     session at once
 */
public record Limits(
        int maxConnections,
        int maxConnectionsPerUser,
        int maxConnectionsPerAddress,
        int maxMessageBytes,
        int maxStatementBytes,
        Duration authenticationTimeout,
        Duration idleSessionTimeout,
        Duration idleInTransactionTimeout,
        Lockout lockout,
        Duration shutdownDrain) {
    public static final Limits DEFAULTS = new Limits(
            1000,
            100,
            200,
            64 << 20,
            32 << 20,
            Duration.ofSeconds(60),
            Duration.ofHours(8),
            Duration.ofHours(1),
            Lockout.DEFAULTS,
            Duration.ofSeconds(30));

    public Limits {
        requireNonNull(authenticationTimeout, "authenticationTimeout is null");
        requireNonNull(idleSessionTimeout, "idleSessionTimeout is null");
        requireNonNull(idleInTransactionTimeout, "idleInTransactionTimeout is null");
        requireNonNull(lockout, "lockout is null");
        requireNonNull(shutdownDrain, "shutdownDrain is null");
    }

    /** These limits with {@code shutdownDrain} in place of the drain time. */
    public Limits withShutdownDrain(Duration shutdownDrain) {
        return new Limits(
                maxConnections,
                maxConnectionsPerUser,
                maxConnectionsPerAddress,
                maxMessageBytes,
                maxStatementBytes,
                authenticationTimeout,
                idleSessionTimeout,
                idleInTransactionTimeout,
                lockout,
                shutdownDrain);
    }

    /**
     * Failed logins, counted per client address and per user name over {@code window}: from {@code delayAfter}
     * failures on, each further answer to a failed attempt waits, starting at {@code initialDelay} and doubling up to
     * {@code maxDelay}; at {@code lockAfter} failures the address or the name is refused for {@code lockDuration},
     * whatever the password.
     */
    public record Lockout(
            int delayAfter,
            Duration initialDelay,
            Duration maxDelay,
            int lockAfter,
            Duration lockDuration,
            Duration window) {
        public static final Lockout DEFAULTS = new Lockout(
                3, Duration.ofMillis(250), Duration.ofSeconds(4), 10, Duration.ofMinutes(5), Duration.ofMinutes(15));

        public Lockout {
            requireNonNull(initialDelay, "initialDelay is null");
            requireNonNull(maxDelay, "maxDelay is null");
            requireNonNull(lockDuration, "lockDuration is null");
            requireNonNull(window, "window is null");
        }
    }
}
