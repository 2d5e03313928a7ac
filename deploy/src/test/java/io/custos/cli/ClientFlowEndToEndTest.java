package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.cli.support.RawMySqlClient;
import io.custos.cli.support.RawPostgresClient;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Clients that stop reading or go away in the middle of a large result, on the real servers behind the shared gateway.
 *
 * <p>A client that disconnects mid-result releases its backend connection: the database's own list of sessions
 * ({@code pg_stat_activity}, {@code information_schema.processlist}) loses it. A client that does not read makes the
 * gateway stop reading from the database (backpressure through channel writability and auto-read): the database
 * session waits to write ({@code ClientWrite}, {@code Writing to net}), the gateway's buffers grow by less than a third
 * of a result of about 100 MB (the growth is printed), and once the client reads, every row arrives.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClientFlowEndToEndTest {
    private static final GatewayFixture gateway = GatewayFixture.get();

    /** About 100 MB of rows: far more than the socket buffers on both sides of the gateway hold together. */
    private static final int ROWS = 100_000;

    private static final String POSTGRES_BIG = "SELECT repeat('x', 1000) FROM generate_series(1, " + ROWS + ")";
    private static final String MYSQL_BIG = "SELECT REPEAT('x', 1000) FROM seq_1_to_" + ROWS;

    /** What the gateway may hold of a result its client does not read; the result itself is about 100 MB. */
    private static final long BOUNDED_BYTES = 32L << 20;

    @Test
    void postgres_clientDisconnectsMidResult_backendSessionEnds() throws Exception {
        String sql = POSTGRES_BIG + " /* disconnects */";
        try (Connection monitor = gateway.database.connectAsSuperuser()) {
            RawPostgresClient client = login();
            client.send(RawPostgresClient.query(sql));
            readUntilRows(client);
            long pid = awaitPostgresSession(monitor, sql, null).orElseThrow();

            client.close();

            awaitPostgresSessionGone(monitor, pid);
        }
    }

    @Test
    void mysql_clientDisconnectsMidResult_backendSessionEnds() throws Exception {
        String sql = MYSQL_BIG + " /* disconnects */";
        try (Connection monitor = gateway.mariaDb.connectAsSuperuser()) {
            RawMySqlClient client = loginMySql();
            client.send(RawMySqlClient.query(sql));
            assertThat(client.read(10_000).isError()).isFalse();
            long id = awaitMySqlSession(monitor, sql, null).orElseThrow();

            client.close();

            awaitMySqlSessionGone(monitor, id);
        }
    }

    @Test
    void postgres_clientStopsReading_gatewayHoldsLittleAndTheDatabaseWaits() throws Exception {
        String sql = POSTGRES_BIG + " /* slow reader */";
        long before = usedDirectMemory();
        try (Connection monitor = gateway.database.connectAsSuperuser();
                RawPostgresClient client = login()) {
            client.send(RawPostgresClient.query(sql));

            assertThat(awaitPostgresSession(monitor, sql, "ClientWrite"))
                    .as("the database session waits to write its result")
                    .isPresent();
            assertBounded(usedDirectMemory() - before);

            assertThat(readRows(client)).isEqualTo(ROWS);
        }
    }

    @Test
    void mysql_clientStopsReading_gatewayHoldsLittleAndTheDatabaseWaits() throws Exception {
        String sql = MYSQL_BIG + " /* slow reader */";
        long before = usedDirectMemory();
        try (Connection monitor = gateway.mariaDb.connectAsSuperuser();
                RawMySqlClient client = loginMySql()) {
            client.send(RawMySqlClient.query(sql));

            assertThat(awaitMySqlSession(monitor, sql, "Writing to net"))
                    .as("the database session waits to write its result")
                    .isPresent();
            assertBounded(usedDirectMemory() - before);

            assertThat(readMySqlRows(client)).isEqualTo(ROWS);
        }
    }

    private static void assertBounded(long grownBytes) {
        System.out.printf("gateway direct memory grew by %d bytes while its client did not read%n", grownBytes);
        assertThat(grownBytes)
                .as("bytes the gateway holds of a result its client does not read")
                .isLessThan(BOUNDED_BYTES);
    }

    private static RawPostgresClient login() throws IOException {
        return RawPostgresClient.login(
                gateway.gateway.postgresAddress().getPort(), "it_admin", GatewayFixture.PASSWORD, "custos_demo");
    }

    private static RawMySqlClient loginMySql() throws IOException {
        return RawMySqlClient.login(
                gateway.gateway.mysqlAddress().orElseThrow().getPort(),
                "it_admin",
                GatewayFixture.PASSWORD,
                "custos_demo");
    }

    /** Netty's direct memory in use: the gateway runs in this JVM, and its buffers come from the default allocator. */
    private static long usedDirectMemory() {
        return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT)
                .metric()
                .usedDirectMemory();
    }

    private static void readUntilRows(RawPostgresClient client) throws IOException {
        for (RawPostgresClient.Message message = client.read(10_000); ; message = client.read(10_000)) {
            assertThat(message).isNotNull();
            assertThat(message.type()).as("%s", message.fields()).isNotEqualTo('E');
            if (message.type() == 'D') {
                return;
            }
        }
    }

    /** Reads the result to its ReadyForQuery; returns how many rows came. */
    private static int readRows(RawPostgresClient client) throws IOException {
        int rows = 0;
        for (RawPostgresClient.Message message = client.read(10_000); ; message = client.read(10_000)) {
            assertThat(message).isNotNull();
            assertThat(message.type()).as("%s", message.fields()).isNotEqualTo('E');
            if (message.type() == 'Z') {
                return rows;
            }
            if (message.type() == 'D') {
                rows++;
            }
        }
    }

    /**
     * Reads a text result set to its end; returns how many rows came. Without CLIENT_DEPRECATE_EOF: the column count,
     * the column definitions and an EOF packet, then the rows and a second EOF packet. A row of one 1000-byte string
     * starts with 0xFC, never with an EOF packet's 0xFE.
     */
    private static int readMySqlRows(RawMySqlClient client) throws IOException {
        int eofs = 0;
        int rows = 0;
        while (eofs < 2) {
            RawMySqlClient.Packet packet = client.read(10_000);
            assertThat(packet).isNotNull();
            assertThat(packet.isError()).as(packet.text()).isFalse();
            boolean eof = (packet.payload()[0] & 0xFF) == 0xFE && packet.payload().length < 9;
            if (eof) {
                eofs++;
            } else if (eofs == 1) {
                rows++;
            }
        }
        return rows;
    }

    /**
     * Waits up to 10 s for a session of the database running {@code sql}, waiting on {@code waitEvent} when that is not
     * {@code null}; returns its process id.
     */
    private static OptionalLong awaitPostgresSession(Connection monitor, String sql, String waitEvent)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try (PreparedStatement sessions = monitor.prepareStatement("SELECT pid FROM pg_stat_activity"
                + " WHERE state = 'active' AND query = ? AND (?::text IS NULL OR wait_event = ?)")) {
            sessions.setString(1, sql);
            sessions.setString(2, waitEvent);
            sessions.setString(3, waitEvent);
            while (System.nanoTime() < deadline) {
                try (ResultSet rows = sessions.executeQuery()) {
                    if (rows.next()) {
                        return OptionalLong.of(rows.getLong(1));
                    }
                }
                Thread.sleep(20);
            }
        }
        return OptionalLong.empty();
    }

    private static void awaitPostgresSessionGone(Connection monitor, long pid) throws Exception {
        try (PreparedStatement session =
                monitor.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE pid = ?")) {
            session.setLong(1, pid);
            awaitGone(session, "PostgreSQL backend " + pid);
        }
    }

    /**
     * Waits up to 10 s for a thread of the server running {@code sql}, in {@code state} when that is not {@code null};
     * returns its id.
     */
    private static OptionalLong awaitMySqlSession(Connection monitor, String sql, String state)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try (PreparedStatement sessions = monitor.prepareStatement("SELECT id FROM information_schema.processlist"
                + " WHERE command = 'Query' AND info = ? AND (? IS NULL OR state = ?)")) {
            sessions.setString(1, sql);
            sessions.setString(2, state);
            sessions.setString(3, state);
            while (System.nanoTime() < deadline) {
                try (ResultSet rows = sessions.executeQuery()) {
                    if (rows.next()) {
                        return OptionalLong.of(rows.getLong(1));
                    }
                }
                Thread.sleep(20);
            }
        }
        return OptionalLong.empty();
    }

    private static void awaitMySqlSessionGone(Connection monitor, long id) throws Exception {
        try (PreparedStatement session =
                monitor.prepareStatement("SELECT count(*) FROM information_schema.processlist WHERE id = ?")) {
            session.setLong(1, id);
            awaitGone(session, "MariaDB thread " + id);
        }
    }

    /** Polls {@code count} (one row, one count) for up to 10 s until it is 0. */
    private static void awaitGone(PreparedStatement count, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (ResultSet rows = count.executeQuery()) {
                rows.next();
                if (rows.getInt(1) == 0) {
                    return;
                }
            }
            assertThat(System.nanoTime()).as(what + " still open").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
