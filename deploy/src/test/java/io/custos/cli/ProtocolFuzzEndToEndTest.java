package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.custos.cli.support.FaultRelay;
import io.custos.cli.support.LeakWatch;
import io.custos.cli.support.Mutator;
import io.custos.cli.support.RawMySqlClient;
import io.custos.cli.support.RawPostgresClient;
import io.custos.cli.support.TestMariaDb;
import io.custos.cli.support.TestPostgres;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway fed damaged frames over real sockets, in both directions and both protocols, from a seeded generator:
 * clients that send mutated startup packets, handshake responses, queries, extended-protocol batches and commands, and
 * a database (a {@link FaultRelay} in front of the real one) whose answers are mutated. After every damaged exchange
 * the gateway must either go on serving the session (a probe query behind the damage is answered) or end it with the
 * protocol's error and close; it must never hang on a whole frame, close silently where the protocol has room for an
 * error, or pass on part of a frame. A session opened before the damage goes on throughout, every backend connection
 * is released, and Netty's leak detector at paranoid reports no buffer leaked. Iteration counts, seeds and outcomes are
 * printed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProtocolFuzzEndToEndTest {
    private static final long SEED = 0x5EED_0010L;
    private static final int CLIENT_ITERATIONS = 150;
    private static final int BACKEND_ITERATIONS = 40;
    private static final int ANSWER_MILLIS = 5_000;
    private static final int QUIET_MILLIS = 400;
    private static final int MAX_PADDING = 1 << 16;
    private static final String PASSWORD = GatewayFixture.PASSWORD;
    private static final List<String> USERS = List.of("it_admin", "staff", "contractor");
    private static final List<String> STATEMENTS = List.of(
            "SELECT id, name, mobile FROM customer WHERE id = 7",
            "SELECT count(*) FROM customer_bank",
            "UPDATE customer SET mobile = '13800000000' WHERE id = -1",
            "SELECT 1; SELECT 2",
            "BEGIN",
            "ROLLBACK");

    /** Without delays or locks: the fuzzers fail many logins on purpose. */
    private static final String LIMITS =
            "limits:\n  lockout:\n    delay_after: 1000\n    lock_after: 1000\n  authentication_timeout_seconds: 30\n";

    private static LeakWatch leaks;
    private static FaultRelay postgresRelay;
    private static FaultRelay mysqlRelay;
    private static OwnGateway gateway;
    private static Connection postgresBystander;
    private static Connection mysqlBystander;

    @BeforeAll
    static void start() throws IOException, SQLException {
        leaks = LeakWatch.start();
        TestPostgres postgres = TestPostgres.get();
        TestMariaDb mariaDb = TestMariaDb.get();
        postgresRelay = FaultRelay.postgres(postgres.host(), postgres.port());
        mysqlRelay = FaultRelay.mysql(mariaDb.host(), mariaDb.port());
        gateway = new OwnGateway(
                "",
                LIMITS,
                List.of(
                        BackendRefusalEndToEndTest.relayed(postgres, postgresRelay),
                        BackendRefusalEndToEndTest.relayed(mariaDb, mysqlRelay)));
        postgresBystander = gateway.connect("staff");
        mysqlBystander = gateway.connectMySql("staff");
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            assertBystandersServe();
            postgresBystander.close();
            mysqlBystander.close();
            BackendFaultEndToEndTest.awaitSessionConnections(postgresRelay, 0);
            BackendFaultEndToEndTest.awaitSessionConnections(mysqlRelay, 0);
            gateway.close();
            assertThat(leaks.leaks()).as("buffers leaked by the gateway").isEmpty();
        } finally {
            leaks.close();
            postgresRelay.close();
            mysqlRelay.close();
        }
    }

    // ---- client to gateway, PostgreSQL

    @Test
    void postgres_mutatedStartup_answeredWithAnErrorOrServed() throws Exception {
        Random random = new Random(SEED);
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int i = 0; i < CLIENT_ITERATIONS; i++) {
            StartupScan scan = StartupScan.of(Mutator.mutate(postgresStartup(random), random, false));
            String context = "PostgreSQL startup iteration " + i + " of seed " + SEED + ": " + hex(scan.stream());
            try (RawPostgresClient client = RawPostgresClient.connect(port(true))) {
                client.send(scan.stream());
                count(outcomes, postgresStartupOutcome(client, scan, context));
            }
        }
        report("PostgreSQL startup", CLIENT_ITERATIONS, SEED, outcomes);
        assertBystandersServe();
    }

    /**
     * A mutated startup stream as the gateway will read it, its last packet padded with zeros to the length it
     * declares (so that the gateway has a whole packet to answer): how many encryption requests lead it (each
     * answered 'N', the gateway having no TLS here), and whether the packet after them is a cancel request.
     */
    private record StartupScan(byte[] stream, int encryptionRequests, boolean cancel) {
        static StartupScan of(byte[] mutated) {
            byte[] stream = mutated;
            int offset = 0;
            int requests = 0;
            while (true) {
                if (stream.length - offset < 4) {
                    stream = RawPostgresClient.concat(stream, new byte[4 - (stream.length - offset)]);
                }
                int length = ByteBuffer.wrap(stream, offset, 4).getInt();
                if (length < 8 || length > 10_000) {
                    return new StartupScan(stream, requests, false);
                }
                if (stream.length - offset < length) {
                    stream = RawPostgresClient.concat(stream, new byte[length - (stream.length - offset)]);
                }
                int code = ByteBuffer.wrap(stream, offset + 4, 4).getInt();
                if (code != 80877103 && code != 80877104) {
                    return new StartupScan(stream, requests, code == 80877102);
                }
                requests++;
                offset += length;
            }
        }
    }

    /**
     * What came back for a mutated startup stream, checked against what the protocol allows: 'N' for each encryption
     * request, then the SASL authentication request (the gateway then waits for the client), or a FATAL error and the
     * close; a cancel request is closed without a word.
     */
    private static String postgresStartupOutcome(RawPostgresClient client, StartupScan scan, String context)
            throws IOException {
        for (int i = 0; i < scan.encryptionRequests(); i++) {
            assertThat(client.readByte(ANSWER_MILLIS))
                    .as(context + ": answer to an encryption request")
                    .isEqualTo('N');
        }
        int type = client.readByte(ANSWER_MILLIS);
        if (scan.cancel()) {
            assertThat(type)
                    .as(context + ": a cancel request is closed without a word")
                    .isEqualTo(-1);
            return "cancel request, closed";
        }
        assertThat(type).as(context + ": no answer to a whole startup packet").isNotEqualTo(-2);
        assertThat(type).as(context + ": closed without an error").isNotEqualTo(-1);
        assertThat("RvE").as(context + ": message type").contains(String.valueOf((char) type));
        byte[] rest = client.readRestOf((char) type);
        if (type == 'v') {
            // NegotiateProtocolVersion for a 3.x client with x > 0; the authentication request follows.
            type = client.readByte(ANSWER_MILLIS);
            assertThat("RE").as(context + ": message type").contains(String.valueOf((char) type));
            rest = client.readRestOf((char) type);
        }
        if (type == 'R') {
            assertThat(ByteBuffer.wrap(rest).getInt())
                    .as(context + ": SASL requested")
                    .isEqualTo(10);
            return "served, authentication requested";
        }
        assertThat(client.readByte(ANSWER_MILLIS))
                .as(context + ": closed after the error")
                .isEqualTo(-1);
        if (rest[0] == 'F') {
            // Protocol 2.0's error: the text up to NUL, no length.
            return "old-protocol error, closed";
        }
        RawPostgresClient.Message error = new RawPostgresClient.Message('E', rest);
        assertFatal(error, context);
        return "FATAL " + error.fields().get('C') + ", closed";
    }

    @Test
    void postgres_mutatedMessagesOnceReady_answeredOrClosedWithAnError() throws Exception {
        Random random = new Random(SEED + 1);
        Map<String, Integer> outcomes = new TreeMap<>();
        RawPostgresClient client = null;
        String user = null;
        try {
            for (int i = 0; i < CLIENT_ITERATIONS; i++) {
                if (client == null) {
                    user = USERS.get(random.nextInt(USERS.size()));
                    client = RawPostgresClient.login(port(true), user, PASSWORD, "custos_demo");
                }
                byte[] batch = Mutator.mutate(postgresBatch(random), random, false);
                String context = "PostgreSQL message iteration " + i + " of seed " + (SEED + 1) + " as " + user + ": "
                        + hex(batch);
                String outcome = postgresReadyOutcome(client, batch, "probe-" + i, context);
                count(outcomes, outcome);
                if (!outcome.startsWith("served")) {
                    client.close();
                    client = null;
                }
            }
        } finally {
            if (client != null) {
                client.close();
            }
        }
        report("PostgreSQL messages", CLIENT_ITERATIONS, SEED + 1, outcomes);
        assertBystandersServe();
    }

    private static String postgresReadyOutcome(RawPostgresClient client, byte[] batch, String probe, String context)
            throws IOException {
        Framing framing = postgresFraming(batch);
        if (framing.padding() < 0) {
            client.send(batch);
            return "waiting for a message too long to pad, abandoned";
        }
        client.send(RawPostgresClient.concat(
                batch,
                new byte[framing.padding()],
                RawPostgresClient.frame('S', new byte[0]),
                RawPostgresClient.query("SELECT '" + probe + "'")));
        RawPostgresClient.Message last = null;
        boolean probed = false;
        while (true) {
            RawPostgresClient.Message message;
            try {
                message = client.read(ANSWER_MILLIS);
            } catch (SocketTimeoutException e) {
                throw new AssertionError(context + ": no answer within " + ANSWER_MILLIS + " ms, last " + last, e);
            }
            if (message == null) {
                if (framing.terminates()) {
                    return "terminated by the damaged batch";
                }
                assertThat(last).as(context + ": closed without an error").isNotNull();
                assertFatal(last, context);
                return "FATAL " + last.fields().get('C') + ", closed";
            }
            assertThat(RawPostgresClient.SERVER_TYPES).as(context).contains(String.valueOf(message.type()));
            probed |= message.type() == 'D' && message.text().contains(probe);
            if (probed && message.type() == 'Z') {
                return "served, probe answered";
            }
            last = message;
        }
    }

    // ---- client to gateway, MySQL

    @Test
    void mysql_mutatedHandshakeResponse_answeredWithAnErrorOrServed() throws Exception {
        Random random = new Random(SEED + 2);
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int i = 0; i < CLIENT_ITERATIONS; i++) {
            try (RawMySqlClient client = RawMySqlClient.connect(port(false))) {
                byte[] scramble = RawMySqlClient.scramble(client.readHandshake());
                String user = USERS.get(random.nextInt(USERS.size()));
                byte[] response = RawMySqlClient.packet(
                        1,
                        RawMySqlClient.handshakeResponse(
                                user, RawMySqlClient.nativeResponse(PASSWORD, scramble), "custos_demo"));
                byte[] stream = Mutator.mutate(response, random, true);
                Framing framing = mysqlFraming(stream);
                String context = "MySQL handshake iteration " + i + " of seed " + (SEED + 2) + ": " + hex(stream);
                if (framing.padding() < 0 || stream.length == 0) {
                    count(
                            outcomes,
                            stream.length == 0 ? "nothing sent" : "waiting for parts of a split packet, abandoned");
                    continue;
                }
                client.send(RawPostgresClient.concat(stream, new byte[framing.padding()]));
                count(outcomes, mysqlHandshakeOutcome(client, context));
            }
        }
        report("MySQL handshake", CLIENT_ITERATIONS, SEED + 2, outcomes);
        assertBystandersServe();
    }

    /**
     * The gateway's first answer to a mutated handshake response: an authentication step or OK (it then waits for the
     * client), or ERR and the close. The response is padded to the length it declares first.
     */
    private static String mysqlHandshakeOutcome(RawMySqlClient client, String context) throws IOException {
        RawMySqlClient.Packet packet;
        try {
            packet = client.read(ANSWER_MILLIS);
        } catch (SocketTimeoutException e) {
            throw new AssertionError(context + ": no answer to a whole packet", e);
        }
        assertThat(packet).as(context + ": closed without an error").isNotNull();
        if (!packet.isError()) {
            return "served, "
                    + switch (packet.payload()[0]) {
                        case 0x00 -> "logged in";
                        case (byte) 0xFE -> "authentication switch";
                        default -> "authentication data";
                    };
        }
        assertThat(client.read(ANSWER_MILLIS))
                .as(context + ": closed after the error")
                .isNull();
        return "ERR " + packet.errorCode() + ", closed";
    }

    @Test
    void mysql_mutatedCommandsOnceReady_answeredOrClosedWithAnError() throws Exception {
        Random random = new Random(SEED + 3);
        Map<String, Integer> outcomes = new TreeMap<>();
        RawMySqlClient client = null;
        String user = null;
        try {
            for (int i = 0; i < CLIENT_ITERATIONS; i++) {
                if (client == null) {
                    user = USERS.get(random.nextInt(USERS.size()));
                    client = RawMySqlClient.login(port(false), user, PASSWORD, "custos_demo");
                }
                byte[] command = Mutator.mutate(mysqlCommand(random), random, true);
                String context =
                        "MySQL command iteration " + i + " of seed " + (SEED + 3) + " as " + user + ": " + hex(command);
                String outcome = mysqlReadyOutcome(client, command, "probe-" + i, context);
                count(outcomes, outcome);
                if (!outcome.startsWith("served")) {
                    client.close();
                    client = null;
                }
            }
        } finally {
            if (client != null) {
                client.close();
            }
        }
        report("MySQL commands", CLIENT_ITERATIONS, SEED + 3, outcomes);
        assertBystandersServe();
    }

    private static String mysqlReadyOutcome(RawMySqlClient client, byte[] command, String probe, String context)
            throws IOException {
        Framing framing = mysqlFraming(command);
        if (framing.padding() < 0) {
            client.send(command);
            return "waiting for a packet too long to pad, abandoned";
        }
        client.send(RawPostgresClient.concat(
                command, new byte[framing.padding()], RawMySqlClient.query("SELECT '" + probe + "'")));
        RawMySqlClient.Packet last = null;
        int sightings = 0;
        while (true) {
            RawMySqlClient.Packet packet;
            try {
                packet = client.read(ANSWER_MILLIS);
            } catch (SocketTimeoutException e) {
                throw new AssertionError(context + ": no answer within " + ANSWER_MILLIS + " ms", e);
            }
            if (packet == null) {
                if (framing.terminates()) {
                    return "quit by the damaged command";
                }
                assertThat(last).as(context + ": closed without an error").isNotNull();
                assertThat(last.isError())
                        .as(context + ": closed after " + last.text())
                        .isTrue();
                return "ERR " + last.errorCode() + ", closed";
            }
            int header = packet.payload().length == 0 ? -1 : packet.payload()[0] & 0xFF;
            // The probe's result: column count, its definition (named after the probe), EOF, its row, EOF.
            if (sightings >= 2 && header == 0xFE && packet.payload().length < 9) {
                return "served, probe answered";
            }
            if (packet.text().contains(probe) && header != 0xFF) {
                sightings++;
            }
            last = packet;
        }
    }

    // ---- database to gateway

    @Test
    void postgres_mutatedAnswersOfTheDatabase_relayedWholeOrEndedWithAnError() throws Exception {
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int i = 0; i < BACKEND_ITERATIONS; i++) {
            long seed = SEED + 100 + i;
            String context = "PostgreSQL answer mutated with seed " + seed;
            try (RawPostgresClient client = RawPostgresClient.login(port(true), "it_admin", PASSWORD, "custos_demo")) {
                client.send(RawPostgresClient.query(
                        "SELECT id, name, mobile FROM customer WHERE id <= 40 ORDER BY id /*fault:mutate:" + seed
                                + "*/"));
                count(outcomes, postgresMutatedAnswerOutcome(client, context));
            }
        }
        report("PostgreSQL database answers (seeds from)", BACKEND_ITERATIONS, SEED + 100, outcomes);
        assertBystandersServe();
        BackendFaultEndToEndTest.awaitSessionConnections(postgresRelay, 1);
    }

    private static String postgresMutatedAnswerOutcome(RawPostgresClient client, String context) throws IOException {
        RawPostgresClient.Message last = null;
        while (true) {
            RawPostgresClient.Message message;
            try {
                message = client.read(ANSWER_MILLIS);
            } catch (SocketTimeoutException e) {
                throw new AssertionError(context + ": no answer within " + ANSWER_MILLIS + " ms, last " + last, e);
            } catch (RawPostgresClient.CutMessage e) {
                throw new AssertionError(context + ": the gateway passed on part of a message", e);
            }
            if (message == null) {
                assertThat(last).as(context + ": closed without an error").isNotNull();
                assertFatal(last, context);
                return "FATAL " + last.fields().get('C') + ", closed";
            }
            assertThat(RawPostgresClient.SERVER_TYPES).as(context).contains(String.valueOf(message.type()));
            if (message.type() == 'D') {
                assertWholeDataRow(message, context);
            }
            if (message.type() == 'Z') {
                return "whole answer relayed";
            }
            last = message;
        }
    }

    @Test
    void mysql_mutatedAnswersOfTheDatabase_relayedWholeOrEndedWithAnError() throws Exception {
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int i = 0; i < BACKEND_ITERATIONS; i++) {
            long seed = SEED + 200 + i;
            String context = "MySQL answer mutated with seed " + seed;
            try (RawMySqlClient client = RawMySqlClient.login(port(false), "it_admin", PASSWORD, "custos_demo")) {
                client.send(RawMySqlClient.query(
                        "SELECT id, name, mobile FROM customer WHERE id <= 40 ORDER BY id /*fault:mutate:" + seed
                                + "*/"));
                count(outcomes, mysqlMutatedAnswerOutcome(client, context));
            }
        }
        report("MySQL database answers (seeds from)", BACKEND_ITERATIONS, SEED + 200, outcomes);
        assertBystandersServe();
        BackendFaultEndToEndTest.awaitSessionConnections(mysqlRelay, 1);
    }

    /** The relay closes the database's side soon after the damage, so the session always ends: read up to there. */
    private static String mysqlMutatedAnswerOutcome(RawMySqlClient client, String context) throws IOException {
        RawMySqlClient.Packet last = null;
        while (true) {
            RawMySqlClient.Packet packet;
            try {
                packet = client.read(ANSWER_MILLIS);
            } catch (SocketTimeoutException e) {
                throw new AssertionError(context + ": no answer within " + ANSWER_MILLIS + " ms", e);
            } catch (RawMySqlClient.CutPacket e) {
                throw new AssertionError(context + ": the gateway passed on part of a packet", e);
            }
            if (packet == null) {
                assertThat(last).as(context + ": closed without an error").isNotNull();
                assertThat(last.isError() && last.text().contains("custos: "))
                        .as(context + ": closed after " + last.text())
                        .isTrue();
                return "ERR " + last.errorCode() + ", closed";
            }
            if (last != null && last.isError() && last.text().contains("custos: the database")) {
                fail(context + ": packets after the gateway's own error: " + packet.text());
            }
            last = packet;
        }
    }

    // ---- oracles

    private static void assertFatal(RawPostgresClient.Message last, String context) {
        assertThat(last.type()).as(context + ": the message before the close").isEqualTo('E');
        assertThat(last.fields().get('S')).as(context + ": " + last.fields()).isEqualTo("FATAL");
    }

    private static void assertWholeDataRow(RawPostgresClient.Message row, String context) {
        ByteBuffer body = ByteBuffer.wrap(row.body());
        int columns = body.getShort() & 0xFFFF;
        for (int i = 0; i < columns; i++) {
            int length = body.getInt();
            if (length > 0) {
                body.position(body.position() + length);
            }
        }
        assertThat(body.remaining())
                .as(context + ": a DataRow whose columns do not fill it")
                .isZero();
    }

    /**
     * How the bytes sent frame: how many zero bytes complete the last message (-1 when more than {@link #MAX_PADDING}
     * or a MySQL packet of 0xFFFFFF bytes, whose parts go on), and whether a whole message in it ends the session by
     * itself (PostgreSQL Terminate; MySQL COM_QUIT, or COM_CHANGE_USER, whose login the probe then fails).
     */
    private record Framing(int padding, boolean terminates) {}

    private static Framing postgresFraming(byte[] batch) {
        return padded(batch, false);
    }

    private static Framing mysqlFraming(byte[] packets) {
        return padded(packets, true);
    }

    /** Pads header and body of the last frame until it is whole: zeros in a header change the length it declares. */
    private static Framing padded(byte[] bytes, boolean mysql) {
        byte[] stream = bytes;
        while (true) {
            Scan scan = scan(stream, mysql);
            if (scan.missing() == 0) {
                return new Framing(stream.length - bytes.length, scan.terminates());
            }
            if (scan.missing() < 0 || stream.length - bytes.length + scan.missing() > MAX_PADDING) {
                return new Framing(-1, scan.terminates());
            }
            stream = RawPostgresClient.concat(stream, new byte[(int) scan.missing()]);
        }
    }

    /** Bytes missing from the last frame (header first), 0 when whole or hopeless (an error comes), -1 for no end. */
    private record Scan(long missing, boolean terminates) {}

    private static Scan scan(byte[] stream, boolean mysql) {
        int header = mysql ? 4 : 5;
        long offset = 0;
        boolean terminates = false;
        while (offset < stream.length) {
            int at = (int) offset;
            if (stream.length - offset < header) {
                return new Scan(header - (stream.length - offset), terminates);
            }
            long length;
            if (mysql) {
                length = (stream[at] & 0xFF) | (stream[at + 1] & 0xFF) << 8 | (stream[at + 2] & 0xFF) << 16;
                if (length == 0xFFFFFF) {
                    return new Scan(-1, terminates);
                }
            } else {
                length = ByteBuffer.wrap(stream, at + 1, 4).getInt();
                if (length < 4) {
                    return new Scan(0, terminates);
                }
            }
            long end = offset + (mysql ? 4 + length : 1 + length);
            if (end > stream.length) {
                return new Scan(end - stream.length, terminates);
            }
            terminates |= mysql ? length > 0 && (stream[at + 4] == 0x01 || stream[at + 4] == 0x11) : stream[at] == 'X';
            offset = end;
        }
        return new Scan(0, terminates);
    }

    // ---- well-formed input

    private static byte[] postgresStartup(Random random) {
        byte[] ssl = random.nextInt(4) == 0
                ? ByteBuffer.allocate(8).putInt(8).putInt(80877103).array()
                : new byte[0];
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", USERS.get(random.nextInt(USERS.size())));
        parameters.put("database", "custos_demo");
        if (random.nextBoolean()) {
            parameters.put("application_name", "fuzz");
        }
        return RawPostgresClient.concat(ssl, RawPostgresClient.startup(parameters));
    }

    private static byte[] postgresBatch(Random random) {
        String sql = STATEMENTS.get(random.nextInt(STATEMENTS.size()));
        String single = sql.contains(";") ? "SELECT $1::int" : sql;
        byte[] parse = RawPostgresClient.frame(
                'P',
                RawPostgresClient.concat(
                        RawPostgresClient.cString("s" + random.nextInt(2)),
                        RawPostgresClient.cString(single),
                        new byte[] {0, 0}));
        byte[] bind = RawPostgresClient.frame(
                'B',
                RawPostgresClient.concat(
                        RawPostgresClient.cString(""), RawPostgresClient.cString("s0"), new byte[] {0, 0, 0, 0, 0, 0}));
        byte[] describe =
                RawPostgresClient.frame('D', RawPostgresClient.concat(new byte[] {'P'}, RawPostgresClient.cString("")));
        byte[] execute = RawPostgresClient.frame(
                'E', RawPostgresClient.concat(RawPostgresClient.cString(""), new byte[] {0, 0, 0, 0}));
        byte[] close = RawPostgresClient.frame(
                'C', RawPostgresClient.concat(new byte[] {'S'}, RawPostgresClient.cString("s1")));
        byte[] sync = RawPostgresClient.frame('S', new byte[0]);
        return switch (random.nextInt(5)) {
            case 0, 1 -> RawPostgresClient.query(sql);
            case 2 -> RawPostgresClient.concat(parse, bind, describe, execute, sync);
            case 3 -> RawPostgresClient.concat(parse, sync, close, sync);
            default -> RawPostgresClient.concat(bind, execute, sync);
        };
    }

    private static byte[] mysqlCommand(Random random) {
        String sql = STATEMENTS.get(random.nextInt(STATEMENTS.size()));
        byte[] text = sql.getBytes(StandardCharsets.UTF_8);
        byte[] payload =
                switch (random.nextInt(7)) {
                    case 0, 1 -> RawPostgresClient.concat(new byte[] {0x03}, text);
                    case 2 -> RawPostgresClient.concat(new byte[] {0x16}, text);
                    case 3 -> new byte[] {0x17, 1, 0, 0, 0, 0, 1, 0, 0, 0};
                    case 4 -> new byte[] {0x0E};
                    case 5 -> RawPostgresClient.concat(
                            new byte[] {0x02}, "custos_demo".getBytes(StandardCharsets.UTF_8));
                    default -> new byte[] {0x19, 1, 0, 0, 0};
                };
        return RawMySqlClient.packet(0, payload);
    }

    // ---- helpers

    private static int port(boolean postgres) {
        return postgres
                ? gateway.gateway.postgresAddress().getPort()
                : gateway.gateway.mysqlAddress().orElseThrow().getPort();
    }

    private static void assertBystandersServe() throws SQLException {
        for (Connection connection : List.of(postgresBystander, mysqlBystander)) {
            try (Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT count(*) FROM customer")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getInt(1)).isEqualTo(3000);
            }
        }
    }

    private static void count(Map<String, Integer> outcomes, String outcome) {
        outcomes.merge(outcome, 1, Integer::sum);
    }

    private static void report(String what, int iterations, long seed, Map<String, Integer> outcomes) {
        System.out.printf("%s fuzz: %d iterations, seed %d; outcomes %s%n", what, iterations, seed, outcomes);
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 96)) + (bytes.length > 96 ? "…" : "");
    }
}
