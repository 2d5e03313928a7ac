package io.custos.policy;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Where the audit trail goes and how it is kept.
 *
 * @param file the trail's current file; rotated files sit next to it
 * @param key where the key that seals the trail's chain (HMAC-SHA-256) is read from
 * @param durability {@link Durability#STRICT}: a statement's result reaches the client only once its record is on
 *     disk; {@link Durability#RELAXED}: records reach the disk within {@code flushInterval}
 * @param flushInterval the longest a written record waits to be forced to disk in relaxed mode
 * @param rotateBytes the size after which the current file is rotated
 * @param rotateDaily whether the current file is also rotated when the day (UTC) changes
 * @param sink the database table that receives a copy of every record, if any
 */
public record AuditSettings(
        Path file,
        SecretSource key,
        Durability durability,
        Duration flushInterval,
        long rotateBytes,
        boolean rotateDaily,
        Optional<AuditSink> sink) {
    public static final Durability DEFAULT_DURABILITY = Durability.STRICT;
    public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofMillis(200);
    public static final long DEFAULT_ROTATE_BYTES = 100L * 1024 * 1024;
    public static final boolean DEFAULT_ROTATE_DAILY = true;

    public AuditSettings {
        requireNonNull(file, "file is null");
        requireNonNull(key, "key is null");
        requireNonNull(durability, "durability is null");
        requireNonNull(flushInterval, "flushInterval is null");
        requireNonNull(sink, "sink is null");
        if (flushInterval.isNegative() || flushInterval.isZero()) {
            throw new IllegalArgumentException("flushInterval: " + flushInterval + " (expected: > 0)");
        }
        if (rotateBytes <= 0) {
            throw new IllegalArgumentException("rotateBytes: " + rotateBytes + " (expected: > 0)");
        }
    }

    /** The defaults for everything but the file and the key: strict, rotated at 100 MiB and daily, no sink. */
    public static AuditSettings of(Path file, SecretSource key) {
        return new AuditSettings(
                file,
                key,
                DEFAULT_DURABILITY,
                DEFAULT_FLUSH_INTERVAL,
                DEFAULT_ROTATE_BYTES,
                DEFAULT_ROTATE_DAILY,
                Optional.empty());
    }

    /** These settings writing to {@code otherFile}. */
    public AuditSettings withFile(Path otherFile) {
        return new AuditSettings(otherFile, key, durability, flushInterval, rotateBytes, rotateDaily, sink);
    }

    /** These settings with {@code otherKey}. */
    public AuditSettings withKey(SecretSource otherKey) {
        return new AuditSettings(file, otherKey, durability, flushInterval, rotateBytes, rotateDaily, sink);
    }

    /** These settings with {@code otherDurability}. */
    public AuditSettings withDurability(Durability otherDurability) {
        return new AuditSettings(file, key, otherDurability, flushInterval, rotateBytes, rotateDaily, sink);
    }

    /** These settings sending a copy of every record to {@code otherSink}. */
    public AuditSettings withSink(Optional<AuditSink> otherSink) {
        return new AuditSettings(file, key, durability, flushInterval, rotateBytes, rotateDaily, otherSink);
    }

    public enum Durability {
        /** A statement's result is held until its record is forced to disk. */
        STRICT,
        /** Records are forced to disk within the flush interval; results are not held. */
        RELAXED;

        /** The name used in the policy file, for example {@code strict}. */
        public String policyName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A table in a PostgreSQL or MySQL database that receives a copy of every record, for central collection.
     *
     * @param url the JDBC URL ({@code jdbc:postgresql:}, {@code jdbc:mariadb:} or {@code jdbc:mysql:})
     * @param user the account that inserts
     * @param password where the account's password is read from
     * @param table the table, created if absent; optionally qualified by its schema
     * @param batchSize how many records one insert carries at most
     */
    public record AuditSink(String url, String user, SecretSource password, String table, int batchSize) {
        public static final String DEFAULT_TABLE = "custos_audit";
        public static final int DEFAULT_BATCH_SIZE = 500;

        public AuditSink {
            requireNonNull(url, "url is null");
            requireNonNull(user, "user is null");
            requireNonNull(password, "password is null");
            requireNonNull(table, "table is null");
            if (batchSize <= 0) {
                throw new IllegalArgumentException("batchSize: " + batchSize + " (expected: > 0)");
            }
        }
    }
}
