package io.custos.policy;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads the {@code limits} section. Every key is optional and falls back to {@link Limits#DEFAULTS}; a value out of
 * its range is a problem naming the range. Durations are whole seconds (or milliseconds for the login delays), as the
 * key's name says.
 */
final class LimitsParser {
    static final List<String> LIMIT_KEYS = List.of(
            "max_connections",
            "max_connections_per_user",
            "max_connections_per_address",
            "max_message_bytes",
            "max_statement_bytes",
            "authentication_timeout_seconds",
            "idle_session_timeout_seconds",
            "idle_in_transaction_timeout_seconds",
            "lockout",
            "shutdown_drain_seconds");
    static final List<String> LOCKOUT_KEYS = List.of(
            "delay_after", "initial_delay_millis", "max_delay_millis", "lock_after", "lock_seconds", "window_seconds");

    /** PostgreSQL's own ceiling for one message; a MySQL logical packet cannot exceed it either. */
    static final int MAX_MESSAGE_BYTES = 1 << 30;

    /** The smallest message limit: room for any startup, login or handshake packet. */
    static final int MIN_MESSAGE_BYTES = 16 << 10;

    private static final int MAX_SECONDS = 7 * 24 * 3600;
    private static final int MAX_DELAY_MILLIS = 60_000;

    /** An hour: a stop that waits longer is one an operator would end by force anyway. */
    private static final int MAX_DRAIN_SECONDS = 3600;

    private final Problems problems;

    LimitsParser(Problems problems) {
        this.problems = requireNonNull(problems, "problems is null");
    }

    Limits limits(Node node) {
        Limits defaults = Limits.DEFAULTS;
        Optional<MappingReader> found = MappingReader.read(node, "'limits'", LIMIT_KEYS, problems);
        if (found.isEmpty()) {
            return defaults;
        }
        MappingReader reader = found.get();

        int maxConnections = integer(reader, "max_connections", 1, 1_000_000, defaults.maxConnections());
        int perUser = integer(reader, "max_connections_per_user", 1, 1_000_000, defaults.maxConnectionsPerUser());
        int perAddress =
                integer(reader, "max_connections_per_address", 1, 1_000_000, defaults.maxConnectionsPerAddress());
        int messageBytes =
                integer(reader, "max_message_bytes", MIN_MESSAGE_BYTES, MAX_MESSAGE_BYTES, defaults.maxMessageBytes());
        int statementBytes = integer(reader, "max_statement_bytes", 1, MAX_MESSAGE_BYTES, defaults.maxStatementBytes());
        Duration authentication =
                seconds(reader, "authentication_timeout_seconds", 1, MAX_SECONDS, defaults.authenticationTimeout());
        Duration idle = seconds(reader, "idle_session_timeout_seconds", 0, MAX_SECONDS, defaults.idleSessionTimeout());
        Duration idleInTransaction = seconds(
                reader, "idle_in_transaction_timeout_seconds", 0, MAX_SECONDS, defaults.idleInTransactionTimeout());
        Limits.Lockout lockout = reader.optional("lockout")
                .filter(value -> !Nodes.isNull(value))
                .map(this::lockout)
                .orElse(defaults.lockout());
        Duration shutdownDrain =
                seconds(reader, "shutdown_drain_seconds", 0, MAX_DRAIN_SECONDS, defaults.shutdownDrain());
        return new Limits(
                maxConnections,
                perUser,
                perAddress,
                messageBytes,
                statementBytes,
                authentication,
                idle,
                idleInTransaction,
                lockout,
                shutdownDrain);
    }

    private Limits.Lockout lockout(Node node) {
        Limits.Lockout defaults = Limits.Lockout.DEFAULTS;
        Optional<MappingReader> found = MappingReader.read(node, "'lockout' in 'limits'", LOCKOUT_KEYS, problems);
        if (found.isEmpty()) {
            return defaults;
        }
        MappingReader reader = found.get();

        int delayAfter = integer(reader, "delay_after", 1, 1_000, defaults.delayAfter());
        Duration initialDelay = duration(
                reader, "initial_delay_millis", 0, MAX_DELAY_MILLIS, defaults.initialDelay(), Duration::ofMillis);
        Duration maxDelay =
                duration(reader, "max_delay_millis", 0, MAX_DELAY_MILLIS, defaults.maxDelay(), Duration::ofMillis);
        int lockAfter = integer(reader, "lock_after", 1, 1_000, defaults.lockAfter());
        Duration lock = seconds(reader, "lock_seconds", 1, MAX_SECONDS, defaults.lockDuration());
        Duration window = seconds(reader, "window_seconds", 1, MAX_SECONDS, defaults.window());
        if (maxDelay.compareTo(initialDelay) < 0) {
            problems.add(
                    reader.optional("max_delay_millis").orElse(reader.node()),
                    "'max_delay_millis' in 'lockout' must be >= 'initial_delay_millis' (" + initialDelay.toMillis()
                            + "), found " + maxDelay.toMillis());
        }
        return new Limits.Lockout(delayAfter, initialDelay, maxDelay, lockAfter, lock, window);
    }

    private int integer(MappingReader reader, String key, int lowest, int highest, int fallback) {
        if (!reader.has(key)) {
            return fallback;
        }
        Optional<Integer> value = reader.optionalInteger(key);
        if (value.isEmpty()) {
            return fallback;
        }
        if (value.get() < lowest || value.get() > highest) {
            problems.add(
                    reader.optional(key).orElseThrow(),
                    reader.label(key) + " is out of range: " + value.get() + " (expected: " + lowest + ".." + highest
                            + ")");
            return fallback;
        }
        return value.get();
    }

    private Duration seconds(MappingReader reader, String key, int lowest, int highest, Duration fallback) {
        return duration(reader, key, lowest, highest, fallback, Duration::ofSeconds);
    }

    private Duration duration(
            MappingReader reader,
            String key,
            int lowest,
            int highest,
            Duration fallback,
            Function<Long, Duration> unit) {
        if (!reader.has(key)) {
            return fallback;
        }
        int value = integer(reader, key, lowest, highest, -1);
        return value < 0 ? fallback : unit.apply((long) value);
    }
}
