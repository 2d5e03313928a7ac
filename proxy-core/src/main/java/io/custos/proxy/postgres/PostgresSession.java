package io.custos.proxy.postgres;

import com.ongres.scram.common.exception.ScramParseException;
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
import io.custos.proxy.GatewayGuards;
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
import io.custos.rewrite.NameResolution;
import io.custos.rewrite.SqlPreparedStatements;
import io.custos.rewrite.StatementVerdict;
import io.custos.rewrite.Verdict;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection speaking PostgreSQL protocol 3.0, from the startup packet to Terminate.
 *
 * <p>States: {@code STARTUP} (an SSLRequest switches to TLS when the policy has a certificate, GSSENCRequest is
 * answered "no", then the StartupMessage), {@code AUTHENTICATING} (SCRAM-SHA-256 against the policy's verifier, or
 * SCRAM-SHA-256-PLUS bound to the gateway's own certificate over TLS; then the role's TLS rule and the user's client
 * certificate), {@code CONNECTING} (the session's own backend connection authenticates with the gateway's
 * credentials), {@code READY} (messages are gated and relayed), {@code CLOSED}.
 *
 * <p>Limits ({@link GatewayGuards}): the connection counts are taken when the client connects and refused at its
 * StartupMessage, as PostgreSQL does; failed logins feed the lockout, which delays their answer and refuses locked
 * addresses and names at the StartupMessage; the idle timers run from each ReadyForQuery to the next client message.
 *
 * <p>Concurrency: the client channel and its backend channel share one event loop, so every method here runs on that
 * thread and no state is shared with other sessions except through {@link GatewayContext}.
 *
 * <p>Relay: each client message that passes the gate is forwarded (rewritten when masks apply); each backend message
 * is forwarded as received. {@link Pending} entries pair responses with statements for the audit trail. A refused
 * statement is replaced by one the backend rejects at once, and the backend's error is swapped for the refusal: the
 * backend then skips to the next Sync and aborts an open transaction exactly as after any other error, and responses
 * stay in order with whatever the client pipelined before it.
 *
 * <p>Names: below full clearance the session asks the server for its search path at the start and after every message
 * that may have changed it ({@link SearchPathFollower}); the client's later messages wait, unread, until the answer is
 * in, and the answer never reaches the client.
 */
final class PostgresSession extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(PostgresSession.class);

    /** Sent to the backend in place of a refused statement: a syntax error, so it fails at Parse without effect. */
    static final String REFUSED_PLACEHOLDER = "CUSTOS REFUSED";

    /** A connection the limits refuse gets this long, at most, to send its StartupMessage and read why. */
    static final Duration REFUSED_CONNECTION_TIMEOUT = Duration.ofSeconds(10);

    private static final String MECHANISM_PLUS = ScramServerExchange.MECHANISM_PLUS;

    /**
     * DDL whose effect, until committed, would make names resolve elsewhere than the catalog says: a dropped,
     * renamed or moved relation may have shadowed another. Created ones only shadow what the catalog already has, so
     * the gate errs towards masking.
     */
    private static final Pattern UNSEEN_IF_UNCOMMITTED =
            Pattern.compile("^DROP\\b|\\bRENAME\\b|\\bSET\\s+SCHEMA\\b", Pattern.CASE_INSENSITIVE);

    /** Startup parameters passed on to the backend; user, database and replication are the gateway's business. */
    /** Syntax, privilege, serialization, deadlock, cancel and lock-timeout errors: their messages hold no data. */
    private static final Set<String> DATA_FREE_STATES =
            Set.of("42501", "42601", "40001", "40P01", "57014", "55P03", "0A000", "57P01", "57P02", "57P03");

    /** Transaction state, connection, resource and program-limit classes. */
    private static final Set<String> DATA_FREE_CLASSES = Set.of("25", "08", "53", "54");

    /**
     * The message types a protocol 3.0 server sends once a session is ready; anything else is not relayed.
     *
     * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message formats</a>
     */
    private static final String BACKEND_TYPES = "RKSZTDCEINnts123AGHWdcVv";

    private static final Set<String> WITHHELD_PARAMETERS = Set.of("user", "database", "replication");

    private enum State {
        STARTUP,
        AUTHENTICATING,
        /** Authentication failed; the answer waits for the lockout's delay. */
        FAILING,
        CONNECTING,
        READY,
        CLOSED
    }

    private final GatewayContext context;
    private final Deque<Pending> pending = new ArrayDeque<>();
    /** Set when the gateway stops: the session ends with it once nothing is pending. */
    private String drainMessage;

    private final Map<String, StatementVerdict> statements = new HashMap<>();
    private final Map<String, StatementVerdict> portals = new HashMap<>();
    /** How many parameters each portal was bound with: the trail records the count, never the values. */
    private final Map<String, Integer> portalParameters = new HashMap<>();

    private final long startNanos = System.nanoTime();

    private State state = State.STARTUP;
    private Channel client;
    private CancelKey cancelKey;
    private LiveSession live;
    private AuditContext audit;
    private SessionAudit trail;
    private Policy policy;
    private Role role;
    private Caller caller;
    private Map<String, String> startupParameters = Map.of();
    private ScramServerExchange scram;
    private boolean scramFirstSent;
    private PostgresBackend backend;
    private boolean standardConformingStrings = true;
    /** The client_encoding the server reports; {@code null} while it is one the gateway cannot read exactly. */
    private Charset clientCharset = PostgresEncodings.defaultCharset();

    private String clientEncoding = "UTF8";
    private boolean backendReady;

    private ConnectionLimiter.Admission admission;
    private IdleTimer idleTimer;
    /** The search path, learned from the server; see {@link SearchPathFollower}. */
    private final SearchPathFollower searchPath = new SearchPathFollower();

    /** SQL-level prepared statements, so that EXECUTE carries the decision of the statement it runs. */
    private final SqlPreparedStatements sqlPrepared = SqlPreparedStatements.postgres();
    /** What a named prepared statement was parsed under, to check again at Bind if that changed. */
    private final Map<String, Parsed> parsed = new HashMap<>();
    /**
     * A drop, rename or move completed inside the open transaction: other connections, the catalog's among them, do
     * not see it yet.
     */
    private boolean ddlInTransaction;

    private boolean ddlSinceReady;

    private record Parsed(String sql, List<String> searchPath, long catalogVersion) {}

    PostgresSession(GatewayContext context) {
        this.context = context;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        client = ctx.channel();
        trail = SessionAudit.install(client, context.audit());
        cancelKey = context.sessions().newSession();
        audit = AuditContext.connection(cancelKey.sessionId(), address(client), AuditContext.POSTGRESQL);
        live = context.sessions()
                .open(
                        cancelKey,
                        AuditContext.POSTGRESQL,
                        audit.clientAddress(),
                        message ->
                                client.eventLoop().execute(() -> fatal(ErrorCode.TERMINATED_BY_ADMINISTRATOR, message)),
                        message -> client.eventLoop().execute(() -> drain(message)));
        policy = context.policy().get();
        trail.record(AuditRecord.connect(audit, policy.version()));
        log.debug("[{}] connection from {}", cancelKey.sessionId(), audit.clientAddress());
        admission = context.guards().connections().admit(host(client));
        Limits limits = policy.limits();
        Duration authenticationTimeout = admission.refusal().isPresent()
                ? min(limits.authenticationTimeout(), REFUSED_CONNECTION_TIMEOUT)
                : limits.authenticationTimeout();
        ctx.executor().schedule(this::onAuthenticationTimeout, authenticationTimeout.toNanos(), TimeUnit.NANOSECONDS);
        idleTimer = new IdleTimer(
                ctx.executor(), limits.idleSessionTimeout(), limits.idleInTransactionTimeout(), this::onIdleTimeout);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        ByteBuf frame = (ByteBuf) message;
        if (state != State.READY) {
            // Before the relay starts every frame is read here and never passed on: release it exactly once.
            try {
                onSetupFrame(frame);
            } finally {
                frame.release();
            }
            return;
        }
        if (searchPath.asking() || searchPath.holding()) {
            searchPath.hold(frame);
            client.config().setAutoRead(false);
            return;
        }
        onReadyFrame(frame);
    }

    private void onReadyFrame(ByteBuf frame) {
        try {
            onClientMessage(frame);
        } catch (CustosException e) {
            // Relay handlers read every field before they forward or release a frame, so it is still ours here.
            ReferenceCountUtil.safeRelease(frame);
            fatal(e.code(), e.getMessage());
        } catch (RuntimeException e) {
            ReferenceCountUtil.safeRelease(frame);
            log.debug("[{}] malformed message: {}", cancelKey.sessionId(), e.toString());
            fatal(ErrorCode.PROTOCOL_VIOLATION, "invalid message: " + e.getMessage());
        }
    }

    private void onSetupFrame(ByteBuf frame) {
        try {
            switch (state) {
                case STARTUP -> onStartupFrame(frame);
                case AUTHENTICATING -> onAuthenticationFrame(frame);
                case CONNECTING -> throw new CustosException(
                        ErrorCode.PROTOCOL_VIOLATION, "message received before the session was ready");
                default -> {}
            }
        } catch (CustosException e) {
            fatal(e.code(), e.getMessage());
        } catch (RuntimeException | ScramParseException e) {
            log.debug("[{}] malformed message: {}", cancelKey.sessionId(), e.toString());
            fatal(ErrorCode.PROTOCOL_VIOLATION, "invalid message: " + e.getMessage());
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
        if (state != State.CLOSED) {
            state = State.CLOSED;
        }
        context.sessions().unregister(cancelKey);
        admission.release();
        idleTimer.cancel();
        context.sessions().close(live);
        if (backend != null) {
            backend.close();
        }
        releasePending();
        searchPath.release();
        long micros = (System.nanoTime() - startNanos) / 1_000;
        trail.record(AuditRecord.disconnect(audit, micros, policy.version()));
        log.debug("[{}] closed", cancelKey.sessionId());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof CustosException custos) {
            fatal(custos.code(), custos.getMessage());
            return;
        }
        if (root instanceof SSLException) {
            log.info("[{}] TLS with {} failed: {}", cancelKey.sessionId(), audit.clientAddress(), root.getMessage());
        } else {
            log.debug("[{}] connection error: {}", cancelKey == null ? 0 : cancelKey.sessionId(), root.toString());
        }
        ctx.close();
    }

    // ---- startup and authentication

    /** Like the server's authentication_timeout: a client that has not logged in by then is dropped. */
    private void onAuthenticationTimeout() {
        if (state == State.STARTUP || state == State.AUTHENTICATING) {
            log.debug("[{}] authentication timed out", cancelKey.sessionId());
            fatal(ErrorCode.INVALID_AUTHORIZATION, "custos: authentication timed out");
            return;
        }
        if (state == State.CONNECTING) {
            // The client is logged in to the gateway, but the database has not finished the login it was asked for.
            backend.close();
            cannotConnect(
                    "the database did not complete the login in time",
                    "custos: cannot connect to the database: it did not answer in time");
        }
    }

    private void onStartupFrame(ByteBuf frame) throws ScramParseException {
        int code = frame.getInt(frame.readerIndex() + 4);
        switch (code) {
            case PostgresFrameDecoder.SSL_REQUEST_CODE -> onSslRequest();
            case PostgresFrameDecoder.GSSENC_REQUEST_CODE -> client.writeAndFlush(
                    Unpooled.wrappedBuffer(new byte[] {'N'}));
            case PostgresFrameDecoder.CANCEL_REQUEST_CODE -> onCancelRequest(frame);
            default -> onStartupMessage(frame, code);
        }
    }

    /**
     * SSLRequest: 'S' and TLS when the policy has a certificate, else 'N'. The 'S' goes out in clear before the TLS
     * handler joins the pipeline, so it is the last byte sent unencrypted. Bytes that came with the request were sent
     * in clear and would be read as if they had been encrypted: a protocol violation (CVE-2021-23214).
     */
    private void onSslRequest() {
        Optional<ClientTls> tls = context.guards().tls();
        if (tls.isEmpty()) {
            client.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
            return;
        }
        if (TlsChannels.secure(client)) {
            throw new CustosException(ErrorCode.PROTOCOL_VIOLATION, "SSLRequest received over TLS");
        }
        if (client.pipeline().get(PostgresFrameDecoder.class).bufferedBytes() > 0) {
            throw new CustosException(
                    ErrorCode.PROTOCOL_VIOLATION, "unencrypted data received together with the SSLRequest");
        }
        client.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'S'}));
        client.pipeline().addFirst(TlsChannels.HANDLER_NAME, tls.get().newHandler(client.alloc()));
    }

    private void onCancelRequest(ByteBuf frame) {
        state = State.CLOSED;
        int sessionId = frame.getInt(frame.readerIndex() + 8);
        int secret = frame.getInt(frame.readerIndex() + 12);
        context.sessions()
                .cancelAction(sessionId, secret)
                .ifPresentOrElse(
                        Runnable::run,
                        () -> log.info(
                                "[{}] cancel request from {} with an unknown key for session {} dropped",
                                cancelKey.sessionId(),
                                audit.clientAddress(),
                                sessionId));
        client.close();
    }

    private void onStartupMessage(ByteBuf frame, int protocol) throws ScramParseException {
        if (protocol >> 16 != 3) {
            unsupportedProtocol(protocol);
            return;
        }
        startupParameters = PostgresMessages.startupParameters(frame);
        String userName = startupParameters.get("user");
        if (userName == null || userName.isEmpty()) {
            throw new CustosException(
                    ErrorCode.INVALID_AUTHORIZATION, "no PostgreSQL user name specified in startup packet");
        }
        String database = startupParameters.getOrDefault("database", userName);
        audit = audit.requested(userName, database);
        if (startupParameters.containsKey("replication")) {
            throw new CustosException(ErrorCode.FEATURE_NOT_SUPPORTED, "replication connections are not supported");
        }
        if ((protocol & 0xffff) != 0) {
            negotiateProtocolVersion();
        }
        checkAdmission(userName);
        User user = policy.user(userName).orElse(null);
        boolean genuine = user != null && user.enabled();
        boolean secure = TlsChannels.secure(client);
        scram = new ScramServerExchange(
                genuine ? user.verifier() : ScramServerExchange.decoy(userName, context.serverSecret()),
                genuine,
                context.random(),
                secure ? context.guards().tls().orElseThrow().serverEndPoint() : null);
        if (genuine) {
            role = policy.role(user);
        }
        state = State.AUTHENTICATING;
        List<String> mechanisms = secure
                ? List.of(MECHANISM_PLUS, ScramServerExchange.MECHANISM)
                : List.of(ScramServerExchange.MECHANISM);
        client.writeAndFlush(PostgresMessages.authenticationSasl(client.alloc(), mechanisms));
    }

    /**
     * A protocol other than 3.x: PostgreSQL's FATAL 0A000, in the old protocol's form ({@code 'E'}, the text, NUL) for a
     * client older than 3.0, which could not read the new one, then the connection is closed at once.
     */
    private void unsupportedProtocol(int protocol) {
        String message = "unsupported frontend protocol " + (protocol >>> 16) + "." + (protocol & 0xffff)
                + ": server supports 3.0 to 3.0";
        log.debug("[{}] {}", cancelKey.sessionId(), message);
        if (protocol >>> 16 >= 3) {
            fatal(ErrorCode.FEATURE_NOT_SUPPORTED, message);
            return;
        }
        state = State.CLOSED;
        client.write(PostgresMessages.errorResponseV2(client.alloc(), "FATAL:  " + message + "\n"));
        LastWord.flushAndClose(client);
    }

    /**
     * What is refused before any password is asked for: a connection over the limits, a connection in clear when the
     * gateway requires TLS, and a locked address or user name.
     */
    private void checkAdmission(String userName) {
        Optional<ConnectionLimiter.Refusal> refusal = admission.refusal();
        if (refusal.isPresent()) {
            String reason = refusal.get() == ConnectionLimiter.Refusal.TOTAL
                    ? "sorry, too many clients already"
                    : "custos: too many connections from " + host(client) + " (limit "
                            + policy.limits().maxConnectionsPerAddress() + ")";
            log.warn(
                    "[{}] connection from {} refused: {}; raise 'limits' in the policy if this load is expected",
                    cancelKey.sessionId(),
                    audit.clientAddress(),
                    reason);
            throw new CustosException(ErrorCode.TOO_MANY_CONNECTIONS, reason);
        }
        boolean tlsRequired = context.guards().tls().map(ClientTls::requireTls).orElse(false);
        if (tlsRequired && !TlsChannels.secure(client)) {
            String reason =
                    "custos: the gateway accepts only TLS connections; connect with sslmode=require or stronger";
            trail.record(AuditRecord.authFailed(audit, reason, ErrorCode.TLS_REQUIRED.sqlState(), policy.version()));
            throw new CustosException(ErrorCode.TLS_REQUIRED, reason);
        }
        Optional<LoginLockout.Lock> lock = context.guards().lockout().locked(host(client), userName);
        if (lock.isPresent()) {
            String reason = "custos: too many failed logins for " + lock.get().subject() + "; try again in "
                    + lock.get().remainingSeconds() + " s";
            trail.record(AuditRecord.authFailed(audit, reason, ErrorCode.LOGIN_LOCKED.sqlState(), policy.version()));
            log.debug("[{}] login refused: {}", cancelKey.sessionId(), reason);
            throw new CustosException(ErrorCode.LOGIN_LOCKED, reason);
        }
    }

    /** Protocol 3.x with x > 0: answer that 3.0 is what this server speaks, listing no unsupported options. */
    private void negotiateProtocolVersion() {
        ByteBuf buffer = PostgresMessages.start(client.alloc(), 'v');
        buffer.writeInt(PostgresFrameDecoder.PROTOCOL_VERSION_3);
        long options = startupParameters.keySet().stream()
                .filter(k -> k.startsWith("_pq_."))
                .count();
        buffer.writeInt((int) options);
        startupParameters.keySet().stream()
                .filter(k -> k.startsWith("_pq_."))
                .forEach(k -> PostgresMessages.writeCString(buffer, k));
        client.write(PostgresMessages.finish(buffer));
    }

    private void onAuthenticationFrame(ByteBuf frame) throws ScramParseException {
        if (PostgresMessages.type(frame) != 'p') {
            throw new CustosException(
                    ErrorCode.PROTOCOL_VIOLATION,
                    "expected SASL response, got message type '" + PostgresMessages.type(frame) + "'");
        }
        ByteBuf body = PostgresMessages.body(frame);
        if (scramFirstSent) {
            onSaslResponse(body.toString(StandardCharsets.UTF_8));
            return;
        }
        String mechanism = PostgresMessages.readCString(body);
        boolean plus = MECHANISM_PLUS.equals(mechanism) && TlsChannels.secure(client);
        if (!ScramServerExchange.MECHANISM.equals(mechanism) && !plus) {
            throw new CustosException(
                    ErrorCode.PROTOCOL_VIOLATION, "SASL authentication mechanism '" + mechanism + "' is not supported");
        }
        int length = body.readInt();
        if (length < 0 || length > body.readableBytes()) {
            throw new CustosException(ErrorCode.PROTOCOL_VIOLATION, "malformed SASLInitialResponse");
        }
        String serverFirst = scram.serverFirst(body.toString(body.readerIndex(), length, StandardCharsets.UTF_8), plus);
        scramFirstSent = true;
        client.writeAndFlush(PostgresMessages.authentication(
                client.alloc(), PostgresMessages.AUTH_SASL_CONTINUE, serverFirst.getBytes(StandardCharsets.UTF_8)));
    }

    private void onSaslResponse(String clientFinal) throws ScramParseException {
        String serverFinal = scram.serverFinal(clientFinal);
        String userName = audit.user();
        if (serverFinal == null) {
            String reason = "password authentication failed for user \"" + userName + "\"";
            authenticationFailed(reason, reason);
            return;
        }
        Optional<String> refusal = secondFactorRefusal(userName);
        if (refusal.isPresent()) {
            return;
        }
        context.guards().lockout().succeeded(host(client), userName);
        if (!admission.loggedIn(userName)) {
            String reason = "too many connections for role \"" + userName + "\"";
            log.warn(
                    "[{}] login of user '{}' refused: {} (limit {})",
                    cancelKey.sessionId(),
                    userName,
                    reason,
                    policy.limits().maxConnectionsPerUser());
            fatal(ErrorCode.TOO_MANY_USER_CONNECTIONS, reason);
            return;
        }
        client.write(PostgresMessages.authentication(
                client.alloc(), PostgresMessages.AUTH_SASL_FINAL, serverFinal.getBytes(StandardCharsets.UTF_8)));
        client.write(PostgresMessages.authentication(client.alloc(), PostgresMessages.AUTH_OK, new byte[0]));
        client.flush();
        onAuthenticated(userName);
    }

    /**
     * The password was right; what the policy asks beyond it: TLS for the role, a client certificate for the user. A
     * refusal is audited and answered; the certificate's reason goes to the audit trail only.
     */
    private Optional<String> secondFactorRefusal(String userName) {
        if (role.requireTls() && !TlsChannels.secure(client)) {
            String reason = "custos: role " + role.name() + " must connect with TLS; use sslmode=require or stronger";
            trail.record(AuditRecord.authFailed(audit, reason, ErrorCode.TLS_REQUIRED.sqlState(), policy.version()));
            fatal(ErrorCode.TLS_REQUIRED, reason);
            return Optional.of(reason);
        }
        User user = policy.user(userName).orElseThrow();
        Optional<String> mismatch =
                user.clientCertificateRule().flatMap(rule -> TlsChannels.certificateMismatch(client, rule));
        if (mismatch.isPresent()) {
            authenticationFailed(
                    "certificate authentication failed for user \"" + userName + "\": " + mismatch.get(),
                    "certificate authentication failed for user \"" + userName + "\"");
            return mismatch;
        }
        return Optional.empty();
    }

    /**
     * A failed login: audited and logged at once, counted by the lockout, answered after the lockout's delay. A lock
     * it starts is audited and logged as a warning.
     */
    private void authenticationFailed(String auditReason, String clientMessage) {
        String userName = audit.user();
        trail.record(AuditRecord.authFailed(
                audit, auditReason, ErrorCode.AUTHENTICATION_FAILED.sqlState(), policy.version()));
        log.info(
                "[{}] authentication failed for user '{}' from {}",
                cancelKey.sessionId(),
                userName,
                audit.clientAddress());
        LoginLockout.Outcome outcome = context.guards().lockout().failed(host(client), userName);
        outcome.newLock().ifPresent(lock -> {
            String reason = lock.subject() + " locked for " + lock.remainingSeconds() + " s after " + outcome.failures()
                    + " failed logins";
            trail.record(AuditRecord.lockout(audit, reason, policy.version()));
            log.warn(
                    "[{}] {}; last attempt as user '{}' from {}; check for password guessing, or raise 'lockout' in"
                            + " the policy's limits",
                    cancelKey.sessionId(),
                    reason,
                    userName,
                    audit.clientAddress());
        });
        state = State.FAILING;
        if (outcome.delay().isZero()) {
            fatal(ErrorCode.AUTHENTICATION_FAILED, clientMessage);
            return;
        }
        client.eventLoop()
                .schedule(
                        () -> fatal(ErrorCode.AUTHENTICATION_FAILED, clientMessage),
                        outcome.delay().toNanos(),
                        TimeUnit.NANOSECONDS);
    }

    private void onAuthenticated(String userName) {
        Backend backendConfig = policy.backend(Backend.Protocol.POSTGRESQL)
                .orElseThrow(() -> new CustosException(ErrorCode.INTERNAL, "no PostgreSQL backend is configured"));
        audit = audit.authenticated(userName, role.name(), audit.database());
        live.authenticated(userName, role.name());
        if (!backendConfig.database().equals(audit.database())) {
            fatal(ErrorCode.UNKNOWN_DATABASE, "database \"" + audit.database() + "\" does not exist");
            return;
        }
        trail.record(AuditRecord.authOk(audit, policy.version()));
        caller = new Caller(userName, role, policy.classification(), policy.version(), searchPath());
        state = State.CONNECTING;
        Map<String, String> backendParameters = new HashMap<>();
        startupParameters.forEach((name, value) -> {
            if (!WITHHELD_PARAMETERS.contains(name) && !name.startsWith("_pq_.")) {
                backendParameters.put(name, value);
            }
        });
        backend = new PostgresBackend(
                this,
                client,
                backendConfig,
                backendParameters,
                context.guards().backendTls(Backend.Protocol.POSTGRESQL).orElse(null));
        backend.connect();
        log.debug("[{}] user '{}' (role {}) authenticated", cancelKey.sessionId(), userName, role.name());
    }

    private List<String> searchPath() {
        String path = startupParameters.get("search_path");
        if (path == null || path.isBlank()) {
            return List.of("public");
        }
        return List.of(path.replace("\"", "").split("\\s*,\\s*"));
    }

    // ---- callbacks from the backend connection

    void onBackendParameter(ByteBuf frame) {
        trackParameter(frame);
        client.write(frame);
    }

    /**
     * The lexer must read text as the server does, so the two settings that change how it reads are followed
     * whenever the server reports them, at startup and after any SET.
     */
    private void trackParameter(ByteBuf frame) {
        ByteBuf body = PostgresMessages.body(frame);
        String name = PostgresMessages.readCString(body);
        String value = PostgresMessages.readCString(body);
        if ("standard_conforming_strings".equals(name)) {
            standardConformingStrings = "on".equals(value);
        } else if ("client_encoding".equals(name)) {
            clientEncoding = value;
            clientCharset = PostgresEncodings.charset(value).orElse(null);
        }
    }

    void onBackendReady(ByteBuf readyForQuery, int backendProcessId, int backendSecret) {
        context.sessions().register(cancelKey, () -> backend.cancel(backendProcessId, backendSecret));
        client.write(PostgresMessages.backendKeyData(client.alloc(), cancelKey.sessionId(), cancelKey.secret()));
        client.writeAndFlush(readyForQuery);
        state = State.READY;
        backendReady = true;
        idleTimer.idle(false);
        askSearchPath();
    }

    // ---- following the search path

    /**
     * Queues the question for the search path behind what was sent; the client's messages wait for the answer. A
     * caller with full clearance passes without analysis, so its path is never needed and never asked for.
     */
    private void askSearchPath() {
        if (caller.fullClearance()) {
            return;
        }
        searchPath.asked();
        forward(
                PostgresMessages.query(client.alloc(), SearchPathFollower.QUERY, StandardCharsets.UTF_8),
                Pending.of(Pending.Kind.INTERNAL));
        backend.flush();
    }

    /** A backend message answering the gateway's own query: read, never forwarded. */
    private void onInternalMessage(char type, ByteBuf frame) {
        try {
            switch (type) {
                case 'D' -> searchPath.onDataRow(PostgresMessages.body(frame));
                case 'E' -> log.debug(
                        "[{}] the search path could not be read: {}",
                        cancelKey.sessionId(),
                        PostgresMessages.fields(frame).get('M'));
                case 'Z' -> onInternalReady(frame);
                default -> {}
            }
        } finally {
            frame.release();
        }
    }

    private void onInternalReady(ByteBuf readyForQuery) {
        pending.pollFirst();
        onTransactionStatus(readyForQuery);
        // In a failed transaction the server cannot answer; nothing runs there until it ends, which asks again.
        searchPath.answered().ifPresent(path -> {
            caller = new Caller(caller.user(), caller.role(), caller.classification(), caller.policyVersion(), path);
            log.debug("[{}] search path {}", cancelKey.sessionId(), path);
        });
        ByteBuf next;
        while (!searchPath.asking() && state == State.READY && (next = searchPath.nextHeld()) != null) {
            onReadyFrame(next);
        }
        if (!searchPath.asking()) {
            client.config().setAutoRead(true);
        }
        backend.flush();
        endIfDrained();
    }

    /** After a message the gate passed: ask for the search path when a statement of it may have changed it. */
    private void afterForwarded(List<StatementVerdict> verdicts) {
        if (verdicts.stream().anyMatch(NameResolution::postgresMayChange)) {
            askSearchPath();
        }
    }

    /**
     * ReadyForQuery's status: 'I' idle, 'T' in a transaction, 'E' in a failed one. DDL completed inside a transaction
     * stays invisible to the catalog's own connection until it commits.
     */
    private void onTransactionStatus(ByteBuf readyForQuery) {
        byte status = readyForQuery.getByte(readyForQuery.readerIndex() + 5);
        if (status == 'I') {
            ddlInTransaction = false;
        } else if (ddlSinceReady) {
            ddlInTransaction = true;
        }
        ddlSinceReady = false;
    }

    /**
     * Below full clearance, after DDL in a transaction still open, only statements that end it pass: the gate would
     * read names against tables as the catalog sees them, without the uncommitted change (a dropped table that
     * shadowed another, say).
     */
    private String uncommittedDdlRefusal(List<StatementVerdict> verdicts) {
        if (!ddlInTransaction || caller.fullClearance()) {
            return null;
        }
        boolean onlyTransactionControl =
                verdicts.stream().allMatch(verdict -> verdict.statementClass() == StatementClass.TRANSACTION);
        return onlyTransactionControl
                ? null
                : "custos: after DROP, RENAME or SET SCHEMA in an open transaction, statements are refused below full"
                        + " clearance until the transaction ends: the gateway cannot see uncommitted changes to tables";
    }

    void onBackendFailed(String message) {
        cannotConnect(message, "custos: cannot connect to the database");
    }

    void onBackendUnreachable(Throwable cause) {
        cannotConnect(String.valueOf(cause.getMessage()), BackendFailures.cannotConnect(cause));
    }

    /** The database answered the login with an error: relayed when the client can act on it, see the refusal. */
    void onBackendRefused(String sqlState, String message) {
        if (state == State.CLOSED) {
            return;
        }
        Backend backendConfig = policy.backend(Backend.Protocol.POSTGRESQL).orElseThrow();
        Optional<PostgresBackendRefusal> refusal =
                PostgresBackendRefusal.of(sqlState, message, backendConfig.database());
        if (refusal.isEmpty()) {
            cannotConnect(message + " (SQLSTATE " + sqlState + ")", "custos: cannot connect to the database");
            return;
        }
        log.info(
                "[{}] the database refused the session of user '{}': {} (SQLSTATE {})",
                cancelKey.sessionId(),
                audit.user(),
                message,
                sqlState);
        fatal(refusal.get().sqlState(), refusal.get().message());
    }

    private void cannotConnect(String logMessage, String clientMessage) {
        if (state == State.CLOSED) {
            return;
        }
        context.metrics().backendConnectionError(AuditContext.POSTGRESQL);
        log.warn(
                "[{}] cannot open a backend connection for user '{}': {}; check the policy's backend settings and that the database is up",
                cancelKey.sessionId(),
                audit.user(),
                logMessage);
        fatal(ErrorCode.BACKEND_UNAVAILABLE, clientMessage);
    }

    /** The database sent a message the relay cannot read: nothing more of it reaches the client. */
    void onBackendInvalid(String detail) {
        if (!backendReady) {
            cannotConnect("invalid message during the login: " + detail, "custos: cannot connect to the database");
            return;
        }
        if (state == State.CLOSED) {
            return;
        }
        context.metrics().backendConnectionError(AuditContext.POSTGRESQL);
        log.warn(
                "[{}] the database sent an invalid message ({}); the session is closed. Check the database server and"
                        + " the network path to it",
                cancelKey.sessionId(),
                detail);
        fatal(ErrorCode.BACKEND_PROTOCOL_VIOLATION, "custos: the database sent an invalid message");
    }

    /** TLS towards the database failed: the reason names the check, never a certificate's content. */
    void onBackendTlsFailed(String reason) {
        log.warn(
                "[{}] cannot open a backend connection for user '{}': {}; check the backend's 'tls' settings in the"
                        + " policy and the database's certificate",
                cancelKey.sessionId(),
                audit.user(),
                reason);
        fatal(ErrorCode.BACKEND_UNAVAILABLE, "custos: cannot connect to the database: " + reason);
    }

    void onBackendClosed() {
        if (state == State.CLOSED) {
            return;
        }
        if (!backendReady) {
            cannotConnect(
                    "closed during the login", "custos: cannot connect to the database: it closed the connection");
            return;
        }
        context.metrics().backendConnectionError(AuditContext.POSTGRESQL);
        log.info("[{}] backend connection closed by the database", cancelKey.sessionId());
        fatal(ErrorCode.BACKEND_LOST, "custos: the database closed the connection");
    }

    /** A message from the backend once the session is ready: track it, then forward it as it came. */
    void onBackendMessage(ByteBuf frame) {
        char type = PostgresMessages.type(frame);
        if (BACKEND_TYPES.indexOf(type) < 0) {
            throw new IllegalArgumentException("unknown message type " + (int) type);
        }
        Pending head = pending.peekFirst();
        if (head != null && head.kind == Pending.Kind.INTERNAL && type != 'N' && type != 'A' && type != 'S') {
            onInternalMessage(type, frame);
            return;
        }
        switch (type) {
            case 'D' -> {
                checkDataRow(frame);
                if (head != null) {
                    head.rows++;
                }
            }
            case 'C' -> onCommandComplete(head, frame);
            case 'I' -> onStatementDone(head, 0);
            case 's' -> onStatementDone(head, head == null ? 0 : head.rows);
            case '1' -> popIf(Pending.Kind.PARSE);
            case '2' -> popIf(Pending.Kind.BIND);
            case '3' -> popIf(Pending.Kind.CLOSE);
            case 'n' -> popIf(Pending.Kind.DESCRIBE);
            case 'T' -> popIf(Pending.Kind.DESCRIBE);
            case 'E' -> {
                frame = onError(head, frame);
            }
            case 'Z' -> onReadyForQuery(frame);
            case 'S' -> trackParameter(frame);
            default -> {}
        }
        client.write(frame);
        if (type == 'Z') {
            endIfDrained();
        }
    }

    /**
     * DataRow: {@code Int16 n, then n times Int32 length (-1 for NULL) and that many bytes}, filling the message
     * exactly. A row that does not add up is a damaged stream; the client would choke on it, or read values from the
     * wrong bytes.
     */
    static void checkDataRow(ByteBuf frame) {
        int end = frame.writerIndex();
        int offset = frame.readerIndex() + 5;
        if (offset + 2 > end) {
            throw new IllegalArgumentException("DataRow without its column count");
        }
        int columns = frame.getUnsignedShort(offset);
        offset += 2;
        for (int i = 0; i < columns; i++) {
            if (offset + 4 > end) {
                throw new IllegalArgumentException("DataRow shorter than its " + columns + " columns");
            }
            int length = frame.getInt(offset);
            offset += 4;
            if (length < -1 || length > end - offset) {
                throw new IllegalArgumentException("DataRow column of " + length + " bytes beyond the message");
            }
            offset += Math.max(length, 0);
        }
        if (offset != end) {
            throw new IllegalArgumentException("DataRow with " + (end - offset) + " bytes beyond its columns");
        }
    }

    void flushClient() {
        client.flush();
    }

    void setClientAutoRead(boolean autoRead) {
        client.config().setAutoRead(autoRead);
    }

    private void onCommandComplete(Pending head, ByteBuf frame) {
        ByteBuf body = PostgresMessages.body(frame);
        String tag = PostgresMessages.readCString(body);
        onStatementDone(head, rowsOf(tag, head == null ? 0 : head.rows));
    }

    private void onStatementDone(Pending head, long rows) {
        if (head == null) {
            return;
        }
        if (head.kind == Pending.Kind.QUERY) {
            StatementVerdict statement = head.current();
            if (statement != null) {
                auditCompleted(statement, rows, head.elapsedMicros(), head.parameters);
            }
            head.advance();
            return;
        }
        if (head.kind == Pending.Kind.EXECUTE) {
            StatementVerdict statement = head.current();
            if (statement != null) {
                auditCompleted(statement, rows, head.elapsedMicros(), head.parameters);
            }
            pending.pollFirst();
        }
    }

    private ByteBuf onError(Pending head, ByteBuf frame) {
        if (head == null) {
            return frame;
        }
        ByteBuf toClient = frame;
        if (head.refusal != null) {
            frame.release();
            toClient = PostgresMessages.errorResponse(
                    client.alloc(), "ERROR", ErrorCode.PERMISSION_DENIED.sqlState(), head.refusal);
        } else {
            Map<Character, String> fields = PostgresMessages.fields(frame);
            String sqlState = fields.get('C');
            StatementVerdict statement = head.current();
            if (statement != null) {
                trail.record(
                        AuditRecord.failedBy(audit, statement, sqlState, null, head.elapsedMicros(), policy.version())
                                .withParameters(head.parameters));
            }
            if (withheld(sqlState, statement)) {
                frame.release();
                toClient = PostgresMessages.errorResponse(
                        client.alloc(), fields.getOrDefault('S', "ERROR"), sqlState, withheldMessage(sqlState));
            }
        }
        if (head.kind == Pending.Kind.QUERY || head.kind == Pending.Kind.FUNCTION || head.kind == Pending.Kind.SYNC) {
            head.next = head.statements.size();
            return toClient;
        }
        while (!pending.isEmpty() && pending.peekFirst().kind != Pending.Kind.SYNC) {
            pending.pollFirst();
        }
        return toClient;
    }

    /** ReadyForQuery: Byte1('Z') Int32(5) Byte1 status, 'I' idle, 'T' in a transaction, 'E' in a failed one. */
    private void onReadyForQuery(ByteBuf frame) {
        onTransactionStatus(frame);
        Pending head = pending.pollFirst();
        if (head == null) {
            log.debug("[{}] ReadyForQuery with nothing pending", cancelKey.sessionId());
        }
        if (pending.isEmpty()) {
            idleTimer.idle(frame.getByte(frame.readerIndex() + 5) != 'I');
        }
    }

    /**
     * Below full clearance, which errors reach the client with their SQLSTATE only. Data exceptions (class 22) and
     * integrity violations (class 23) quote the offending value in their message and detail ({@code invalid input
     * syntax for type integer: "13225389641"}, {@code Key (mobile)=(…) already exists}), and a predicate can make the
     * database convert a protected column on purpose. Many other errors quote a value the statement handed a function
     * as a name ({@code nextval}, {@code current_setting}, {@code has_schema_privilege} and the reg* casts report
     * {@code relation "13800000000" does not exist}): the gate keeps protected columns out of such functions, and as a
     * second line, the message of a statement that names a table holding columns above the caller's clearance is
     * withheld unless its SQLSTATE is one whose message never holds data.
     */
    private boolean withheld(String sqlState, StatementVerdict statement) {
        if (sqlState == null || caller.fullClearance()) {
            return false;
        }
        if (sqlState.startsWith("22") || sqlState.startsWith("23")) {
            return true;
        }
        return statement != null && namesHiddenTable(statement) && !dataFreeMessage(sqlState);
    }

    /** SQLSTATEs whose messages name objects of the statement or the server's state, never a value. */
    private static boolean dataFreeMessage(String sqlState) {
        return DATA_FREE_STATES.contains(sqlState)
                || DATA_FREE_CLASSES.contains(sqlState.substring(0, Math.min(2, sqlState.length())));
    }

    private boolean namesHiddenTable(StatementVerdict statement) {
        List<String> tables = statement.touched().tables();
        int clearance = caller.role().clearance();
        return caller.classification().rules().stream()
                .anyMatch(rule -> rule.level() > clearance && tables.contains(rule.schema() + "." + rule.table()));
    }

    private static String withheldMessage(String sqlState) {
        return "custos: the database reported SQLSTATE " + sqlState
                + "; its message is withheld below full clearance because it may quote protected values";
    }

    private void popIf(Pending.Kind kind) {
        Pending head = pending.peekFirst();
        if (head != null && head.kind == kind) {
            pending.pollFirst();
        }
    }

    private void auditCompleted(StatementVerdict statement, long rows, long micros, int parameters) {
        trail.record(AuditRecord.completed(audit, statement, rows, micros, policy.version())
                .withParameters(parameters));
        sqlPrepared.completed(statement);
        if (statement.statementClass() == StatementClass.DDL) {
            ddlSinceReady |=
                    UNSEEN_IF_UNCOMMITTED.matcher(statement.normalized()).find();
            context.catalogChanged().run();
        }
    }

    /** The row count at the end of a command tag ({@code SELECT 3}, {@code INSERT 0 1}), or what was counted. */
    static long rowsOf(String tag, long counted) {
        int space = tag.lastIndexOf(' ');
        if (space < 0) {
            return counted;
        }
        try {
            return Long.parseLong(tag.substring(space + 1));
        } catch (NumberFormatException e) {
            return counted;
        }
    }

    // ---- client messages once ready

    private void onClientMessage(ByteBuf frame) {
        idleTimer.busy();
        if (!followPolicy()) {
            frame.release();
            return;
        }
        char type = PostgresMessages.type(frame);
        checkStatementLength(type, frame);
        switch (type) {
            case 'Q' -> onQuery(frame);
            case 'P' -> onParse(frame);
            case 'B' -> onBind(frame);
            case 'E' -> onExecute(frame);
            case 'D' -> forward(frame, Pending.of(Pending.Kind.DESCRIBE));
            case 'C' -> onClose(frame);
            case 'S' -> onSync(frame);
            case 'H', 'd', 'c', 'f' -> forward(frame, null);
            case 'F' -> onFunctionCall(frame);
            case 'X' -> {
                frame.release();
                state = State.CLOSED;
                backend.terminate();
                client.close();
            }
            default -> throw new CustosException(
                    ErrorCode.PROTOCOL_VIOLATION, "invalid frontend message type " + (int) type);
        }
    }

    private void onQuery(ByteBuf frame) {
        String sql = statementText(PostgresMessages.body(frame));
        if (sql == null) {
            frame.release();
            refuse(Pending.Kind.QUERY, unreadableMessage(), false);
            return;
        }
        if (!auditWritable()) {
            frame.release();
            refuse(Pending.Kind.QUERY, auditUnavailableMessage(), false);
            return;
        }
        Verdict verdict = check(sql);
        live.statements(verdict.statements().size(), lastClass(verdict));
        if (verdict.refused()) {
            frame.release();
            StatementVerdict refusal = verdict.refusal().orElseThrow();
            auditRefusal(refusal);
            refuse(Pending.Kind.QUERY, refusal.reason(), false);
            return;
        }
        String uncommitted = uncommittedDdlRefusal(verdict.statements());
        if (uncommitted != null) {
            frame.release();
            auditRefusal(verdict.statements(), "uncommitted-ddl", uncommitted);
            refuse(Pending.Kind.QUERY, uncommitted, false);
            return;
        }
        Pending entry = Pending.statements(Pending.Kind.QUERY, verdict.statements());
        if (verdict.sql().equals(sql)) {
            forward(frame, entry);
        } else {
            frame.release();
            forward(PostgresMessages.query(client.alloc(), verdict.sql(), clientCharset), entry);
        }
        afterForwarded(verdict.statements());
    }

    /** Sync ends a batch: ask for the search path if a statement executed in it may have changed it. */
    private void onSync(ByteBuf frame) {
        forward(frame, Pending.of(Pending.Kind.SYNC));
        if (searchPath.takeChangedInBatch()) {
            askSearchPath();
        }
    }

    /** Parse: Byte1('P') Int32 len, String name, String query, Int16 n, Int32[n] parameter type oids. */
    private void onParse(ByteBuf frame) {
        ByteBuf body = PostgresMessages.body(frame);
        String name = PostgresMessages.readCString(body);
        String sql = statementText(body);
        ByteBuf parameterTypes = body.readSlice(body.readableBytes());
        if (sql == null) {
            frame.release();
            refuse(Pending.Kind.PARSE, unreadableMessage(), true);
            return;
        }
        if (!auditWritable()) {
            frame.release();
            refuse(Pending.Kind.PARSE, auditUnavailableMessage(), true);
            return;
        }
        Verdict verdict = check(sql);
        if (!verdict.refused() && searchPath.changeInBatchPending() && !caller.fullClearance()) {
            // The statement executed before it in this batch may have changed what its names denote; the path is
            // asked for at the Sync.
            verdict = refusedAll(
                    verdict,
                    "session-change",
                    "custos: after a statement that changes tables or the search path, send Sync before the next"
                            + " Parse below full clearance");
        }
        String uncommitted = verdict.refused() ? null : uncommittedDdlRefusal(verdict.statements());
        if (uncommitted != null) {
            verdict = refusedAll(verdict, "uncommitted-ddl", uncommitted);
        }
        if (verdict.refused()) {
            StatementVerdict refusal = verdict.refusal().orElseThrow();
            auditRefusal(refusal);
            statements.remove(name);
            parsed.remove(name);
            ByteBuf replacement = parse(client.alloc(), name, REFUSED_PLACEHOLDER, parameterTypes);
            frame.release();
            forward(replacement, Pending.refused(Pending.Kind.PARSE, refusal.reason()));
            return;
        }
        parsed.put(
                name,
                new Parsed(sql, caller.searchPath(), context.catalog().get().version()));
        StatementVerdict statement =
                verdict.statements().isEmpty() ? null : verdict.statements().get(0);
        if (statement != null) {
            statements.put(name, statement);
        } else {
            statements.remove(name);
        }
        Pending entry = Pending.statements(Pending.Kind.PARSE, statement == null ? List.of() : List.of(statement));
        if (verdict.sql().equals(sql)) {
            forward(frame, entry);
            return;
        }
        ByteBuf replacement = parse(client.alloc(), name, verdict.sql(), parameterTypes);
        frame.release();
        forward(replacement, entry);
    }

    /**
     * The gate's verdict on a Query or Parse message (the gate reads both alike), timed as the gateway's own share of
     * the statement's latency.
     */
    private Verdict check(String sql) {
        long started = System.nanoTime();
        Verdict verdict = context.gate().check(sql, caller, standardConformingStrings, this::preparedStatement);
        context.metrics().added(AuditContext.POSTGRESQL, System.nanoTime() - started);
        return verdict;
    }

    /**
     * A prepared statement of this session by name, for EXECUTE: SQL-level ones, and the protocol's named statements,
     * which share their names on the server.
     */
    private Optional<SqlPreparedStatements.Prepared> preparedStatement(String name) {
        Optional<SqlPreparedStatements.Prepared> prepared = sqlPrepared.get(name);
        if (prepared.isPresent()) {
            return prepared;
        }
        Parsed at = parsed.get(name);
        StatementVerdict verdict = statements.get(name);
        return at == null || verdict == null
                ? Optional.empty()
                : Optional.of(new SqlPreparedStatements.Prepared(at.sql(), verdict.sql()));
    }

    private static StatementClass lastClass(Verdict verdict) {
        List<StatementVerdict> statements = verdict.statements();
        return statements.isEmpty()
                ? null
                : statements.get(statements.size() - 1).statementClass();
    }

    /**
     * Puts a reloaded policy, or a user disabled through the admin API, in force for this session from its next
     * message on: the user's role (and so clearance and rights), the classification and the masks. Returns false,
     * having ended the session, when the policy no longer lets the user in.
     */
    private boolean followPolicy() {
        Policy latest = context.policy().get();
        if (latest == policy) {
            return true;
        }
        String userName = audit.user();
        User user = latest.user(userName).filter(User::enabled).orElse(null);
        if (user == null) {
            log.info("[{}] user '{}' is no longer enabled by the policy; ending the session", sessionId(), userName);
            fatal(ErrorCode.TERMINATED_BY_ADMINISTRATOR, "custos: user '" + userName + "' has been disabled");
            return false;
        }
        policy = latest;
        role = latest.role(user);
        audit = audit.authenticated(userName, role.name(), audit.database());
        caller = new Caller(userName, role, latest.classification(), latest.version(), caller.searchPath());
        live.authenticated(userName, role.name());
        return true;
    }

    /**
     * The statement text in the client's encoding, or {@code null} when the gateway cannot read it exactly (malformed
     * bytes, or an encoding it does not serve): such text is never passed on, since the server might read it
     * differently from the gate.
     */
    private String statementText(ByteBuf body) {
        if (clientCharset == null) {
            PostgresMessages.readCString(body);
            return null;
        }
        try {
            return PostgresMessages.readCString(body, clientCharset);
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private String unreadableMessage() {
        return clientCharset == null
                ? "custos: client_encoding " + clientEncoding + " is not supported by the gateway; use UTF8"
                : "custos: statement is not valid in client_encoding " + clientEncoding;
    }

    private ByteBuf parse(ByteBufAllocator allocator, String name, String sql, ByteBuf parameterTypes) {
        Charset charset = clientCharset == null ? PostgresEncodings.defaultCharset() : clientCharset;
        ByteBuf buffer = PostgresMessages.start(allocator, 'P');
        PostgresMessages.writeCString(buffer, name, charset);
        PostgresMessages.writeCString(buffer, sql, charset);
        buffer.writeBytes(parameterTypes, parameterTypes.readerIndex(), parameterTypes.readableBytes());
        return PostgresMessages.finish(buffer);
    }

    /** Bind: … Int16 n, Int16[n] parameter format codes, Int16 m: the number of parameter values that follow. */
    private static int boundParameters(ByteBuf body) {
        int formats = body.readUnsignedShort();
        body.skipBytes(2 * formats);
        return body.readUnsignedShort();
    }

    /** Bind: String portal, String statement, … */
    private void onBind(ByteBuf frame) {
        ByteBuf body = PostgresMessages.body(frame);
        String portal = PostgresMessages.readCString(body);
        String statement = PostgresMessages.readCString(body);
        StatementVerdict verdict = statements.get(statement);
        String stale = verdict == null ? null : staleStatement(statement, verdict);
        if (stale != null) {
            frame.release();
            portals.remove(portal);
            trail.record(AuditRecord.refused(
                    audit,
                    verdict.statementClass(),
                    verdict.normalized(),
                    verdict.digest(),
                    "session-change",
                    stale,
                    ErrorCode.PERMISSION_DENIED.sqlState(),
                    policy.version()));
            refuse(Pending.Kind.BIND, stale, true);
            return;
        }
        if (verdict == null) {
            portals.remove(portal);
        } else {
            portals.put(portal, verdict);
        }
        portalParameters.put(portal, boundParameters(body));
        forward(frame, Pending.of(Pending.Kind.BIND));
    }

    /**
     * PostgreSQL parses a prepared statement again when the search path or the tables it uses changed since, so the
     * verdict reached at Parse may no longer fit: below full clearance the statement is checked again, and refused
     * unless the gate would send the very same text.
     */
    private String staleStatement(String name, StatementVerdict verdict) {
        Parsed at = parsed.get(name);
        if (at == null || caller.fullClearance()) {
            return null;
        }
        long catalogVersion = context.catalog().get().version();
        if (at.searchPath().equals(caller.searchPath()) && at.catalogVersion() == catalogVersion) {
            return null;
        }
        Verdict again = context.gate().checkSingle(at.sql(), caller, standardConformingStrings);
        boolean same = !again.refused()
                && again.statements().size() == 1
                && again.statements().get(0).sql().equals(verdict.sql());
        if (same) {
            parsed.put(name, new Parsed(at.sql(), caller.searchPath(), catalogVersion));
            return null;
        }
        return "custos: the search path or the tables changed since this statement was prepared; prepare it again";
    }

    /** Execute: String portal, Int32 maximum rows. */
    private void onExecute(ByteBuf frame) {
        String portal = PostgresMessages.readCString(PostgresMessages.body(frame));
        StatementVerdict verdict = portals.get(portal);
        if (verdict != null) {
            live.statements(1, verdict.statementClass());
        }
        Pending entry = Pending.statements(Pending.Kind.EXECUTE, verdict == null ? List.of() : List.of(verdict));
        entry.parameters = portalParameters.getOrDefault(portal, -1);
        forward(frame, entry);
        if (verdict != null && NameResolution.postgresMayChange(verdict)) {
            searchPath.changedInBatch();
        }
    }

    /** Close: Byte1 'S' or 'P', String name. */
    private void onClose(ByteBuf frame) {
        ByteBuf body = PostgresMessages.body(frame);
        byte kind = body.readByte();
        String name = PostgresMessages.readCString(body);
        if (kind == 'S') {
            statements.remove(name);
            parsed.remove(name);
        } else {
            portals.remove(name);
            portalParameters.remove(name);
        }
        forward(frame, Pending.of(Pending.Kind.CLOSE));
    }

    /**
     * A fast-path function call names its function by OID, so the gate cannot see which function it is; it can reach
     * the large-object import and export functions, hence only roles allowed to import and export may use it.
     */
    private void onFunctionCall(ByteBuf frame) {
        if (role.importExport()) {
            forward(frame, Pending.of(Pending.Kind.FUNCTION));
            return;
        }
        frame.release();
        String reason = "custos: role " + role.name() + " may not import or export data (fast-path function call)";
        trail.record(AuditRecord.refused(
                audit,
                StatementClass.IMPORT_EXPORT,
                "<fast-path function call>",
                "",
                "import-export",
                reason,
                ErrorCode.PERMISSION_DENIED.sqlState(),
                policy.version()));
        refuse(Pending.Kind.FUNCTION, reason, false);
    }

    /**
     * Sends the backend a statement that fails at once in place of the refused one; {@link #onError} swaps the
     * backend's error for {@code reason}.
     */
    private void refuse(Pending.Kind kind, String reason, boolean extended) {
        ByteBuf replacement = extended
                ? parse(client.alloc(), "", REFUSED_PLACEHOLDER, Unpooled.wrappedBuffer(new byte[] {0, 0}))
                : PostgresMessages.query(client.alloc(), REFUSED_PLACEHOLDER, StandardCharsets.UTF_8);
        forward(replacement, Pending.refused(kind, reason));
    }

    private void forward(ByteBuf frame, Pending entry) {
        if (entry != null) {
            pending.addLast(entry);
        }
        backend.write(frame);
    }

    private void auditRefusal(StatementVerdict refusal) {
        trail.record(AuditRecord.refusedBy(audit, refusal, ErrorCode.PERMISSION_DENIED.sqlState(), policy.version()));
    }

    private void auditRefusal(List<StatementVerdict> verdicts, String rule, String reason) {
        StatementVerdict first = verdicts.isEmpty() ? null : verdicts.get(0);
        trail.record(AuditRecord.refused(
                audit,
                first == null ? StatementClass.OTHER : first.statementClass(),
                first == null ? "" : first.normalized(),
                first == null ? "" : first.digest(),
                rule,
                reason,
                ErrorCode.PERMISSION_DENIED.sqlState(),
                policy.version()));
    }

    /** {@code verdict} with every statement refused by {@code rule}. */
    private static Verdict refusedAll(Verdict verdict, String rule, String reason) {
        List<StatementVerdict> refused = verdict.statements().stream()
                .map(statement -> new StatementVerdict(
                        statement.statementClass(),
                        statement.normalized(),
                        statement.digest(),
                        Decision.REFUSED,
                        statement.sql(),
                        List.of(),
                        rule,
                        reason))
                .toList();
        return new Verdict(refused, verdict.sql());
    }

    private boolean auditWritable() {
        return context.audit().healthy();
    }

    private static String auditUnavailableMessage() {
        return "custos: the audit trail cannot be written; statements are refused until it can";
    }

    // ---- limits once ready

    /**
     * Query and Parse carry statement text, which the gate analyses: a longer one than the policy allows ends the
     * session before any analysis. The length counted is the message's body, the text and what little surrounds it.
     */
    private void checkStatementLength(char type, ByteBuf frame) {
        if (type != 'Q' && type != 'P') {
            return;
        }
        int bytes = frame.readableBytes() - 5;
        int limit = policy.limits().maxStatementBytes();
        if (bytes <= limit) {
            return;
        }
        String reason = "custos: statement of " + bytes + " bytes exceeds the limit of " + limit
                + " bytes (max_statement_bytes)";
        trail.record(AuditRecord.refused(
                audit,
                StatementClass.OTHER,
                "<statement of " + bytes + " bytes>",
                "",
                "max_statement_bytes",
                reason,
                ErrorCode.STATEMENT_TOO_LONG.sqlState(),
                policy.version()));
        log.info("[{}] {}", cancelKey.sessionId(), reason);
        throw new CustosException(ErrorCode.STATEMENT_TOO_LONG, reason);
    }

    /** PostgreSQL's idle_session_timeout and idle_in_transaction_session_timeout, with their SQLSTATEs and words. */
    private void onIdleTimeout(boolean inTransaction) {
        if (state != State.READY || !pending.isEmpty()) {
            return;
        }
        Limits limits = policy.limits();
        ErrorCode code = inTransaction ? ErrorCode.IDLE_IN_TRANSACTION_TIMEOUT : ErrorCode.IDLE_SESSION_TIMEOUT;
        String message = inTransaction
                ? "terminating connection due to idle-in-transaction timeout ("
                        + limits.idleInTransactionTimeout().toSeconds() + " s, idle_in_transaction_timeout_seconds)"
                : "terminating connection due to idle-session timeout ("
                        + limits.idleSessionTimeout().toSeconds() + " s, idle_session_timeout_seconds)";
        log.info("[{}] {}", cancelKey.sessionId(), message);
        fatal(code, message);
    }

    // ---- errors and teardown

    /** An error outside the relay: a FATAL ErrorResponse, then the connection is closed. */
    private void fatal(ErrorCode code, String message) {
        fatal(code.sqlState(), message);
    }

    // ---- the gateway stops

    /**
     * The gateway stops: a session that is not logged in yet, or runs nothing, ends now; one that runs statements
     * ends once the last of them is answered (its ReadyForQuery reaches the client first).
     */
    private void drain(String message) {
        drainMessage = message;
        if (state != State.READY) {
            fatal(ErrorCode.GATEWAY_SHUTTING_DOWN, message);
            return;
        }
        endIfDrained();
    }

    private void endIfDrained() {
        if (drainMessage != null && state == State.READY && pending.isEmpty() && !searchPath.asking()) {
            log.debug("[{}] ended: the gateway stops", cancelKey.sessionId());
            fatal(ErrorCode.GATEWAY_SHUTTING_DOWN, drainMessage);
        }
    }

    private void fatal(String sqlState, String message) {
        if (state == State.CLOSED || client == null) {
            return;
        }
        state = State.CLOSED;
        client.write(PostgresMessages.errorResponse(client.alloc(), "FATAL", sqlState, message));
        LastWord.flushAndClose(client);
        if (backend != null) {
            backend.close();
        }
    }

    private void releasePending() {
        auditUnfinished();
        pending.clear();
        statements.clear();
        portals.clear();
        portalParameters.clear();
        parsed.clear();
    }

    /**
     * Statements still running when the connection ends (the client went away, the database closed its connection)
     * are audited as failed, so that every statement sent has its record.
     */
    private void auditUnfinished() {
        for (Pending entry : pending) {
            if (entry.kind != Pending.Kind.QUERY && entry.kind != Pending.Kind.EXECUTE) {
                continue;
            }
            for (int i = entry.next; i < entry.statements.size(); i++) {
                trail.record(AuditRecord.failedBy(
                                audit,
                                entry.statements.get(i),
                                ErrorCode.BACKEND_LOST.sqlState(),
                                "the connection ended before the statement completed",
                                entry.elapsedMicros(),
                                policy.version())
                        .withParameters(entry.parameters));
            }
        }
    }

    private static String host(Channel channel) {
        if (channel.remoteAddress() instanceof InetSocketAddress inet) {
            return inet.getAddress().getHostAddress();
        }
        return String.valueOf(channel.remoteAddress());
    }

    private static Duration min(Duration first, Duration second) {
        return first.compareTo(second) <= 0 ? first : second;
    }

    private static String address(Channel channel) {
        if (channel.remoteAddress() instanceof InetSocketAddress inet) {
            return inet.getAddress().getHostAddress() + ":" + inet.getPort();
        }
        return String.valueOf(channel.remoteAddress());
    }

    long sessionId() {
        return cancelKey.sessionId();
    }
}
