package io.custos.proxy.mysql;

import io.custos.policy.Backend;
import io.custos.policy.Limits;
import io.custos.policy.Policy;
import io.custos.policy.Role;
import io.custos.policy.StatementClass;
import io.custos.policy.User;
import io.custos.proxy.BackendFailures;
import io.custos.proxy.CustosException;
import io.custos.proxy.ErrorCode;
import io.custos.proxy.GatewayContext;
import io.custos.proxy.audit.AuditContext;
import io.custos.proxy.audit.AuditRecord;
import io.custos.proxy.audit.SessionAudit;
import io.custos.proxy.limits.ConnectionLimiter;
import io.custos.proxy.limits.IdleTimer;
import io.custos.proxy.limits.LoginLockout;
import io.custos.proxy.session.LastWord;
import io.custos.proxy.session.LiveSession;
import io.custos.proxy.session.SessionRegistry.CancelKey;
import io.custos.proxy.tls.ClientTls;
import io.custos.proxy.tls.TlsChannels;
import io.custos.rewrite.Caller;
import io.custos.rewrite.Decision;
import io.custos.rewrite.Digests;
import io.custos.rewrite.MySqlMode;
import io.custos.rewrite.SqlPreparedStatements;
import io.custos.rewrite.StatementVerdict;
import io.custos.rewrite.Verdict;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection speaking the MySQL protocol, from the gateway's HandshakeV10 to COM_QUIT.
 *
 * <p>States: {@code HANDSHAKE} (waiting for the HandshakeResponse41), {@code AUTHENTICATING} (mysql_native_password or
 * caching_sha2_password against the policy's verifiers, auth switches included; COM_CHANGE_USER comes back here),
 * {@code CONNECTING} (the session's own backend connection logs in with the gateway's account, then an internal query
 * reads the session's sql_mode, character set and schema), {@code READY} (commands are gated and relayed),
 * {@code CLOSED}.
 *
 * <p>TLS: when the policy has a certificate the handshake offers CLIENT_SSL; a client's SSL Request packet switches the
 * connection to TLS and its HandshakeResponse41 follows encrypted. caching_sha2_password then takes the password in
 * clear inside TLS, as MySQL does; without TLS only RSA-encrypted. The role's {@code require_tls} and the user's client
 * certificate are checked once the password is right.
 *
 * <p>Limits ({@link io.custos.proxy.GatewayGuards}): a connection over the counts gets ERR 1040 in place of the
 * handshake; failed logins feed the lockout, which delays their ERR and refuses locked addresses and names; a session
 * waiting for its next command longer than the idle timeouts gets ERR 4031, as MySQL sends it, and is closed.
 *
 * <p>Concurrency: the client channel and its backend channel share one event loop, so every method here runs on that
 * thread; nothing is shared with other sessions except through {@link GatewayContext} and {@link MySqlServer}.
 *
 * <p>Relay: each command that passes the gate is forwarded (rewritten when masks apply) and queued as a
 * {@link MySqlCommand}; each backend packet is forwarded as received, its sequence id shifted to the client's, after
 * its command has read the framing for the audit trail. A refusal is the gateway's own ERR, queued behind the
 * responses still due so that a pipelining client gets its answers in order. Commands that change how the gate must
 * read text (SET sql_mode, SET NAMES, USE …) are followed by an internal query whose answer the gateway consumes; the
 * client's next commands wait, unread, until it is in. A client that stops reading stops the backend's reads and the
 * other way round.
 *
 * <p>LOAD DATA LOCAL INFILE: the server answers such a statement with a file request ({@code 0xFB, file name}). It
 * reaches the client only when the statement the server is answering is a LOAD DATA LOCAL the gate let through, for
 * that very file; the client's file packets then go to the server untouched until the empty packet that ends the file,
 * and the server's OK or ERR ends the statement as usual. Any other file request is a server asking for a file nobody
 * allowed: the gateway answers it with an empty file itself and audits it. The gateway never opens a file of its own.
 */
final class MySqlSession extends ChannelInboundHandlerAdapter implements MySqlBackend.Handler {
    /**
     * MySQL and MariaDB errors whose message quotes a value although their SQLSTATE is HY000: incorrect or truncated
     * values (1292, 1366, 1367, 1411, 1525), out of range (1264, 1690), duplicate entry (1062, 1586), invalid JSON
     * (3140, 4037, 4038), XPath errors of ExtractValue/UpdateXML (1105), check constraint failures (4025).
     */
    private static final Set<Integer> VALUE_QUOTING_ERRORS =
            Set.of(1062, 1105, 1264, 1292, 1366, 1367, 1411, 1525, 1586, 1690, 3140, 4025, 4037, 4038);

    private static final Logger log = LoggerFactory.getLogger(MySqlSession.class);

    /** ER_SECURE_TRANSPORT_REQUIRED, MySQL's and MariaDB's answer under require_secure_transport. */
    static final int ER_SECURE_TRANSPORT_REQUIRED = 3159;

    /** ER_CLIENT_INTERACTION_TIMEOUT: MySQL 8.0.24 and later send it before closing an idle connection. */
    static final int ER_CLIENT_INTERACTION_TIMEOUT = 4031;

    /** ER_SERVER_SHUTDOWN's SQLSTATE. */
    private static final String SHUTDOWN_SQL_STATE = "08S01";

    /** ER_HOST_IS_BLOCKED: the server's answer to an address with too many connection errors. */
    static final int ER_HOST_IS_BLOCKED = 1129;

    /** SERVER_STATUS_IN_TRANS in OK and EOF packets: a transaction is open. */
    static final int SERVER_STATUS_IN_TRANS = 0x0001;

    /** ER_HANDSHAKE_ERROR: "Bad handshake". */
    private static final int ER_HANDSHAKE_ERROR = 1043;

    static final String PROTOCOL = "mysql";
    static final int ER_ACCESS_DENIED = 1045;
    static final int ER_BAD_DB = 1049;
    static final int ER_UNKNOWN_COMMAND = 1047;
    static final int ER_KILL_DENIED = 1095;
    static final int ER_TABLEACCESS_DENIED = 1142;

    private static final String SESSION_QUERY = "SELECT @@SESSION.sql_mode, @@SESSION.character_set_client, DATABASE()";

    /** Statements after which the session's sql_mode, character set or schema may have changed. */
    private static final Pattern SESSION_CHANGE =
            Pattern.compile("(?i)sql_mode|\\bnames\\b|character[\\s_]+set|\\bcharset\\b|\\bcollation|\\buse\\b");

    /** {@code KILL [HARD|SOFT] [CONNECTION|QUERY] [ID] n}, MariaDB's and MySQL's forms. */
    private static final Pattern KILL = Pattern.compile(
            "(?is)KILL\\s+(?:(?:HARD|SOFT)\\s+)?(?:(QUERY|CONNECTION)\\s+)?(?:ID\\s+)?(\\d{1,19})\\s*;?\\s*");

    private static final Pattern KILL_VERB = Pattern.compile("(?is)KILL\\b.*");

    /** {@code LOAD DATA | XML [LOW_PRIORITY | CONCURRENT] LOCAL INFILE}, up to the file name's literal. */
    private static final Pattern LOAD_LOCAL = Pattern.compile(
            "(?is)LOAD\\s+(?:DATA|XML)\\s+(?:(?:LOW_PRIORITY|CONCURRENT)\\s+)?LOCAL\\s+INFILE\\s+(?=['\"])");

    private static final String FILE_REQUEST_RULE = "local_infile";

    private static final String UNFINISHED_REASON = "the connection ended before the statement completed";

    private enum State {
        HANDSHAKE,
        AUTHENTICATING,
        /** Authentication failed; the answer waits for the lockout's delay. */
        FAILING,
        CONNECTING,
        READY,
        CLOSED
    }

    /** Where a caching_sha2_password exchange stands. */
    private enum AuthStep {
        RESPONSE,
        FULL_AUTH,
        ENCRYPTED_PASSWORD
    }

    /** A prepared statement's verdict; {@code parameters} is how many it binds, which the trail records. */
    private record Prepared(StatementVerdict verdict, boolean changesSession, int parameters) {
        Prepared withParameters(int count) {
            return new Prepared(verdict, changesSession, count);
        }
    }

    private final GatewayContext context;
    private final MySqlServer server;
    private final Deque<MySqlCommand> pending = new ArrayDeque<>();
    private final Deque<MySqlPacket> held = new ArrayDeque<>();
    /** Set when the gateway stops: the session ends with it once quiet. */
    private String drainMessage;

    private final Map<Long, Prepared> prepared = new HashMap<>();
    /** SQL-level prepared statements (PREPARE name FROM …), so that EXECUTE carries the decision of the one it runs. */
    private final SqlPreparedStatements sqlPrepared = SqlPreparedStatements.mySql();

    private final long startNanos = System.nanoTime();

    private State state = State.HANDSHAKE;
    private Channel client;
    private CancelKey cancelKey;
    private LiveSession live;
    private AuditContext audit;
    private SessionAudit trail;
    private Policy policy;
    private Role role;
    private Caller caller;
    private int capabilities;
    private byte[] handshakeScramble;
    private MySqlBackend backend;
    private boolean backendWritable = true;

    // Authentication in progress (login or COM_CHANGE_USER).
    private String authUserName;
    private User authUser;
    private String authPlugin;
    private byte[] authScramble;
    private AuthStep authStep;
    private int authSequenceId;
    private boolean changingUser;
    private String requestedDatabase;
    private int collation = MySqlCodec.DEFAULT_COLLATION;

    // What the gate needs to read statements as the server does.
    private MySqlMode mode = MySqlMode.DEFAULT;
    private String charsetName = "utf8mb4";
    private Charset charset = StandardCharsets.UTF_8;
    private String schema;

    private ConnectionLimiter.Admission admission;
    private IdleTimer idleTimer;
    private int serverStatus = MySqlCodec.SERVER_STATUS_AUTOCOMMIT;

    private boolean refreshing;
    private boolean killing;
    /** The last part relayed to the client was not the last of its logical packet. */
    private boolean clientMidPacket;

    private boolean discardingParts;
    private Prepared lastPrepared;
    private boolean lastPrepareRefused;
    /** The command whose LOCAL INFILE contents the client is sending, or {@code null}. */
    private MySqlCommand fileTransfer;

    MySqlSession(GatewayContext context, MySqlServer server) {
        this.context = context;
        this.server = server;
    }

    @Override
    public long sessionId() {
        return cancelKey == null ? 0 : cancelKey.sessionId();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        client = ctx.channel();
        trail = SessionAudit.install(client, context.audit());
        cancelKey = context.sessions().newSession();
        audit = AuditContext.connection(cancelKey.sessionId(), address(client), PROTOCOL);
        live = context.sessions()
                .open(
                        cancelKey,
                        PROTOCOL,
                        audit.clientAddress(),
                        message -> client.eventLoop().execute(() -> endByAdministrator(message)),
                        message -> client.eventLoop().execute(() -> drain(message)));
        policy = context.policy().get();
        trail.record(AuditRecord.connect(audit, policy.version()));
        log.debug("[{}] connection from {}", sessionId(), audit.clientAddress());
        Limits limits = policy.limits();
        idleTimer = new IdleTimer(
                ctx.executor(), limits.idleSessionTimeout(), limits.idleInTransactionTimeout(), this::onIdleTimeout);
        admission = context.guards().connections().admit(host());
        if (admission.refusal().isPresent()) {
            refuseConnection(admission.refusal().get());
            ctx.fireChannelActive();
            return;
        }
        handshakeScramble = MySqlAuth.scramble(context.random());
        MySqlCodec.write(client, handshake(), 0);
        client.flush();
        ctx.executor()
                .schedule(
                        this::onAuthenticationTimeout,
                        limits.authenticationTimeout().toNanos(),
                        TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    /** Over a connection limit: ERR 1040 in place of the handshake, as the server sends it, then close. */
    private void refuseConnection(ConnectionLimiter.Refusal refusal) {
        String reason = refusal == ConnectionLimiter.Refusal.TOTAL
                ? "Too many connections"
                : "custos: too many connections from " + host() + " (limit "
                        + policy.limits().maxConnectionsPerAddress() + ")";
        log.warn(
                "[{}] connection from {} refused: {}; raise 'limits' in the policy if this load is expected",
                sessionId(),
                audit.clientAddress(),
                reason);
        fatal(ErrorCode.TOO_MANY_CONNECTIONS.mysqlErrorNumber(), "08004", reason, 0);
    }

    /** A client that has not logged in within the time MySQL's connect_timeout-like limit allows is dropped. */
    private void onAuthenticationTimeout() {
        if (state == State.HANDSHAKE || state == State.AUTHENTICATING) {
            log.debug("[{}] authentication timed out", sessionId());
            fatal(ER_HANDSHAKE_ERROR, "08S01", "custos: authentication timed out");
            return;
        }
        if (state == State.CONNECTING && !changingUser) {
            // The client is logged in to the gateway, but the database has not finished the login it was asked for.
            backend.close();
            cannotConnect(
                    "the database did not complete the login in time",
                    "custos: cannot connect to the database: it did not answer in time");
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        MySqlPacket packet = (MySqlPacket) message;
        if (state == State.READY) {
            idleTimer.busy();
        }
        try {
            switch (state) {
                case HANDSHAKE -> onHandshakeResponse(packet);
                case AUTHENTICATING -> onAuthData(packet);
                case CONNECTING -> hold(packet);
                case READY -> onClientPacket(packet);
                case FAILING, CLOSED -> packet.release();
            }
        } catch (CustosException e) {
            releaseIfStillOurs(packet);
            fatal(e.code().mysqlErrorNumber(), e.code().sqlState(), e.getMessage());
        } catch (RuntimeException e) {
            releaseIfStillOurs(packet);
            log.debug("[{}] malformed packet: {}", sessionId(), e.toString());
            fatal(ErrorCode.PROTOCOL_VIOLATION.mysqlErrorNumber(), "08S01", "custos: malformed packet");
        }
    }

    /**
     * Handlers read every field before they pass a packet on, and some release it in a finally block of their own:
     * a packet that fails is released here only if nothing released it yet.
     */
    private static void releaseIfStillOurs(MySqlPacket packet) {
        if (packet.refCnt() > 0) {
            packet.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (backend != null) {
            backend.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (backend != null) {
            backend.setAutoRead(client.isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state = State.CLOSED;
        context.sessions().unregister(cancelKey);
        admission.release();
        idleTimer.cancel();
        context.sessions().close(live);
        server.unregisterKillTarget(sessionId());
        if (backend != null) {
            backend.close();
        }
        held.forEach(MySqlPacket::release);
        held.clear();
        auditUnfinished();
        pending.forEach(command -> {
            if (command.reply != null) {
                command.reply.release();
            }
        });
        pending.clear();
        prepared.clear();
        long micros = (System.nanoTime() - startNanos) / 1_000;
        trail.record(AuditRecord.disconnect(audit, micros, policy.version()));
        log.debug("[{}] closed", sessionId());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof CustosException custos) {
            fatal(custos.code().mysqlErrorNumber(), "08S01", custos.getMessage());
            return;
        }
        if (root instanceof SSLException) {
            log.info("[{}] TLS with {} failed: {}", sessionId(), audit.clientAddress(), root.getMessage());
        } else {
            log.debug("[{}] connection error: {}", sessionId(), root.toString());
        }
        ctx.close();
    }

    // ---- handshake and authentication

    /**
     * HandshakeV10: {@code int<1> 10, string<NUL> server version, int<4> connection id, string[8] scramble part 1,
     * int<1> 0, int<2> capabilities (low), int<1> collation, int<2> status, int<2> capabilities (high), int<1> 21,
     * string[10] 0, string[13] scramble part 2 and NUL, string<NUL> auth plugin}.
     */
    private ByteBuf handshake() {
        ByteBuf payload = client.alloc().buffer(128);
        payload.writeByte(10);
        MySqlCodec.writeNulString(payload, server.serverVersion());
        payload.writeIntLE(cancelKey.sessionId());
        payload.writeBytes(handshakeScramble, 0, 8);
        payload.writeByte(0);
        int offered =
                MySqlCodec.GATEWAY_CAPABILITIES | (context.guards().tls().isPresent() ? MySqlCodec.CLIENT_SSL : 0);
        payload.writeShortLE(offered & 0xFFFF);
        payload.writeByte(MySqlCodec.DEFAULT_COLLATION);
        payload.writeShortLE(MySqlCodec.SERVER_STATUS_AUTOCOMMIT);
        payload.writeShortLE(offered >>> 16);
        payload.writeByte(MySqlAuth.SCRAMBLE_BYTES + 1);
        payload.writeZero(10);
        payload.writeBytes(handshakeScramble, 8, MySqlAuth.SCRAMBLE_BYTES - 8);
        payload.writeByte(0);
        // MariaDB's own default: its command-line client answers it directly. Clients that prefer
        // caching_sha2_password answer with that plugin instead, and users without a native verifier are switched.
        MySqlCodec.writeNulString(payload, MySqlCodec.NATIVE_PASSWORD);
        return payload;
    }

    /**
     * HandshakeResponse41: {@code int<4> capabilities, int<4> max packet size, int<1> collation, string[23] 0,
     * string<NUL> user, auth response (length-encoded, or int<1> length), [string<NUL> database], [string<NUL> auth
     * plugin], [connection attributes]}. A 32-byte packet with CLIENT_SSL set is an SSL request.
     */
    private void onHandshakeResponse(MySqlPacket packet) {
        authSequenceId = packet.sequenceId();
        ByteBuf payload = packet.payload();
        try {
            if (payload.readableBytes() < 4) {
                throw new IllegalArgumentException("short handshake response");
            }
            int clientCapabilities = payload.readIntLE();
            if ((clientCapabilities & MySqlCodec.CLIENT_SSL) != 0 && payload.readableBytes() <= 28) {
                onSslRequest();
                return;
            }
            if (context.guards().tls().map(ClientTls::requireTls).orElse(false) && !TlsChannels.secure(client)) {
                String reason = "custos: the gateway accepts only TLS connections; connect with ssl-mode=REQUIRED"
                        + " or stronger";
                trail.record(AuditRecord.authFailed(audit, reason, "08004", policy.version()));
                fatal(ER_SECURE_TRANSPORT_REQUIRED, "08004", reason);
                return;
            }
            if ((clientCapabilities & MySqlCodec.CLIENT_PROTOCOL_41) == 0) {
                fatal(
                        ErrorCode.FEATURE_NOT_SUPPORTED.mysqlErrorNumber(),
                        "08004",
                        "custos: the client does not support protocol 4.1");
                return;
            }
            capabilities = clientCapabilities & MySqlCodec.GATEWAY_CAPABILITIES;
            payload.skipBytes(4);
            collation = payload.readUnsignedByte();
            payload.skipBytes(23);
            String userName = MySqlCodec.readNulString(payload, StandardCharsets.UTF_8);
            byte[] response = readAuthResponse(payload, clientCapabilities);
            String database = null;
            if ((clientCapabilities & MySqlCodec.CLIENT_CONNECT_WITH_DB) != 0 && payload.isReadable()) {
                database = MySqlCodec.readNulString(payload, StandardCharsets.UTF_8);
            }
            String plugin = MySqlCodec.NATIVE_PASSWORD;
            if ((clientCapabilities & MySqlCodec.CLIENT_PLUGIN_AUTH) != 0 && payload.isReadable()) {
                plugin = MySqlCodec.readNulString(payload, StandardCharsets.UTF_8);
            }
            if ((clientCapabilities & MySqlCodec.CLIENT_CONNECT_ATTRS) != 0 && payload.isReadable()) {
                long attributeBytes = MySqlCodec.readLengthEncoded(payload);
                log.debug("[{}] client sent {} bytes of connection attributes", sessionId(), attributeBytes);
            }
            requestedDatabase = database == null || database.isEmpty() ? null : database;
            state = State.AUTHENTICATING;
            startAuthentication(userName, plugin, response, handshakeScramble);
        } finally {
            packet.release();
        }
    }

    /**
     * SSL Request: the handshake response's first 32 bytes with CLIENT_SSL set. The TLS handler takes the place of the
     * {@link MySqlSslRequestSplitter}, which passes it the bytes that came behind the request; the full handshake
     * response follows over TLS, with the next sequence id.
     */
    private void onSslRequest() {
        Optional<ClientTls> tls = context.guards().tls();
        if (tls.isEmpty()
                || TlsChannels.secure(client)
                || client.pipeline().get(MySqlSslRequestSplitter.NAME) == null) {
            fatal(
                    ErrorCode.FEATURE_NOT_SUPPORTED.mysqlErrorNumber(),
                    "08004",
                    tls.isEmpty()
                            ? "custos: TLS is not supported by this gateway (its policy has no 'tls' section);"
                                    + " connect without TLS"
                            : "custos: unexpected SSL request");
            return;
        }
        client.pipeline()
                .replace(
                        MySqlSslRequestSplitter.NAME,
                        TlsChannels.HANDLER_NAME,
                        tls.get().newHandler(client.alloc()));
    }

    private static byte[] readAuthResponse(ByteBuf payload, int clientCapabilities) {
        if ((clientCapabilities & MySqlCodec.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA) != 0) {
            return MySqlCodec.readLengthEncodedBytes(payload);
        }
        if ((clientCapabilities & MySqlCodec.CLIENT_SECURE_CONNECTION) != 0) {
            byte[] response = new byte[payload.readUnsignedByte()];
            payload.readBytes(response);
            return response;
        }
        return MySqlCodec.readNulBytes(payload);
    }

    /**
     * The first auth response, from the handshake or COM_CHANGE_USER. The gateway keeps no SHA256(SHA256(password)), so
     * caching_sha2_password always takes the full path; mysql_native_password is checked when the user has a native
     * verifier (an unknown user is treated as one that has, so the answer reveals nothing); any other plugin, and
     * native for a user without that verifier, is switched to caching_sha2_password.
     */
    private void startAuthentication(String userName, String plugin, byte[] response, byte[] scramble) {
        authUserName = userName;
        authUser = policy.user(userName).filter(User::enabled).orElse(null);
        audit = audit.requested(userName, requestedDatabase);
        Optional<LoginLockout.Lock> lock = context.guards().lockout().locked(host(), userName);
        if (lock.isPresent()) {
            String reason = "custos: too many failed logins for " + lock.get().subject() + "; try again in "
                    + lock.get().remainingSeconds() + " s";
            trail.record(AuditRecord.authFailed(audit, reason, "HY000", policy.version()));
            log.debug("[{}] login refused: {}", sessionId(), reason);
            fatal(ER_HOST_IS_BLOCKED, "HY000", reason);
            return;
        }
        authScramble = scramble;
        authStep = AuthStep.RESPONSE;
        boolean nativeAvailable =
                authUser == null || authUser.mysqlNativeVerifier().isPresent();
        if (plugin.equals(MySqlCodec.NATIVE_PASSWORD) && nativeAvailable) {
            if (response.length == 0) {
                // A client whose plugin differs from the announced one may send nothing and wait to be switched.
                switchTo(MySqlCodec.NATIVE_PASSWORD);
                return;
            }
            authPlugin = MySqlCodec.NATIVE_PASSWORD;
            checkNative(response);
            return;
        }
        if (plugin.equals(MySqlCodec.CACHING_SHA2_PASSWORD)) {
            if (response.length == 0) {
                // The MariaDB client names caching_sha2_password but sends nothing until it is switched to it.
                switchTo(MySqlCodec.CACHING_SHA2_PASSWORD);
                return;
            }
            authPlugin = MySqlCodec.CACHING_SHA2_PASSWORD;
            askForFullAuthentication();
            return;
        }
        switchTo(MySqlCodec.CACHING_SHA2_PASSWORD);
    }

    /** AuthSwitchRequest: {@code 0xFE, string<NUL> plugin, scramble, 0x00}, with a fresh scramble. */
    private void switchTo(String plugin) {
        authPlugin = plugin;
        authScramble = MySqlAuth.scramble(context.random());
        authStep = AuthStep.RESPONSE;
        ByteBuf payload = client.alloc().buffer(64);
        payload.writeByte(MySqlCodec.EOF);
        MySqlCodec.writeNulString(payload, plugin);
        payload.writeBytes(authScramble).writeByte(0);
        sendAuth(payload);
    }

    private void onAuthData(MySqlPacket packet) {
        authSequenceId = packet.sequenceId();
        byte[] data = new byte[packet.payload().readableBytes()];
        packet.payload().readBytes(data);
        packet.release();
        if (authPlugin.equals(MySqlCodec.NATIVE_PASSWORD)) {
            checkNative(data);
            return;
        }
        switch (authStep) {
            case RESPONSE -> askForFullAuthentication();
            case FULL_AUTH -> onFullAuthentication(data);
            case ENCRYPTED_PASSWORD -> checkEncrypted(data);
        }
    }

    /** AuthMoreData {@code 0x01 0x04}: perform full authentication. */
    private void askForFullAuthentication() {
        authStep = AuthStep.FULL_AUTH;
        sendAuth(client.alloc().buffer(2).writeByte(MySqlCodec.AUTH_MORE_DATA).writeByte(4));
    }

    /** 0x02 asks for the public key; 256 bytes are the password already encrypted; anything else is cleartext. */
    private void onFullAuthentication(byte[] data) {
        if (data.length == 1 && data[0] == 2) {
            authStep = AuthStep.ENCRYPTED_PASSWORD;
            byte[] pem = server.publicKeyPem().getBytes(StandardCharsets.US_ASCII);
            sendAuth(client.alloc()
                    .buffer(pem.length + 1)
                    .writeByte(MySqlCodec.AUTH_MORE_DATA)
                    .writeBytes(pem));
            return;
        }
        if (TlsChannels.secure(client)) {
            checkCleartext(data);
            return;
        }
        if (data.length == MySqlAuth.RSA_KEY_BITS / 8) {
            checkEncrypted(data);
            return;
        }
        Arrays.fill(data, (byte) 0);
        deny("cleartext password without TLS", true);
    }

    /** caching_sha2_password full authentication over TLS: {@code string<NUL> password}, as MySQL sends it. */
    private void checkCleartext(byte[] data) {
        int length = data.length > 0 && data[data.length - 1] == 0 ? data.length - 1 : data.length;
        String password = new String(data, 0, length, StandardCharsets.UTF_8);
        Arrays.fill(data, (byte) 0);
        boolean matches = MySqlAuth.matches(authUser == null ? server.decoyVerifier() : authUser.verifier(), password)
                && authUser != null;
        if (matches) {
            onAuthenticated();
            return;
        }
        deny("wrong password", length > 0);
    }

    private void checkEncrypted(byte[] data) {
        String password = MySqlAuth.decryptPassword(server.rsaKeys().getPrivate(), data, authScramble);
        boolean matches = password != null
                && MySqlAuth.matches(authUser == null ? server.decoyVerifier() : authUser.verifier(), password)
                && authUser != null;
        if (matches) {
            onAuthenticated();
            return;
        }
        deny(password == null ? "password could not be decrypted" : "wrong password", true);
    }

    private void checkNative(byte[] response) {
        boolean matches = authUser != null
                && authUser.mysqlNativeVerifier()
                        .map(verifier -> verifier.verify(authScramble, response))
                        .orElse(false);
        if (matches) {
            onAuthenticated();
            return;
        }
        deny(response.length == 0 ? "no password given" : "wrong password", response.length > 0);
    }

    private void sendAuth(ByteBuf payload) {
        authSequenceId = MySqlCodec.write(client, payload, authSequenceId + 1);
        client.flush();
    }

    /** Unknown user, disabled user or wrong password: one answer for all, ERR 1045, then close. */
    private void deny(String why, boolean passwordGiven) {
        String reason = "Access denied for user '" + authUserName + "'@'" + host() + "' (using password: "
                + (passwordGiven ? "YES" : "NO") + ")";
        trail.record(AuditRecord.authFailed(audit, reason + ": " + why, "28000", policy.version()));
        log.info("[{}] authentication failed for user '{}' from {}", sessionId(), authUserName, audit.clientAddress());
        LoginLockout.Outcome outcome = context.guards().lockout().failed(host(), authUserName);
        outcome.newLock().ifPresent(lock -> {
            String lockReason = lock.subject() + " locked for " + lock.remainingSeconds() + " s after "
                    + outcome.failures() + " failed logins";
            trail.record(AuditRecord.lockout(audit, lockReason, policy.version()));
            log.warn(
                    "[{}] {}; last attempt as user '{}' from {}; check for password guessing, or raise 'lockout' in"
                            + " the policy's limits",
                    sessionId(),
                    lockReason,
                    authUserName,
                    audit.clientAddress());
        });
        if (outcome.delay().isZero()) {
            fatal(ER_ACCESS_DENIED, "28000", reason);
            return;
        }
        state = State.FAILING;
        client.eventLoop()
                .schedule(
                        () -> fatal(ER_ACCESS_DENIED, "28000", reason),
                        outcome.delay().toNanos(),
                        TimeUnit.NANOSECONDS);
    }

    /**
     * The password was right; what the policy asks beyond it: TLS for the role, a client certificate for the user, and
     * room under the user's connection limit. False, with the client answered, when one is missing.
     */
    private boolean checkSecondFactors() {
        Role newRole = policy.role(authUser);
        if (newRole.requireTls() && !TlsChannels.secure(client)) {
            String reason =
                    "custos: role " + newRole.name() + " must connect with TLS; use ssl-mode=REQUIRED or" + " stronger";
            trail.record(AuditRecord.authFailed(audit, reason, "28000", policy.version()));
            fatal(ER_ACCESS_DENIED, "28000", reason);
            return false;
        }
        Optional<String> mismatch =
                authUser.clientCertificateRule().flatMap(rule -> TlsChannels.certificateMismatch(client, rule));
        if (mismatch.isPresent()) {
            deny(mismatch.get(), true);
            return false;
        }
        context.guards().lockout().succeeded(host(), authUserName);
        if (!admission.loggedIn(authUserName)) {
            String reason = "User " + authUserName + " already has more than 'max_user_connections' active connections";
            log.warn(
                    "[{}] login refused: {} (limit {})",
                    sessionId(),
                    reason,
                    policy.limits().maxConnectionsPerUser());
            fatal(ErrorCode.TOO_MANY_USER_CONNECTIONS.mysqlErrorNumber(), "42000", reason);
            return false;
        }
        return true;
    }

    private void onAuthenticated() {
        if (!checkSecondFactors()) {
            return;
        }
        role = policy.role(authUser);
        Backend backendConfig = policy.backend(Backend.Protocol.MYSQL)
                .orElseThrow(() -> new CustosException(ErrorCode.INTERNAL, "no MySQL backend is configured"));
        String database = requestedDatabase == null ? backendConfig.database() : requestedDatabase;
        schema = database;
        audit = audit.authenticated(authUserName, role.name(), database);
        live.authenticated(authUserName, role.name());
        trail.record(AuditRecord.authOk(audit, policy.version()));
        caller = newCaller();
        log.debug("[{}] user '{}' (role {}) authenticated", sessionId(), authUserName, role.name());
        state = State.CONNECTING;
        if (changingUser) {
            backend.changeUser(collation, database);
            return;
        }
        backend = new MySqlBackend(
                this,
                backendConfig,
                client.eventLoop(),
                capabilities,
                collation,
                database,
                context.guards().backendTls(Backend.Protocol.MYSQL).orElse(null));
        backend.connect();
    }

    private Caller newCaller() {
        return new Caller(
                authUserName,
                role,
                policy.classification(),
                policy.version(),
                schema == null ? List.of() : List.of(schema));
    }

    // ---- callbacks from the backend connection

    @Override
    public void onBackendReady() {
        if (state == State.CLOSED) {
            return;
        }
        if (!changingUser) {
            server.serverVersion(backend.serverVersion());
            context.sessions().register(cancelKey, () -> client.eventLoop().execute(this::killOwnQuery));
        }
        server.registerKillTarget(sessionId(), authUserName, backend.threadId());
        refreshSession(() -> {
            changingUser = false;
            state = State.READY;
            MySqlCodec.write(
                    client, MySqlCodec.ok(client.alloc(), MySqlCodec.SERVER_STATUS_AUTOCOMMIT), authSequenceId + 1);
            client.flush();
            drainHeld();
            maybeIdle();
        });
    }

    @Override
    public void onBackendFailed(int errorCode, String sqlState, String message) {
        if (state == State.CLOSED) {
            return;
        }
        Optional<MySqlBackendRefusal> refusal = MySqlBackendRefusal.of(errorCode, sqlState, audit.database());
        if (refusal.isPresent()) {
            log.info(
                    "[{}] the database refused the session of user '{}': {} (error {})",
                    sessionId(),
                    authUserName,
                    message,
                    errorCode);
            fatal(
                    refusal.get().errorNumber(),
                    refusal.get().sqlState(),
                    refusal.get().message());
            return;
        }
        cannotConnect(message, "custos: cannot connect to the database");
    }

    @Override
    public void onBackendUnreachable(Throwable cause) {
        if (state == State.CLOSED) {
            return;
        }
        cannotConnect(String.valueOf(cause.getMessage()), BackendFailures.cannotConnect(cause));
    }

    private void cannotConnect(String logMessage, String clientMessage) {
        context.metrics().backendConnectionError(PROTOCOL);
        log.warn(
                "[{}] cannot open a backend connection for user '{}': {}; check the policy's MySQL backend settings "
                        + "and that the database is up",
                sessionId(),
                authUserName,
                logMessage);
        fatal(ErrorCode.BACKEND_UNAVAILABLE.mysqlErrorNumber(), "HY000", clientMessage);
    }

    @Override
    public void onBackendTlsFailed(String reason) {
        if (state == State.CLOSED) {
            return;
        }
        log.warn(
                "[{}] cannot open a backend connection for user '{}': {}; check the backend's 'tls' settings in the"
                        + " policy and the database's certificate",
                sessionId(),
                authUserName,
                reason);
        fatal(
                ErrorCode.BACKEND_UNAVAILABLE.mysqlErrorNumber(),
                "HY000",
                "custos: cannot connect to the database: " + reason);
    }

    @Override
    public void onBackendClosed() {
        if (state == State.CLOSED) {
            return;
        }
        if (state != State.READY) {
            cannotConnect(
                    "closed during the login", "custos: cannot connect to the database: it closed the connection");
            return;
        }
        context.metrics().backendConnectionError(PROTOCOL);
        log.info("[{}] backend connection closed by the database", sessionId());
        backendLost(ErrorCode.BACKEND_LOST, "custos: the database closed the connection");
    }

    /** The database sent a packet its command cannot read: nothing more of the reply is relayed. */
    private void onBackendInvalid(String detail) {
        context.metrics().backendConnectionError(PROTOCOL);
        log.warn(
                "[{}] the database sent an invalid packet ({}); the session is closed. Check the database server and"
                        + " the network path to it",
                sessionId(),
                detail);
        backendLost(ErrorCode.BACKEND_PROTOCOL_VIOLATION, "custos: the database sent an invalid packet");
    }

    /**
     * The backend connection is gone or unusable while the session is open: the client gets the error in place of the
     * reply it waits for (or unsolicited, when it waits for none). A reply cut inside a logical packet of more than
     * 16 MiB cannot take an ERR after it (the client would read the ERR as the packet's next part): the connection
     * is only closed.
     */
    private void backendLost(ErrorCode code, String message) {
        if (clientMidPacket) {
            state = State.CLOSED;
            client.close();
            backend.close();
            return;
        }
        MySqlCommand head = firstBackendCommand();
        fatal(code.mysqlErrorNumber(), "08S01", message, head == null ? 0 : head.nextSequenceId);
    }

    @Override
    public void onBackendReadComplete() {
        client.flush();
    }

    @Override
    public void onBackendWritable(boolean writable) {
        backendWritable = writable;
        updateClientAutoRead();
    }

    /** A packet from the backend once logged in: let its command read it, then forward it or keep it. */
    @Override
    public void onBackendPacket(MySqlPacket packet) {
        MySqlCommand head = firstBackendCommand();
        if (head == null || state == State.CLOSED) {
            log.debug("[{}] backend packet with no command pending dropped: {}", sessionId(), packet);
            packet.release();
            return;
        }
        MySqlCommand.Step step = MySqlCommand.Step.CONTINUE;
        if (packet.first()) {
            try {
                step = head.read(packet.payload());
            } catch (RuntimeException e) {
                packet.release();
                onBackendInvalid(e.toString());
                return;
            }
        }
        if (step == MySqlCommand.Step.LOCAL_INFILE) {
            onFileRequest(head, packet);
            return;
        }
        if (head.kind == MySqlCommand.Kind.INTERNAL) {
            packet.release();
        } else {
            onStep(head, step, packet.payload());
            int sequenceId = (packet.sequenceId() + head.sequenceOffset) & 0xFF;
            head.nextSequenceId = sequenceId + 1;
            ByteBuf payload = packet.payload();
            if (step == MySqlCommand.Step.ERROR && withheld(payload)) {
                int code = MySqlCodec.errorCode(payload);
                String sqlState = MySqlCodec.errorSqlState(payload);
                payload.release();
                payload = MySqlCodec.err(client.alloc(), code, sqlState, withheldMessage(code, sqlState));
            }
            MySqlCodec.writePart(client, payload, sequenceId);
            clientMidPacket = !packet.last();
        }
        if (head.finished() && packet.last()) {
            serverStatus = head.status;
            pending.pollFirst();
            if (head.kind == MySqlCommand.Kind.INTERNAL) {
                head.onInternalResult.accept(step == MySqlCommand.Step.ERROR ? null : head.firstRow);
            }
            flushReplies();
            drainHeld();
            maybeIdle();
        }
    }

    /**
     * Errors that quote the value they failed on (duplicate entries, truncated or incorrect values, invalid JSON) or
     * whose class says so (SQLSTATE 22, 23): below full clearance only the code and SQLSTATE reach the client, since a
     * predicate can make the server convert a protected column on purpose.
     */
    private boolean withheld(ByteBuf payload) {
        if (caller == null || caller.fullClearance()) {
            return false;
        }
        String sqlState = MySqlCodec.errorSqlState(payload);
        return sqlState.startsWith("22")
                || sqlState.startsWith("23")
                || VALUE_QUOTING_ERRORS.contains(MySqlCodec.errorCode(payload));
    }

    private static String withheldMessage(int code, String sqlState) {
        return "custos: the database reported error " + code + " (" + sqlState
                + "); its message is withheld below full clearance because it may quote protected values";
    }

    private MySqlCommand firstBackendCommand() {
        for (MySqlCommand command : pending) {
            if (command.kind != MySqlCommand.Kind.REPLY) {
                return command;
            }
        }
        return null;
    }

    /** Audit bookkeeping for one response step. */
    private void onStep(MySqlCommand head, MySqlCommand.Step step, ByteBuf payload) {
        switch (step) {
            case OK -> completeResult(head, head.affectedRows, true);
            case RESULT_END -> completeResult(head, head.rows, false);
            case ERROR -> {
                StatementVerdict statement = head.current();
                if (statement != null) {
                    auditFailed(statement, MySqlCodec.errorSqlState(payload), MySqlCodec.errorCode(payload), head);
                }
            }
            case PREPARED -> {
                if (lastPrepared != null) {
                    lastPrepared = lastPrepared.withParameters(head.preparedParameters());
                    prepared.put(head.statementId(), lastPrepared);
                }
            }
            case CONTINUE, LOCAL_INFILE -> {}
        }
    }

    /**
     * One result (OK or result set) is complete. Each ends a statement, except the result sets of a CALL, which end
     * with the CALL's own OK, and the results beyond the last statement the gate counted, which belong to it.
     */
    private void completeResult(MySqlCommand head, long rows, boolean ok) {
        StatementVerdict statement = head.current();
        if (statement == null) {
            return;
        }
        head.rowsSoFar += rows;
        boolean statementEnds;
        if (head.finished()) {
            statementEnds = true;
        } else if (head.next >= head.statements.size() - 1) {
            statementEnds = false;
        } else {
            statementEnds = ok || !isCall(statement);
        }
        if (!statementEnds) {
            return;
        }
        auditCompleted(statement, head.rowsSoFar, head.elapsedMicros(), head.parameters);
        head.next++;
        head.rowsSoFar = 0;
        head.startNanos = System.nanoTime();
    }

    private static boolean isCall(StatementVerdict statement) {
        String text = statement.sql().stripLeading();
        return text.regionMatches(true, 0, "CALL", 0, 4);
    }

    // ---- LOAD DATA LOCAL INFILE

    /**
     * The server asks for a file ({@code 0xFB, string<EOF> file name}). It goes to the client only for the LOAD DATA
     * LOCAL statement the gate allowed, naming that file, and when the client offered LOCAL INFILE; any other request
     * gets an empty file (an empty packet) from the gateway, and the server's answer to that goes to the client in
     * place of the request.
     */
    private void onFileRequest(MySqlCommand head, MySqlPacket packet) {
        ByteBuf payload = packet.payload();
        String fileName = payload.toString(payload.readerIndex() + 1, payload.readableBytes() - 1, textCharset());
        StatementVerdict statement = head.current();
        boolean allowed = head.kind == MySqlCommand.Kind.QUERY
                && packet.last()
                && (capabilities & MySqlCodec.CLIENT_LOCAL_FILES) != 0
                && statement != null
                && fileName.equals(localFileName(statement.sql(), mode));
        if (allowed) {
            int sequenceId = (packet.sequenceId() + head.sequenceOffset) & 0xFF;
            head.nextSequenceId = sequenceId + 1;
            fileTransfer = head;
            decoder().relayFile(true);
            MySqlCodec.writePart(client, payload, sequenceId);
            return;
        }
        int backendSequenceId = packet.sequenceId() + 1;
        packet.release();
        refuseFileRequest(statement, fileName);
        backend.writePart(Unpooled.EMPTY_BUFFER, backendSequenceId);
        backend.flush();
        // The client never sees the request nor the empty file: the server's answer takes the request's place.
        head.sequenceOffset -= 2;
    }

    private void refuseFileRequest(StatementVerdict statement, String fileName) {
        log.warn(
                "[{}] the database asked for file '{}', which no statement allowed; answered with an empty file. "
                        + "Check the database server: it should ask only for files its statements name",
                sessionId(),
                fileName);
        String normalized = statement == null ? "LOAD DATA LOCAL INFILE ?" : statement.normalized();
        trail.record(AuditRecord.refused(
                audit,
                statement == null ? StatementClass.IMPORT_EXPORT : statement.statementClass(),
                normalized,
                statement == null ? Digests.sha256Hex(normalized) : statement.digest(),
                FILE_REQUEST_RULE,
                "custos: the database asked for file '" + fileName + "', which no statement allowed",
                "HY000",
                policy.version()));
    }

    /**
     * One packet of the file the client sends for a LOAD DATA LOCAL, passed to the server as it is, with the server's
     * sequence id; the empty packet ends the file.
     */
    private void onFileData(MySqlPacket packet) {
        MySqlCommand command = fileTransfer;
        boolean end = packet.first() && !packet.payload().isReadable();
        if (packet.last()) {
            command.nextSequenceId = packet.sequenceId() + 1;
        }
        if (end) {
            fileTransfer = null;
            decoder().relayFile(false);
        }
        backend.writePart(packet.payload(), (packet.sequenceId() - command.sequenceOffset) & 0xFF);
    }

    private MySqlFrameDecoder decoder() {
        return client.pipeline().get(MySqlFrameDecoder.class);
    }

    /**
     * The file a {@code LOAD DATA LOCAL INFILE 'name'} statement names, its literal read as the server reads it, or
     * {@code null} when {@code sql} is no such statement.
     */
    static String localFileName(String sql, MySqlMode mode) {
        String text = withoutLeadingComments(sql);
        Matcher matcher = LOAD_LOCAL.matcher(text);
        if (!matcher.lookingAt()) {
            return null;
        }
        return stringLiteral(text, matcher.end(), mode);
    }

    /**
     * The value of the quoted literal at {@code start}: a doubled quote stands for one, and a backslash escapes the
     * next character unless NO_BACKSLASH_ESCAPES is on; {@code null} when the literal does not end.
     */
    private static String stringLiteral(String text, int start, MySqlMode mode) {
        char quote = text.charAt(start);
        StringBuilder value = new StringBuilder();
        int i = start + 1;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\\' && !mode.noBackslashEscapes() && i + 1 < text.length()) {
                value.append(unescape(text.charAt(i + 1)));
                i += 2;
            } else if (c == quote && i + 1 < text.length() && text.charAt(i + 1) == quote) {
                value.append(quote);
                i += 2;
            } else if (c == quote) {
                return value.toString();
            } else {
                value.append(c);
                i++;
            }
        }
        return null;
    }

    /**
     * MySQL's backslash escapes: {@code \%} and {@code \_} keep their backslash (they are meant for LIKE patterns),
     * any other escaped character stands for itself.
     */
    private static String unescape(char c) {
        return switch (c) {
            case '0' -> "\0";
            case 'b' -> "\b";
            case 'n' -> "\n";
            case 'r' -> "\r";
            case 't' -> "\t";
            case 'Z' -> "\u001A";
            case '%', '_' -> "\\" + c;
            default -> String.valueOf(c);
        };
    }

    // ---- commands once ready

    private void onClientPacket(MySqlPacket packet) {
        if (fileTransfer != null) {
            onFileData(packet);
            return;
        }
        if (!held.isEmpty() || mustWait(packet)) {
            hold(packet);
            return;
        }
        onCommand(packet);
    }

    /** Whether a command must wait: the session is being re-read, a KILL runs, or CHANGE_USER needs quiet. */
    private boolean mustWait(MySqlPacket packet) {
        if (!packet.first()) {
            return false;
        }
        return refreshing || killing || (packet.header() == MySqlCodec.COM_CHANGE_USER && !pending.isEmpty());
    }

    private void hold(MySqlPacket packet) {
        held.addLast(packet);
        updateClientAutoRead();
    }

    /**
     * Runs the commands that waited, as far as they may run now. It is called from the backend's side (a response
     * ended, a KILL finished), where no client read will flush what it writes, so it flushes the backend itself.
     */
    private void drainHeld() {
        boolean ran = false;
        while (state == State.READY && !held.isEmpty() && !mustWait(held.peekFirst())) {
            onCommand(held.pollFirst());
            ran = true;
        }
        if (ran && backend != null) {
            backend.flush();
        }
        updateClientAutoRead();
    }

    private void updateClientAutoRead() {
        if (client != null) {
            client.config().setAutoRead(backendWritable && held.isEmpty());
        }
    }

    private void onCommand(MySqlPacket packet) {
        if (!packet.first()) {
            onContinuation(packet);
            return;
        }
        if (!followPolicy()) {
            packet.release();
            return;
        }
        int command = packet.header();
        switch (command) {
            case MySqlCodec.COM_QUIT -> onQuit(packet);
            case MySqlCodec.COM_QUERY -> onQuery(packet);
            case MySqlCodec.COM_STMT_PREPARE -> onPrepare(packet);
            case MySqlCodec.COM_STMT_EXECUTE -> onExecute(packet);
            case MySqlCodec.COM_STMT_SEND_LONG_DATA, MySqlCodec.COM_STMT_CLOSE -> onStatementMessage(packet);
            case MySqlCodec.COM_STMT_FETCH -> forward(packet, MySqlCommand.Kind.FETCH, List.of());
            case MySqlCodec.COM_STMT_RESET,
                    MySqlCodec.COM_PING,
                    MySqlCodec.COM_SET_OPTION,
                    MySqlCodec.COM_STATISTICS -> forward(packet, MySqlCommand.Kind.SINGLE, List.of());
            case MySqlCodec.COM_FIELD_LIST -> forward(packet, MySqlCommand.Kind.FIELD_LIST, List.of());
            case MySqlCodec.COM_INIT_DB -> onInitDb(packet);
            case MySqlCodec.COM_RESET_CONNECTION -> onResetConnection(packet);
            case MySqlCodec.COM_CHANGE_USER -> onChangeUser(packet);
            case MySqlCodec.COM_PROCESS_KILL -> onProcessKill(packet);
            default -> {
                int sequenceId = packet.sequenceId();
                packet.release();
                reply(sequenceId, MySqlCodec.err(client.alloc(), ER_UNKNOWN_COMMAND, "08S01", "Unknown command"));
            }
        }
    }

    /** A later part of a command the gateway relays part by part. */
    private void onContinuation(MySqlPacket packet) {
        if (discardingParts) {
            discardingParts = !packet.last();
            packet.release();
            return;
        }
        MySqlCommand last = pending.peekLast();
        if (packet.last() && last != null && last.kind == MySqlCommand.Kind.EXECUTE) {
            last.nextSequenceId = packet.sequenceId() + 1;
        }
        backend.writePart(packet.payload(), packet.sequenceId());
    }

    private void onQuit(MySqlPacket packet) {
        packet.release();
        state = State.CLOSED;
        backend.quit();
        client.close();
    }

    private void onQuery(MySqlPacket packet) {
        if (statementTooLong(packet)) {
            return;
        }
        int sequenceId = packet.sequenceId();
        String sql = statementText(packet.payload());
        if (sql == null) {
            packet.release();
            refuseUnaudited(sequenceId, unreadableMessage());
            return;
        }
        if (!context.audit().healthy()) {
            packet.release();
            refuseUnaudited(sequenceId, auditUnavailableMessage());
            return;
        }
        String leading = withoutLeadingComments(sql);
        if (KILL_VERB.matcher(leading).matches()) {
            packet.release();
            onKillStatement(sequenceId, leading, sql);
            return;
        }
        Verdict verdict = check(sql);
        List<StatementVerdict> statements = verdict.statements();
        live.statements(
                statements.size(),
                statements.isEmpty()
                        ? null
                        : statements.get(statements.size() - 1).statementClass());
        if (verdict.refused()) {
            packet.release();
            refuse(sequenceId, verdict.refusal().orElseThrow());
            return;
        }
        ByteBuf payload = commandPayload(packet, MySqlCodec.COM_QUERY, sql, verdict.sql());
        if (payload == null) {
            refuseUnaudited(sequenceId, unreadableMessage());
            return;
        }
        send(payload, sequenceId, MySqlCommand.Kind.QUERY, verdict.statements());
        if (SESSION_CHANGE.matcher(sql).find()) {
            refreshSession(null);
        }
    }

    /** COM_STMT_PREPARE: gated like COM_QUERY; the verdict is kept under the statement id the backend returns. */
    private void onPrepare(MySqlPacket packet) {
        if (statementTooLong(packet)) {
            return;
        }
        int sequenceId = packet.sequenceId();
        String sql = statementText(packet.payload());
        if (sql == null || !context.audit().healthy()) {
            packet.release();
            lastPrepareRefused = true;
            refuseUnaudited(sequenceId, sql == null ? unreadableMessage() : auditUnavailableMessage());
            return;
        }
        Verdict verdict = check(sql);
        if (verdict.refused()) {
            packet.release();
            lastPrepareRefused = true;
            refuse(sequenceId, verdict.refusal().orElseThrow());
            return;
        }
        ByteBuf payload = commandPayload(packet, MySqlCodec.COM_STMT_PREPARE, sql, verdict.sql());
        if (payload == null) {
            lastPrepareRefused = true;
            refuseUnaudited(sequenceId, unreadableMessage());
            return;
        }
        StatementVerdict statement =
                verdict.statements().isEmpty() ? null : verdict.statements().get(0);
        lastPrepared = statement == null
                ? null
                : new Prepared(statement, SESSION_CHANGE.matcher(sql).find(), -1);
        lastPrepareRefused = false;
        send(payload, sequenceId, MySqlCommand.Kind.PREPARE, statement == null ? List.of() : List.of(statement));
    }

    /**
     * COM_STMT_EXECUTE: {@code 0x17, int<4> statement id, …}. MariaDB takes id 0xFFFFFFFF for the statement prepared
     * last, which a pipelining client sends right behind its COM_STMT_PREPARE: if that prepare was refused, the
     * execute must not reach the server, where it would run the statement prepared before.
     */
    private void onExecute(MySqlPacket packet) {
        long id = packet.payload().getUnsignedIntLE(packet.payload().readerIndex() + 1);
        boolean lastPreparedId = id == 0xFFFFFFFFL;
        if (lastPreparedId && lastPrepareRefused) {
            int sequenceId = packet.sequenceId();
            discardingParts = !packet.last();
            packet.release();
            refuseUnaudited(sequenceId, "custos: the statement to execute was refused when it was prepared");
            return;
        }
        Prepared statement = lastPreparedId ? lastPrepared : prepared.get(id);
        if (statement != null) {
            live.statements(1, statement.verdict().statementClass());
        }
        MySqlCommand command = MySqlCommand.backend(
                MySqlCommand.Kind.EXECUTE,
                statement == null ? List.of() : List.of(statement.verdict()),
                packet.sequenceId(),
                packet.sequenceId(),
                deprecateEof());
        command.parameters = statement == null ? -1 : statement.parameters();
        pending.addLast(command);
        backend.writePart(packet.payload(), packet.sequenceId());
        if (statement != null && statement.changesSession()) {
            refreshSession(null);
        }
    }

    /** COM_STMT_SEND_LONG_DATA and COM_STMT_CLOSE have no response. */
    private void onStatementMessage(MySqlPacket packet) {
        ByteBuf payload = packet.payload();
        long id = payload.getUnsignedIntLE(payload.readerIndex() + 1);
        if (id == 0xFFFFFFFFL && lastPrepareRefused) {
            discardingParts = !packet.last();
            packet.release();
            return;
        }
        if (packet.header() == MySqlCodec.COM_STMT_CLOSE) {
            prepared.remove(id);
        }
        backend.writePart(payload, packet.sequenceId());
    }

    private void onInitDb(MySqlPacket packet) {
        forward(packet, MySqlCommand.Kind.SINGLE, List.of());
        refreshSession(null);
    }

    private void onResetConnection(MySqlPacket packet) {
        prepared.clear();
        sqlPrepared.clear();
        lastPrepared = null;
        forward(packet, MySqlCommand.Kind.SINGLE, List.of());
        refreshSession(null);
    }

    private void forward(MySqlPacket packet, MySqlCommand.Kind kind, List<StatementVerdict> statements) {
        int sequenceId = packet.sequenceId();
        ByteBuf payload = packet.payload().retain();
        packet.release();
        send(payload, sequenceId, kind, statements);
    }

    private void send(
            ByteBuf payload, int clientSequenceId, MySqlCommand.Kind kind, List<StatementVerdict> statements) {
        int backendSequenceId = backend.writeCommand(payload);
        pending.addLast(MySqlCommand.backend(kind, statements, clientSequenceId, backendSequenceId, deprecateEof()));
    }

    private boolean deprecateEof() {
        return (capabilities & MySqlCodec.CLIENT_DEPRECATE_EOF) != 0;
    }

    /** The gate's verdict, timed as the gateway's own share of the statement's latency. */
    private Verdict check(String sql) {
        long started = System.nanoTime();
        Verdict verdict = context.gate().checkMySql(sql, caller, mode, sqlPrepared::get);
        context.metrics().added(PROTOCOL, System.nanoTime() - started);
        return verdict;
    }

    /**
     * Puts a reloaded policy, or a user disabled through the admin API, in force for this session from its next
     * command on: the user's role (and so clearance and rights), the classification and the masks. Returns false,
     * having ended the session, when the policy no longer lets the user in.
     */
    private boolean followPolicy() {
        Policy latest = context.policy().get();
        if (latest == policy || changingUser) {
            return true;
        }
        User user = latest.user(authUserName).filter(User::enabled).orElse(null);
        if (user == null) {
            log.info(
                    "[{}] user '{}' is no longer enabled by the policy; ending the session", sessionId(), authUserName);
            endByAdministrator("custos: user '" + authUserName + "' has been disabled");
            return false;
        }
        policy = latest;
        authUser = user;
        role = latest.role(user);
        audit = audit.authenticated(authUserName, role.name(), audit.database());
        caller = newCaller();
        live.authenticated(authUserName, role.name());
        return true;
    }

    /**
     * Ends the session with ER_CONNECTION_KILLED, as MariaDB does after KILL CONNECTION: after the reply of the
     * command in progress if there is one, else as an unsolicited packet the client reads with its next command.
     */
    private void endByAdministrator(String message) {
        MySqlCommand head = firstBackendCommand();
        fatal(
                ErrorCode.TERMINATED_BY_ADMINISTRATOR.mysqlErrorNumber(),
                "70100",
                message,
                head == null ? 0 : head.nextSequenceId);
    }

    // ---- COM_CHANGE_USER

    /**
     * COM_CHANGE_USER: {@code 0x11, string<NUL> user, int<1> length and auth response, string<NUL> database, [int<2>
     * collation], [string<NUL> auth plugin], [connection attributes]}. The new user is authenticated in full against
     * the policy, then the backend connection logs in again with the gateway's account, which resets its state.
     */
    private void onChangeUser(MySqlPacket packet) {
        authSequenceId = packet.sequenceId();
        ByteBuf payload = packet.payload().skipBytes(1);
        try {
            String userName = MySqlCodec.readNulString(payload, StandardCharsets.UTF_8);
            byte[] response = (capabilities & MySqlCodec.CLIENT_SECURE_CONNECTION) != 0
                    ? readShortBytes(payload)
                    : MySqlCodec.readNulBytes(payload);
            String database = MySqlCodec.readNulString(payload, StandardCharsets.UTF_8);
            if (payload.readableBytes() >= 2) {
                collation = payload.readUnsignedShortLE() & 0xFF;
            }
            String plugin = MySqlCodec.NATIVE_PASSWORD;
            if ((capabilities & MySqlCodec.CLIENT_PLUGIN_AUTH) != 0 && payload.isReadable()) {
                plugin = MySqlCodec.readNulString(payload, StandardCharsets.UTF_8);
            }
            prepared.clear();
            sqlPrepared.clear();
            lastPrepared = null;
            policy = context.policy().get();
            requestedDatabase = database.isEmpty() ? null : database;
            changingUser = true;
            state = State.AUTHENTICATING;
            server.unregisterKillTarget(sessionId());
            startAuthentication(userName, plugin, response, handshakeScramble);
        } finally {
            packet.release();
        }
    }

    private static byte[] readShortBytes(ByteBuf payload) {
        byte[] bytes = new byte[payload.readUnsignedByte()];
        payload.readBytes(bytes);
        return bytes;
    }

    // ---- KILL

    private void onProcessKill(MySqlPacket packet) {
        int sequenceId = packet.sequenceId();
        long id = packet.payload().getUnsignedIntLE(packet.payload().readerIndex() + 1);
        packet.release();
        kill(sequenceId, id, false, "KILL CONNECTION ?");
    }

    private void onKillStatement(int sequenceId, String leading, String sql) {
        Matcher matcher = KILL.matcher(leading);
        if (!matcher.matches()) {
            StatementVerdict refusal = new StatementVerdict(
                    StatementClass.OTHER,
                    "KILL ?",
                    Digests.sha256Hex("KILL ?"),
                    Decision.REFUSED,
                    sql,
                    List.of(),
                    "kill",
                    "custos: only KILL [QUERY | CONNECTION] <id> of one's own connections is supported");
            refuse(sequenceId, refusal);
            return;
        }
        boolean queryOnly = "QUERY".equalsIgnoreCase(matcher.group(1));
        long id;
        try {
            id = Long.parseLong(matcher.group(2));
        } catch (NumberFormatException e) {
            id = -1;
        }
        kill(sequenceId, id, queryOnly, queryOnly ? "KILL QUERY ?" : "KILL CONNECTION ?");
    }

    /**
     * Kills a query or connection of the caller's own: {@code id} is a gateway connection id, translated to that
     * session's backend thread; the KILL goes over a connection of its own, as the running one is busy.
     */
    private void kill(int sequenceId, long id, boolean queryOnly, String normalized) {
        MySqlServer.KillTarget target = server.killTarget(id).orElse(null);
        if (target == null || !target.user().equals(authUserName)) {
            String reason = "You are not owner of thread " + id;
            trail.record(AuditRecord.refused(
                    audit,
                    StatementClass.OTHER,
                    normalized,
                    Digests.sha256Hex(normalized),
                    "kill",
                    reason,
                    "HY000",
                    policy.version()));
            reply(sequenceId, MySqlCodec.err(client.alloc(), ER_KILL_DENIED, "HY000", reason));
            return;
        }
        MySqlCommand command = MySqlCommand.reply(sequenceId, null);
        pending.addLast(command);
        killing = true;
        updateClientAutoRead();
        long started = System.nanoTime();
        startKill(target.backendThreadId(), queryOnly, result -> {
            killing = false;
            command.reply = result;
            long micros = (System.nanoTime() - started) / 1_000;
            if (result.getUnsignedByte(result.readerIndex()) == MySqlCodec.OK) {
                trail.record(AuditRecord.allowed(
                        audit,
                        StatementClass.OTHER,
                        normalized,
                        Digests.sha256Hex(normalized),
                        0,
                        micros,
                        policy.version()));
            } else {
                trail.record(AuditRecord.failed(
                        audit,
                        StatementClass.OTHER,
                        normalized,
                        Digests.sha256Hex(normalized),
                        List.of(),
                        MySqlCodec.errorSqlState(result),
                        MySqlCodec.errorMessage(result),
                        micros,
                        policy.version()));
            }
            flushReplies();
            drainHeld();
        });
    }

    /** The registry's cancel action: KILL QUERY of this session's backend thread, answered to nobody. */
    private void killOwnQuery() {
        if (backend == null || state == State.CLOSED) {
            return;
        }
        startKill(backend.threadId(), true, ByteBuf::release);
    }

    private void startKill(long threadId, boolean queryOnly, Consumer<ByteBuf> done) {
        Backend backendConfig = policy.backend(Backend.Protocol.MYSQL).orElseThrow();
        String statement = (queryOnly ? "KILL QUERY " : "KILL CONNECTION ") + threadId;
        new MySqlKill(
                        this,
                        backendConfig,
                        context.guards().backendTls(Backend.Protocol.MYSQL).orElse(null),
                        client.eventLoop(),
                        statement,
                        done)
                .start();
    }

    // ---- gateway replies and refusals

    /** Queues the gateway's own answer behind the responses still due, and sends what can be sent. */
    private void reply(int sequenceId, ByteBuf payload) {
        pending.addLast(MySqlCommand.reply(sequenceId, payload));
        flushReplies();
    }

    private void flushReplies() {
        boolean wrote = false;
        while (!pending.isEmpty()) {
            MySqlCommand head = pending.peekFirst();
            if (head.kind != MySqlCommand.Kind.REPLY || head.reply == null) {
                break;
            }
            pending.pollFirst();
            MySqlCodec.write(client, head.reply, head.nextSequenceId);
            wrote = true;
        }
        if (wrote) {
            client.flush();
        }
        maybeIdle();
    }

    private void refuse(int sequenceId, StatementVerdict refusal) {
        trail.record(AuditRecord.refused(
                        audit,
                        refusal.statementClass(),
                        refusal.normalized(),
                        refusal.digest(),
                        refusal.rule() == null ? "refused" : refusal.rule(),
                        refusal.reason(),
                        "42000",
                        policy.version())
                .touching(refusal.touched()));
        String reason = refusal.reason() == null ? "custos: statement refused" : refusal.reason();
        reply(sequenceId, MySqlCodec.err(client.alloc(), ER_TABLEACCESS_DENIED, "42000", reason));
    }

    /** A refusal before the gate could look at the statement (unreadable text, audit trail down). */
    private void refuseUnaudited(int sequenceId, String reason) {
        reply(sequenceId, MySqlCodec.err(client.alloc(), ER_TABLEACCESS_DENIED, "42000", reason));
    }

    // ---- following the session's sql_mode, character set and schema

    /**
     * Queues an internal query for the session's sql_mode, character set and schema; client commands wait until its
     * answer is in, so the gate never reads a statement with settings older than the statements before it.
     */
    private void refreshSession(Runnable then) {
        refreshing = true;
        updateClientAutoRead();
        ByteBuf payload = client.alloc().buffer();
        payload.writeByte(MySqlCodec.COM_QUERY).writeBytes(SESSION_QUERY.getBytes(StandardCharsets.US_ASCII));
        int backendSequenceId = backend.writeCommand(payload);
        backend.flush();
        MySqlCommand command =
                MySqlCommand.backend(MySqlCommand.Kind.INTERNAL, List.of(), 0, backendSequenceId, deprecateEof());
        command.onInternalResult = row -> {
            applySession(row);
            refreshing = false;
            if (then != null) {
                then.run();
            }
        };
        pending.addLast(command);
    }

    /** The internal query's row: sql_mode, character_set_client and DATABASE(), each a length-encoded string. */
    private void applySession(byte[] row) {
        if (row == null) {
            log.warn("[{}] cannot read the session's sql_mode and character set; statements are refused", sessionId());
            charset = null;
            charsetName = "unknown";
            return;
        }
        ByteBuf buffer = Unpooled.wrappedBuffer(row);
        byte[] sqlMode = MySqlCodec.readLengthEncodedBytes(buffer);
        byte[] characterSet = MySqlCodec.readLengthEncodedBytes(buffer);
        byte[] database = MySqlCodec.readLengthEncodedBytes(buffer);
        String modes = sqlMode == null ? "" : new String(sqlMode, StandardCharsets.UTF_8).toUpperCase(Locale.ROOT);
        List<String> flags = List.of(modes.split(","));
        mode = new MySqlMode(
                flags.contains("ANSI_QUOTES") || flags.contains("ANSI"), flags.contains("NO_BACKSLASH_ESCAPES"));
        charsetName = characterSet == null ? "unknown" : new String(characterSet, StandardCharsets.UTF_8);
        charset = MySqlCharsets.charset(charsetName).orElse(null);
        String newSchema = database == null ? null : new String(database, StandardCharsets.UTF_8);
        if (!Objects.equals(newSchema, schema) || caller == null) {
            schema = newSchema;
            audit = audit.authenticated(audit.user(), audit.role(), schema);
        }
        caller = newCaller();
        log.debug("[{}] sql_mode {}, character set {}, schema {}", sessionId(), modes, charsetName, schema);
    }

    /** The statement text after the command byte, or {@code null} when it cannot be read exactly. */
    private String statementText(ByteBuf payload) {
        ByteBuffer bytes = payload.nioBuffer(payload.readerIndex() + 1, payload.readableBytes() - 1);
        try {
            return textCharset()
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes)
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * The session's character set, or ASCII while it is one the gateway does not serve: every MySQL client character
     * set reads ASCII bytes as ASCII, so such statements (SET NAMES utf8mb4 among them) can still be read exactly.
     */
    private Charset textCharset() {
        return charset == null ? StandardCharsets.US_ASCII : charset;
    }

    /** The command to send: the client's own bytes when the gate passed the text unchanged, else the rewrite. */
    private ByteBuf commandPayload(MySqlPacket packet, int command, String sql, String toSend) {
        if (toSend.equals(sql)) {
            ByteBuf payload = packet.payload().retain();
            packet.release();
            return payload;
        }
        packet.release();
        ByteBuffer encoded;
        try {
            encoded = textCharset()
                    .newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(toSend));
        } catch (CharacterCodingException e) {
            return null;
        }
        ByteBuf payload = client.alloc().buffer(encoded.remaining() + 1);
        payload.writeByte(command).writeBytes(encoded);
        return payload;
    }

    private String unreadableMessage() {
        return charset == null
                ? "custos: character set " + charsetName + " is not supported by the gateway; use utf8mb4"
                : "custos: statement is not valid in character set " + charsetName;
    }

    private static String auditUnavailableMessage() {
        return "custos: the audit trail cannot be written; statements are refused until it can";
    }

    /** The text from its first token on: whitespace and comments skipped, but not executable comments. */
    static String withoutLeadingComments(String sql) {
        int i = 0;
        int length = sql.length();
        while (i < length) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (sql.startsWith("/*", i) && !sql.startsWith("/*!", i) && !sql.startsWith("/*M!", i)) {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? length : end + 2;
            } else if (c == '#'
                    || (sql.startsWith("--", i) && (i + 2 == length || Character.isWhitespace(sql.charAt(i + 2))))) {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? length : end + 1;
            } else {
                break;
            }
        }
        return sql.substring(i);
    }

    // ---- audit

    /**
     * Statements still running when the connection ends (the client went away, the database closed its connection)
     * are audited as failed, so that every statement sent has its record.
     */
    private void auditUnfinished() {
        for (MySqlCommand command : pending) {
            if (command.kind != MySqlCommand.Kind.QUERY && command.kind != MySqlCommand.Kind.EXECUTE) {
                continue;
            }
            for (int i = command.next; i < command.statements.size(); i++) {
                trail.record(AuditRecord.failedBy(
                                audit,
                                command.statements.get(i),
                                "08S01",
                                UNFINISHED_REASON,
                                command.elapsedMicros(),
                                policy.version())
                        .withParameters(command.parameters));
            }
        }
    }

    private void auditCompleted(StatementVerdict statement, long rows, long micros, int parameters) {
        trail.record(AuditRecord.completed(audit, statement, rows, micros, policy.version())
                .withParameters(parameters));
        sqlPrepared.completed(statement);
        if (statement.statementClass() == StatementClass.DDL) {
            context.catalogChanged().run();
        }
    }

    private void auditFailed(StatementVerdict statement, String sqlState, int errorCode, MySqlCommand head) {
        sqlPrepared.failed(statement);
        trail.record(AuditRecord.failedBy(
                        audit, statement, sqlState, "MySQL error " + errorCode, head.elapsedMicros(), policy.version())
                .withParameters(head.parameters));
    }

    // ---- limits once ready

    /**
     * COM_QUERY and COM_STMT_PREPARE carry statement text, which the gate analyses: a longer one than the policy allows
     * ends the session before any analysis, with ER_NET_PACKET_TOO_LARGE as for an oversized packet.
     */
    private boolean statementTooLong(MySqlPacket packet) {
        int bytes = packet.payload().readableBytes() - 1;
        int limit = policy.limits().maxStatementBytes();
        if (bytes <= limit) {
            return false;
        }
        int sequenceId = packet.sequenceId();
        packet.release();
        String reason = "custos: statement of " + bytes + " bytes exceeds the limit of " + limit
                + " bytes (max_statement_bytes)";
        trail.record(AuditRecord.refused(
                audit,
                StatementClass.OTHER,
                "<statement of " + bytes + " bytes>",
                "",
                "max_statement_bytes",
                reason,
                "08S01",
                policy.version()));
        log.info("[{}] {}", sessionId(), reason);
        fatal(ErrorCode.STATEMENT_TOO_LONG.mysqlErrorNumber(), "08S01", reason, sequenceId + 1);
        return true;
    }

    /**
     * The session waits for the client's next command: the idle timeout for its transaction state starts, or, when the
     * gateway stops, the session ends.
     */
    private void maybeIdle() {
        if (!quiet()) {
            return;
        }
        if (drainMessage != null) {
            endDrained();
            return;
        }
        idleTimer.idle((serverStatus & SERVER_STATUS_IN_TRANS) != 0);
    }

    private boolean quiet() {
        return state == State.READY
                && pending.isEmpty()
                && held.isEmpty()
                && fileTransfer == null
                && !refreshing
                && !killing;
    }

    // ---- the gateway stops

    /**
     * The gateway stops: a session that is not logged in yet ends now with ER_SERVER_SHUTDOWN, one that runs nothing
     * ends now with it unsolicited (sequence id 0, read with the client's next command), one that runs a command ends
     * once the command's reply has reached the client.
     */
    private void drain(String message) {
        drainMessage = message;
        if (state == State.READY) {
            maybeIdle();
            return;
        }
        if (state != State.CLOSED) {
            fatal(ErrorCode.GATEWAY_SHUTTING_DOWN.mysqlErrorNumber(), SHUTDOWN_SQL_STATE, message);
        }
    }

    private void endDrained() {
        log.debug("[{}] ended: the gateway stops", sessionId());
        fatal(ErrorCode.GATEWAY_SHUTTING_DOWN.mysqlErrorNumber(), SHUTDOWN_SQL_STATE, drainMessage, 0);
    }

    /** ER_CLIENT_INTERACTION_TIMEOUT, unsolicited (sequence id 0), as MySQL sends it before closing. */
    private void onIdleTimeout(boolean inTransaction) {
        if (state != State.READY || !pending.isEmpty()) {
            return;
        }
        Limits limits = policy.limits();
        String message = inTransaction
                ? "custos: the client was disconnected because it was idle in a transaction for "
                        + limits.idleInTransactionTimeout().toSeconds() + " s (idle_in_transaction_timeout_seconds)"
                : "The client was disconnected by the server because of inactivity ("
                        + limits.idleSessionTimeout().toSeconds() + " s, idle_session_timeout_seconds)";
        log.info("[{}] {}", sessionId(), message);
        fatal(ER_CLIENT_INTERACTION_TIMEOUT, "HY000", message, 0);
    }

    // ---- errors and teardown

    private void fatal(int code, String sqlState, String message) {
        fatal(code, sqlState, message, authSequenceId + 1);
    }

    /** An ERR packet, then the connection is closed. */
    private void fatal(int code, String sqlState, String message, int sequenceId) {
        if (state == State.CLOSED || client == null) {
            return;
        }
        state = State.CLOSED;
        MySqlCodec.write(client, MySqlCodec.err(client.alloc(), code, sqlState, message), sequenceId);
        LastWord.flushAndClose(client);
        if (backend != null) {
            backend.close();
        }
    }

    private String host() {
        if (client.remoteAddress() instanceof InetSocketAddress inet) {
            return inet.getAddress().getHostAddress();
        }
        return String.valueOf(client.remoteAddress());
    }

    private static String address(Channel channel) {
        if (channel.remoteAddress() instanceof InetSocketAddress inet) {
            return inet.getAddress().getHostAddress() + ":" + inet.getPort();
        }
        return String.valueOf(channel.remoteAddress());
    }
}
