package io.custos.proxy;

import io.custos.policy.AdminSettings;
import io.custos.policy.AuditSettings;
import io.custos.policy.Backend;
import io.custos.policy.Limits;
import io.custos.policy.Listener;
import io.custos.policy.Policy;
import io.custos.policy.PolicyHolder;
import io.custos.policy.PolicyWatcher;
import io.custos.proxy.admin.AdminServer;
import io.custos.proxy.admin.PolicyReload;
import io.custos.proxy.audit.AuditLog;
import io.custos.proxy.audit.FileAuditLog;
import io.custos.proxy.catalog.CatalogCache;
import io.custos.proxy.catalog.CatalogLoader;
import io.custos.proxy.limits.ConnectionLimiter;
import io.custos.proxy.limits.LoginLockout;
import io.custos.proxy.metrics.GatewayMetrics;
import io.custos.proxy.metrics.MeteredAuditLog;
import io.custos.proxy.mysql.MySqlServer;
import io.custos.proxy.postgres.PostgresServer;
import io.custos.proxy.session.SessionRegistry;
import io.custos.proxy.tls.BackendTlsContext;
import io.custos.proxy.tls.ClientTls;
import io.custos.rewrite.AnalysisWarmUp;
import io.custos.rewrite.StatementGate;
import io.custos.rewrite.analysis.QueryMasker;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: one listener per protocol the policy names with its backend, in front of that backend, and the
 * admin listener when the policy names one.
 *
 * <p>Start order: audit trail (nothing may run unaudited), then per protocol its catalog (the gate needs it) and its
 * listener, after one analysis warm-up (the first Calcite statement costs about a second), then the admin listener
 * and the policy file watcher, then more warm-up in the background until the JIT has compiled the analysis. The
 * protocols share the audit trail, the session ids, the event loops and the policy in force; each has its own catalog
 * and gate. Close runs the other way round, draining first: the listeners stop
 * accepting, each session ends once the statements it runs have completed (those that run nothing at once), for
 * {@code limits.shutdown_drain_seconds} at most, after which the rest are ended; then the admin listener, the catalogs
 * and the event loops stop and the audit trail is flushed and closed.
 */
public final class CustosGateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CustosGateway.class);

    /** What a session ended by the stop is told, on both protocols. */
    public static final String SHUTDOWN_MESSAGE = "custos: the gateway is shutting down";

    /** How long sessions ended by force after the drain get to close. */
    private static final long FORCED_END_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private static final long DRAIN_POLL_MILLIS = 20;

    /**
     * Rounds of twelve statements checked in the background after the listeners bind, so that the JIT has compiled
     * the analysis before the first clients' statements need it (without, the first few hundred cost several
     * milliseconds each).
     */
    private static final int JIT_WARM_UP_ROUNDS = 100;

    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final AuditLog audit;
    private final List<Frontend> frontends;
    private final GatewayControl control;
    private final Optional<AdminServer> admin;
    private final Optional<PolicyWatcher> watcher;
    private final SessionRegistry sessions;
    private final Supplier<Policy> policy;
    private final AtomicBoolean closed = new AtomicBoolean();

    private CustosGateway(
            EventLoopGroup acceptors,
            EventLoopGroup workers,
            AuditLog audit,
            List<Frontend> frontends,
            GatewayControl control,
            Optional<AdminServer> admin,
            Optional<PolicyWatcher> watcher,
            SessionRegistry sessions,
            Supplier<Policy> policy) {
        this.acceptors = acceptors;
        this.workers = workers;
        this.audit = audit;
        this.frontends = List.copyOf(frontends);
        this.control = control;
        this.admin = admin;
        this.watcher = watcher;
        this.sessions = sessions;
        this.policy = policy;
    }

    /** One protocol's listener with the catalog of its backend and its gate. */
    private record Frontend(
            Backend.Protocol protocol,
            InetSocketAddress address,
            Runnable server,
            CatalogCache catalog,
            StatementGate gate) {
        void stopAccepting() {
            server.run();
        }

        void close() {
            server.run();
            catalog.close();
        }
    }

    /**
     * Binds the listeners the policy names (port 0 picks a free port) and starts serving. Throws if a listener cannot
     * bind or a backend's catalog cannot be read. Without a policy file there is nothing to reload.
     */
    public static CustosGateway start(Policy policy) {
        return start(new GatewayPolicy(policy, Optional.empty()), FileAuditLog::new);
    }

    /**
     * Like {@link #start(Policy)}, with the audit log {@code auditLogs} makes from the policy's audit settings: for
     * tests that make the trail's writes fail.
     */
    public static CustosGateway start(Policy policy, Function<AuditSettings, AuditLog> auditLogs) {
        return start(new GatewayPolicy(policy, Optional.empty()), auditLogs);
    }

    /**
     * Starts serving the policy {@code holder} holds, and reloads it from its file when the file changes or
     * {@link #reloadPolicy} is called.
     */
    public static CustosGateway start(PolicyHolder holder) {
        return start(new GatewayPolicy(holder.current(), Optional.of(holder)), FileAuditLog::new);
    }

    private static CustosGateway start(GatewayPolicy gatewayPolicy, Function<AuditSettings, AuditLog> auditLogs) {
        Policy policy = gatewayPolicy.started();
        List<Backend.Protocol> protocols = new ArrayList<>();
        for (Backend.Protocol protocol : Backend.Protocol.values()) {
            if (policy.backend(protocol).isPresent()
                    && policy.listener(protocol).isPresent()) {
                protocols.add(protocol);
            }
        }
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("the policy names no listener with a backend of the same protocol");
        }
        SecureRandom random = new SecureRandom();
        byte[] serverSecret = new byte[32];
        random.nextBytes(serverSecret);
        SessionRegistry sessions = new SessionRegistry(random);
        GatewayMetrics metrics = new GatewayMetrics();

        GatewayGuards guards = guards(policy, gatewayPolicy);
        AuditLog trail = auditLogs.apply(policy.audit());
        AuditLog audit = new MeteredAuditLog(trail, metrics);
        metrics.watch(trail::status, trail::healthy);
        metrics.watch(
                sessions, protocols.stream().map(CustosGateway::protocolName).toList());
        metrics.watchPolicy(() -> gatewayPolicy.get().version());
        EventLoopGroup acceptors = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
        List<Frontend> frontends = new ArrayList<>();
        Optional<AdminServer> admin = Optional.empty();
        try {
            QueryMasker.warmUp();
            Map<String, CatalogCache> catalogs = new LinkedHashMap<>();
            for (Backend.Protocol protocol : protocols) {
                Backend backend = policy.backend(protocol).orElseThrow();
                Listener listener = policy.listener(protocol).orElseThrow();
                CatalogCache catalog = new CatalogCache(
                        new CatalogLoader(backend),
                        Duration.ofSeconds(policy.analysis().catalogRefreshSeconds()));
                try {
                    catalog.refreshNow();
                } catch (RuntimeException e) {
                    catalog.close();
                    throw e;
                }
                StatementGate gate = new StatementGate(
                        new QueryMasker(catalog::current),
                        catalog::current,
                        catalog::refreshForUnknownName,
                        () -> gatewayPolicy.get().analysis());
                metrics.watch(protocolName(protocol), gate);
                catalogs.put(protocolName(protocol), catalog);
                GatewayContext context = new GatewayContext(
                        gatewayPolicy,
                        gate,
                        audit,
                        catalog::current,
                        catalog::requestRefresh,
                        sessions,
                        random,
                        serverSecret,
                        guards,
                        metrics);
                frontends.add(bind(protocol, context, listener, acceptors, workers, catalog, gate));
                log.info(
                        "{} listener on {}:{} ({}), backend {}:{}/{} ({}), policy version {}",
                        protocol == Backend.Protocol.POSTGRESQL ? "PostgreSQL" : "MySQL",
                        listener.host(),
                        frontends.get(frontends.size() - 1).address().getPort(),
                        guards.tls().isEmpty()
                                ? "no TLS"
                                : guards.clientTls().requireTls() ? "TLS required" : "TLS offered",
                        backend.host(),
                        backend.port(),
                        backend.database(),
                        backend.tls().enabled() ? "TLS " + backend.tls().mode().policyName() : "no TLS",
                        policy.version());
            }
            GatewayControl control = new GatewayControl(gatewayPolicy, sessions, audit, metrics, catalogs);
            admin = policy.admin().map(settings -> startAdmin(settings, metrics, control));
            Optional<PolicyWatcher> watcher =
                    gatewayPolicy.fileWatched() ? watch(gatewayPolicy, control) : Optional.empty();
            AnalysisWarmUp.inBackground(JIT_WARM_UP_ROUNDS);
            return new CustosGateway(
                    acceptors, workers, audit, frontends, control, admin, watcher, sessions, gatewayPolicy);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            admin.ifPresent(AdminServer::close);
            shutdown(acceptors, workers, frontends, audit);
            throw new IllegalStateException("interrupted while starting", e);
        } catch (RuntimeException e) {
            admin.ifPresent(AdminServer::close);
            shutdown(acceptors, workers, frontends, audit);
            throw e;
        }
    }

    /** TLS contexts from the policy's files, read once at start so that a bad file stops the start with its name. */
    private static GatewayGuards guards(Policy policy, Supplier<Policy> policySupplier) {
        ClientTls clientTls = policy.clientTls().map(ClientTls::load).orElse(null);
        Map<Backend.Protocol, BackendTlsContext> backendTls = new EnumMap<>(Backend.Protocol.class);
        for (Backend backend : policy.backends()) {
            if (backend.tls().enabled()) {
                backendTls.put(backend.protocol(), BackendTlsContext.load(backend.tls()));
            }
        }
        Supplier<Limits> limits = () -> policySupplier.get().limits();
        return new GatewayGuards(
                clientTls, backendTls, limits, new ConnectionLimiter(limits), new LoginLockout(() -> limits.get()
                        .lockout()));
    }

    private static AdminServer startAdmin(AdminSettings settings, GatewayMetrics metrics, GatewayControl control) {
        String token;
        try {
            token = settings.token().read();
        } catch (IllegalStateException e) {
            throw new IllegalStateException("cannot read the admin token: " + e.getMessage(), e);
        }
        try {
            AdminServer server =
                    AdminServer.start(settings.host(), settings.port(), token, metrics.registry(), control);
            log.info(
                    "Admin listener on {}:{}", settings.host(), server.address().getPort());
            return server;
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(
                    "admin token from " + settings.token().describe() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot listen on " + settings.host() + ":" + settings.port() + " for the admin API: "
                            + e.getMessage(),
                    e);
        }
    }

    /** The watcher is a convenience: without it, SIGHUP and the admin API still reload. */
    private static Optional<PolicyWatcher> watch(GatewayPolicy policy, GatewayControl control) {
        try {
            return Optional.of(PolicyWatcher.start(
                    policy.file().orElseThrow(), PolicyWatcher.DEFAULT_SETTLE_TIME, control::reloadIfChanged));
        } catch (IOException e) {
            log.warn(
                    "Cannot watch the policy file for changes ({}); reload it with SIGHUP or the admin API",
                    e.getMessage());
            return Optional.empty();
        }
    }

    private static Frontend bind(
            Backend.Protocol protocol,
            GatewayContext context,
            Listener listener,
            EventLoopGroup acceptors,
            EventLoopGroup workers,
            CatalogCache catalog,
            StatementGate gate)
            throws InterruptedException {
        try {
            if (protocol == Backend.Protocol.POSTGRESQL) {
                PostgresServer server = new PostgresServer(context, acceptors, workers);
                return new Frontend(
                        protocol, server.bind(listener.host(), listener.port()), server::close, catalog, gate);
            }
            MySqlServer server = new MySqlServer(context, acceptors, workers);
            return new Frontend(protocol, server.bind(listener.host(), listener.port()), server::close, catalog, gate);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            // Netty rethrows the socket's BindException unchecked; name the address it could not take.
            catalog.close();
            throw new IllegalStateException(
                    "cannot listen on " + listener.host() + ":" + listener.port() + ": " + e.getMessage(), e);
        }
    }

    /** The name audit records and metrics give the protocol: {@code postgresql}, {@code mysql}. */
    private static String protocolName(Backend.Protocol protocol) {
        return protocol.name().toLowerCase(Locale.ROOT);
    }

    /** The address the PostgreSQL listener is bound to; throws when the policy names no PostgreSQL listener. */
    public InetSocketAddress postgresAddress() {
        return address(Backend.Protocol.POSTGRESQL)
                .orElseThrow(() -> new IllegalStateException("no PostgreSQL listener is running"));
    }

    /** The address the MySQL listener is bound to, when the policy names one. */
    public Optional<InetSocketAddress> mysqlAddress() {
        return address(Backend.Protocol.MYSQL);
    }

    /** The analysis cache's hit and miss counts of one protocol's gate, for metrics; empty when it is not served. */
    public Optional<StatementGate.CacheStatistics> analysisCacheStatistics(Backend.Protocol protocol) {
        return frontends.stream()
                .filter(frontend -> frontend.protocol() == protocol)
                .map(frontend -> frontend.gate().cacheStatistics())
                .findFirst();
    }

    public Optional<InetSocketAddress> address(Backend.Protocol protocol) {
        return frontends.stream()
                .filter(frontend -> frontend.protocol() == protocol)
                .map(Frontend::address)
                .findFirst();
    }

    /** The address the admin listener is bound to, when the policy names one. */
    public Optional<InetSocketAddress> adminAddress() {
        return admin.map(AdminServer::address);
    }

    /**
     * Reloads the policy file: a valid policy is in force for every session from its next statement on, an invalid
     * one is rejected and logged with its problems. {@code trigger} names what asked for it, for the log and the audit
     * trail.
     */
    public PolicyReload reloadPolicy(String trigger) {
        return control.reloadPolicy(trigger);
    }

    /**
     * Stops accepting, lets the statements in progress complete for the policy's drain time, ends every session and
     * backend connection, flushes the audit trail. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        log.info("stopping");
        watcher.ifPresent(PolicyWatcher::close);
        frontends.forEach(Frontend::stopAccepting);
        drain(policy.get().limits().shutdownDrain());
        admin.ifPresent(AdminServer::close);
        control.close();
        shutdown(acceptors, workers, frontends, audit);
    }

    /** Each session ends once its statements have completed; after {@code limit}, the rest end at once. */
    private void drain(Duration limit) {
        int open = sessions.openCount();
        if (open > 0) {
            log.info(
                    "Listeners closed; {} sessions end as their statements complete, within {} s"
                            + " (limits.shutdown_drain_seconds)",
                    open,
                    limit.toSeconds());
        }
        sessions.drainAll(SHUTDOWN_MESSAGE);
        if (awaitSessionsClosed(limit.toNanos())) {
            return;
        }
        log.warn(
                "{} sessions still run statements after {} s (limits.shutdown_drain_seconds); ending them now",
                sessions.openCount(),
                limit.toSeconds());
        sessions.endAll(SHUTDOWN_MESSAGE);
        awaitSessionsClosed(FORCED_END_WAIT_NANOS);
    }

    /** Polls until no session is open or {@code nanos} have passed; true when none is open. */
    private boolean awaitSessionsClosed(long nanos) {
        long deadline = System.nanoTime() + nanos;
        while (sessions.openCount() > 0) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            try {
                Thread.sleep(DRAIN_POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    private static void shutdown(
            EventLoopGroup acceptors, EventLoopGroup workers, List<Frontend> frontends, AuditLog audit) {
        frontends.forEach(Frontend::close);
        acceptors.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        try {
            audit.close();
        } catch (Exception e) {
            log.error("audit trail could not be closed cleanly", e);
        }
    }
}
