package io.custos.proxy.mysql;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.policy.AuditSettings;
import io.custos.policy.Backend;
import io.custos.policy.Classification;
import io.custos.policy.Level;
import io.custos.policy.Listener;
import io.custos.policy.MySqlNativeVerifier;
import io.custos.policy.Policy;
import io.custos.policy.Role;
import io.custos.policy.ScramVerifier;
import io.custos.policy.SecretSource;
import io.custos.policy.StatementClass;
import io.custos.policy.User;
import io.custos.proxy.GatewayContext;
import io.custos.proxy.audit.AuditLog;
import io.custos.proxy.audit.AuditRecord;
import io.custos.proxy.session.SessionRegistry;
import io.custos.rewrite.Catalog;
import io.custos.rewrite.StatementGate;
import io.custos.rewrite.analysis.QueryMasker;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A database server that asks for a file no statement allowed: a scripted fake answers every statement with a file
 * request for {@code /etc/passwd}. The gateway must answer it with an empty file itself, never show it to the client,
 * audit it, and keep the connection usable.
 */
class MySqlFileRequestTest {
    private static final String PASSWORD = "synthetic-user-password";
    private static final String REQUESTED_FILE = "/etc/passwd";
    private static final int SERVER_CAPABILITIES = MySqlCodec.CLIENT_LONG_PASSWORD
            | MySqlCodec.CLIENT_CONNECT_WITH_DB
            | MySqlCodec.CLIENT_LOCAL_FILES
            | MySqlCodec.CLIENT_PROTOCOL_41
            | MySqlCodec.CLIENT_TRANSACTIONS
            | MySqlCodec.CLIENT_SECURE_CONNECTION
            | MySqlCodec.CLIENT_MULTI_STATEMENTS
            | MySqlCodec.CLIENT_MULTI_RESULTS
            | MySqlCodec.CLIENT_PLUGIN_AUTH
            | MySqlCodec.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
            | MySqlCodec.CLIENT_DEPRECATE_EOF;

    private final List<AuditRecord> audited = new CopyOnWriteArrayList<>();
    private final CompletableFuture<byte[]> fileSent = new CompletableFuture<>();
    private ServerSocket fakeServer;
    private Thread fakeThread;
    private EventLoopGroup acceptors;
    private EventLoopGroup workers;
    private MySqlServer gateway;
    private InetSocketAddress address;

    @BeforeEach
    void start() throws IOException, InterruptedException {
        fakeServer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        fakeThread = new Thread(this::serve, "fake-mysql");
        fakeThread.setDaemon(true);
        fakeThread.start();
        acceptors = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        workers = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        Catalog catalog = Catalog.of(List.of(), 1);
        Policy policy = policy(fakeServer.getLocalPort());
        GatewayContext context = new GatewayContext(
                () -> policy,
                new StatementGate(new QueryMasker(() -> catalog), () -> catalog, 16),
                new ListAuditLog(audited),
                () -> catalog,
                () -> {},
                new SessionRegistry(new SecureRandom()),
                new SecureRandom(),
                new byte[32]);
        gateway = new MySqlServer(context, acceptors, workers);
        address = gateway.bind("127.0.0.1", 0);
    }

    @AfterEach
    void stop() throws IOException {
        gateway.close();
        acceptors.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        fakeServer.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT 1", "LOAD DATA LOCAL INFILE 'allowed.tsv' INTO TABLE note"})
    void fileRequest_notForTheAllowedStatement_isAnsweredWithAnEmptyFile(String sql) throws Exception {
        try (MySqlTestClient admin = MySqlTestClient.login(
                address, "admin", PASSWORD, "shop", MySqlTestClient.CAPABILITIES | MySqlCodec.CLIENT_LOCAL_FILES)) {
            List<MySqlTestClient.Packet> answer = admin.run(MySqlTestClient.command(MySqlCodec.COM_QUERY, sql));

            assertThat(answer).singleElement().satisfies(packet -> {
                assertThat(packet.sequenceId()).isEqualTo(1);
                assertThat(packet.header()).isEqualTo(MySqlCodec.OK);
            });
            assertThat(fileSent.get(10, TimeUnit.SECONDS)).isEmpty();
            assertThat(admin.run(new byte[] {MySqlCodec.COM_PING}))
                    .singleElement()
                    .satisfies(packet -> assertThat(packet.header()).isEqualTo(MySqlCodec.OK));
        }
        assertThat(audited).anySatisfy(record -> {
            assertThat(record.decision()).isEqualTo(AuditRecord.REFUSED);
            assertThat(record.rule()).isEqualTo("local_infile");
            assertThat(record.reason()).contains(REQUESTED_FILE);
        });
    }

    // ---- the fake server: one connection, every statement answered with a file request

    private void serve() {
        try (Socket socket = fakeServer.accept()) {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            write(out, 0, handshake());
            byte[] response = read(in).payload();
            int capabilities = (response[0] & 0xFF)
                    | (response[1] & 0xFF) << 8
                    | (response[2] & 0xFF) << 16
                    | (response[3] & 0xFF) << 24;
            boolean deprecateEof = (capabilities & MySqlCodec.CLIENT_DEPRECATE_EOF) != 0;
            write(out, 2, ok(0));
            while (true) {
                byte[] command = read(in).payload();
                if (command[0] == MySqlCodec.COM_QUIT) {
                    return;
                }
                if (command[0] == MySqlCodec.COM_PING) {
                    write(out, 1, ok(0));
                    continue;
                }
                String text = new String(command, 1, command.length - 1, StandardCharsets.UTF_8);
                if (text.startsWith("SELECT @@SESSION.sql_mode")) {
                    sessionRow(out, deprecateEof);
                    continue;
                }
                ByteArrayOutputStream request = new ByteArrayOutputStream();
                request.write(MySqlCodec.LOCAL_INFILE);
                request.write(REQUESTED_FILE.getBytes(StandardCharsets.UTF_8));
                write(out, 1, request.toByteArray());
                MySqlTestClient.Packet file = read(in);
                fileSent.complete(file.sequenceId() == 2 ? file.payload() : new byte[] {(byte) file.sequenceId()});
                write(out, 3, ok(0));
            }
        } catch (IOException e) {
            fileSent.completeExceptionally(e);
        }
    }

    /** The gateway's session query: sql_mode, character set and schema, one row. */
    private static void sessionRow(OutputStream out, boolean deprecateEof) throws IOException {
        int sequenceId = 1;
        write(out, sequenceId++, new byte[] {3});
        for (int i = 0; i < 3; i++) {
            write(out, sequenceId++, "def".getBytes(StandardCharsets.US_ASCII));
        }
        if (!deprecateEof) {
            write(out, sequenceId++, new byte[] {(byte) MySqlCodec.EOF, 0, 0, 2, 0});
        }
        ByteArrayOutputStream row = new ByteArrayOutputStream();
        row.write(0);
        row.write(7);
        row.write("utf8mb4".getBytes(StandardCharsets.US_ASCII));
        row.write(4);
        row.write("shop".getBytes(StandardCharsets.US_ASCII));
        write(out, sequenceId++, row.toByteArray());
        write(
                out,
                sequenceId,
                deprecateEof
                        ? new byte[] {(byte) MySqlCodec.EOF, 0, 0, 2, 0, 0, 0}
                        : new byte[] {(byte) MySqlCodec.EOF, 0, 0, 2, 0});
    }

    /** HandshakeV10 offering mysql_native_password, which the fake accepts whatever the answer. */
    private static byte[] handshake() throws IOException {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        payload.write(10);
        payload.write("10.11.0-fake\0".getBytes(StandardCharsets.US_ASCII));
        payload.write(new byte[] {7, 0, 0, 0});
        payload.write("abcdefgh".getBytes(StandardCharsets.US_ASCII));
        payload.write(0);
        payload.write(SERVER_CAPABILITIES & 0xFF);
        payload.write(SERVER_CAPABILITIES >>> 8 & 0xFF);
        payload.write(MySqlCodec.DEFAULT_COLLATION);
        payload.write(new byte[] {2, 0});
        payload.write(SERVER_CAPABILITIES >>> 16 & 0xFF);
        payload.write(SERVER_CAPABILITIES >>> 24 & 0xFF);
        payload.write(21);
        payload.write(new byte[10]);
        payload.write("ijklmnopqrst\0".getBytes(StandardCharsets.US_ASCII));
        payload.write((MySqlCodec.NATIVE_PASSWORD + "\0").getBytes(StandardCharsets.US_ASCII));
        return payload.toByteArray();
    }

    private static byte[] ok(int affectedRows) {
        return new byte[] {MySqlCodec.OK, (byte) affectedRows, 0, 2, 0, 0, 0};
    }

    private static void write(OutputStream out, int sequenceId, byte[] payload) throws IOException {
        out.write(new byte[] {
            (byte) payload.length, (byte) (payload.length >> 8), (byte) (payload.length >> 16), (byte) sequenceId
        });
        out.write(payload);
        out.flush();
    }

    private static MySqlTestClient.Packet read(DataInputStream in) throws IOException {
        byte[] header = new byte[4];
        in.readFully(header);
        byte[] payload = new byte[(header[0] & 0xFF) | (header[1] & 0xFF) << 8 | (header[2] & 0xFF) << 16];
        in.readFully(payload);
        return new MySqlTestClient.Packet(header[3] & 0xFF, payload);
    }

    private static Policy policy(int backendPort) {
        Role admin = new Role("admin", 2, Set.of(StatementClass.values()), true);
        return new Policy(
                "test-policy",
                List.of(new Level(0, "public")),
                Map.of("admin", admin),
                Map.of(
                        "admin",
                        new User(
                                "admin",
                                "admin",
                                true,
                                ScramVerifier.create(PASSWORD, new SecureRandom()),
                                MySqlNativeVerifier.create(PASSWORD))),
                List.of(new Backend(
                        Backend.Protocol.MYSQL,
                        "127.0.0.1",
                        backendPort,
                        "shop",
                        "gateway",
                        new SecretSource.Given("synthetic-gateway-password"))),
                List.of(new Listener(Backend.Protocol.MYSQL, "127.0.0.1", 0)),
                new Classification(List.of()),
                AuditSettings.of(Path.of("unused-audit.jsonl"), new SecretSource.Given("unused-audit-key")));
    }

    /** The audit trail as a list, always healthy. */
    private record ListAuditLog(List<AuditRecord> records) implements AuditLog {
        @Override
        public long record(AuditRecord record) {
            records.add(record);
            return records.size();
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}

        @Override
        public boolean healthy() {
            return true;
        }
    }
}
