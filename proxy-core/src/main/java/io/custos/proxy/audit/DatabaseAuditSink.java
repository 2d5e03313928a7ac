package io.custos.proxy.audit;

import static java.util.Objects.requireNonNull;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.custos.policy.AuditSettings;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A copy of the trail in a database table, for central collection. The file stays the primary record: the trail's
 * writer hands each record over with {@link #offer} once it is in the file, which never blocks; a thread of the sink
 * inserts them in batches through a HikariCP pool of one connection, in one transaction per batch.
 *
 * <p>A failing database (down, unreachable, out of space) is retried every few seconds with the same batch, so
 * nothing is skipped while the backlog holds; the sink says so once at WARN and again at INFO when it recovers. When
 * the backlog ({@value #BACKLOG_CAPACITY} records) is full, further records are not copied and are counted as
 * dropped, with a WARN: they are in the file, and statements are never held or refused for the sink's sake.
 *
 * <p>The table, created if absent, holds one row per record: its seq and MAC, the fields auditors filter on, and the
 * line as written in the file ({@code line}), so a central copy can be checked with the trail's key. Rows are keyed by
 * {@code (trail, seq)}, {@code trail} naming the host and file, so that several gateways can share one table and a
 * batch repeated after a lost commit inserts nothing twice.
 */
public final class DatabaseAuditSink implements AutoCloseable {
    static final int BACKLOG_CAPACITY = 100_000;

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseAuditSink.class);
    private static final long RETRY_MILLIS = 2_000;
    private static final long POLL_MILLIS = 200;

    private final AuditSettings.AuditSink settings;
    private final String trail;
    private final boolean postgres;
    private final BlockingQueue<Row> backlog = new ArrayBlockingQueue<>(BACKLOG_CAPACITY);
    private final Thread inserter;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    private volatile boolean closing;
    private volatile int inFlight;
    private volatile boolean droppingReported;
    private HikariDataSource pool;
    private boolean failing;
    private boolean tableReady;

    /** One record as the file holds it. */
    record Row(long seq, AuditRecord record, String line, String mac) {}

    /** A sink for the trail whose current file is {@code trailFile}; it connects when the first batch is due. */
    public DatabaseAuditSink(AuditSettings.AuditSink settings, Path trailFile) {
        this.settings = requireNonNull(settings, "settings is null");
        this.trail = hostName() + ":" + trailFile.toAbsolutePath();
        this.postgres = settings.url().startsWith("jdbc:postgresql:");
        this.inserter = new Thread(this::run, "custos-audit-sink");
        this.inserter.setDaemon(true);
        this.inserter.start();
    }

    /** Takes a record that is in the file; never blocks. */
    void offer(long seq, AuditRecord record, String line, String mac) {
        if (backlog.offer(new Row(seq, record, line, mac))) {
            droppingReported = false;
            return;
        }
        dropped.incrementAndGet();
        if (!droppingReported) {
            droppingReported = true;
            LOG.warn(
                    "Audit sink '{}' is {} records behind; records are not copied until it catches up (the trail"
                            + " file holds them). Check the sink database",
                    settings.url(),
                    BACKLOG_CAPACITY);
        }
    }

    /** Records waiting to be inserted. */
    public long backlog() {
        return backlog.size() + inFlight;
    }

    public long written() {
        return written.get();
    }

    public long errors() {
        return errors.get();
    }

    public long dropped() {
        return dropped.get();
    }

    /** Inserts what it can of the backlog within a few seconds, then stops. */
    @Override
    public void close() {
        closing = true;
        try {
            inserter.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (inserter.isAlive()) {
            inserter.interrupt();
            LOG.warn(
                    "Audit sink '{}' stopped with {} records not copied (the trail file holds them)",
                    settings.url(),
                    backlog());
        }
        if (pool != null) {
            pool.close();
        }
    }

    private void run() {
        List<Row> batch = new ArrayList<>(settings.batchSize());
        try {
            while (!(closing && backlog.isEmpty() && batch.isEmpty())) {
                if (batch.isEmpty()) {
                    Row first = backlog.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    batch.add(first);
                    backlog.drainTo(batch, settings.batchSize() - 1);
                    inFlight = batch.size();
                }
                if (insert(batch)) {
                    written.addAndGet(batch.size());
                    batch.clear();
                    inFlight = 0;
                } else if (closing) {
                    return;
                } else {
                    Thread.sleep(RETRY_MILLIS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean insert(List<Row> batch) {
        try (Connection connection = pool().getConnection()) {
            if (!tableReady) {
                createTable(connection);
                tableReady = true;
            }
            connection.setAutoCommit(false);
            try (PreparedStatement insert = connection.prepareStatement(insertSql())) {
                for (Row row : batch) {
                    bind(insert, row);
                    insert.addBatch();
                }
                insert.executeBatch();
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            }
            if (failing) {
                failing = false;
                LOG.info("Audit sink '{}' is writable again; {} records waiting", settings.url(), backlog());
            }
            return true;
        } catch (SQLException | RuntimeException e) {
            errors.incrementAndGet();
            if (!failing) {
                failing = true;
                LOG.warn(
                        "Cannot insert into audit sink '{}' table {}: {}; retrying every {} ms, {} records waiting"
                                + " (statements go on; the trail file holds every record)",
                        settings.url(),
                        settings.table(),
                        e.getMessage(),
                        RETRY_MILLIS,
                        backlog());
            }
            return false;
        }
    }

    private HikariDataSource pool() {
        if (pool == null) {
            HikariConfig config = new HikariConfig();
            config.setPoolName("custos-audit-sink");
            config.setJdbcUrl(settings.url());
            config.setUsername(settings.user());
            config.setPassword(settings.password().read());
            config.setMaximumPoolSize(1);
            config.setMinimumIdle(0);
            config.setConnectionTimeout(5_000);
            // Start even when the database is down: the first insert reports it, and the sink keeps retrying.
            config.setInitializationFailTimeout(-1);
            pool = new HikariDataSource(config);
        }
        return pool;
    }

    private void createTable(Connection connection) throws SQLException {
        String text = postgres ? "text" : "LONGTEXT";
        String time = postgres ? "timestamptz" : "DATETIME(6)";
        String name = postgres ? "varchar(200)" : "VARCHAR(200)";
        String sql = "CREATE TABLE IF NOT EXISTS " + settings.table() + " ("
                + "trail varchar(500) NOT NULL, seq bigint NOT NULL, event_time " + time + " NOT NULL, "
                + "event varchar(20) NOT NULL, session_id bigint NOT NULL, user_name " + name + ", role_name "
                + name + ", client_address " + name + ", database_name " + name + ", protocol varchar(20), "
                + "statement_class varchar(20), decision varchar(20), rule_name " + name + ", digest varchar(64), "
                + "row_count bigint, duration_micros bigint, policy_version varchar(64), error_code varchar(10), "
                + "mac varchar(64) NOT NULL, line " + text + " NOT NULL, PRIMARY KEY (trail, seq))";
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private String insertSql() {
        String columns = "trail, seq, event_time, event, session_id, user_name, role_name, client_address,"
                + " database_name, protocol, statement_class, decision, rule_name, digest, row_count, duration_micros,"
                + " policy_version, error_code, mac, line";
        String values = "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?";
        return postgres
                ? "INSERT INTO " + settings.table() + " (" + columns + ") VALUES (" + values
                        + ") ON CONFLICT (trail, seq) DO NOTHING"
                : "INSERT IGNORE INTO " + settings.table() + " (" + columns + ") VALUES (" + values + ")";
    }

    private void bind(PreparedStatement insert, Row row) throws SQLException {
        AuditRecord record = row.record();
        insert.setString(1, trail);
        insert.setLong(2, row.seq());
        insert.setTimestamp(3, Timestamp.from(record.time()));
        insert.setString(4, record.event().auditName());
        insert.setLong(5, record.sessionId());
        insert.setString(6, record.user());
        insert.setString(7, record.role());
        insert.setString(8, record.clientAddress());
        insert.setString(9, record.database());
        insert.setString(10, record.protocol());
        insert.setString(
                11,
                record.statementClass() == null ? null : record.statementClass().policyName());
        insert.setString(12, record.decision());
        insert.setString(13, record.rule());
        insert.setString(14, record.digest());
        setLong(insert, 15, record.rows());
        setLong(insert, 16, record.durationMicros());
        insert.setString(17, record.policyVersion());
        insert.setString(18, record.errorCode());
        insert.setString(19, row.mac());
        insert.setString(20, row.line());
    }

    private static void setLong(PreparedStatement insert, int index, long value) throws SQLException {
        if (value < 0) {
            insert.setNull(index, Types.BIGINT);
        } else {
            insert.setLong(index, value);
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
