package io.custos.proxy;

import io.custos.policy.AuditSettings;
import io.custos.policy.Backend;
import io.custos.policy.Limits;
import io.custos.policy.Listener;
import io.custos.policy.Policy;
import io.custos.proxy.audit.AuditLog;
import io.custos.proxy.audit.FileAuditLog;
import io.custos.proxy.catalog.CatalogCache;
import io.custos.proxy.catalog.CatalogLoader;
import io.custos.proxy.limits.ConnectionLimiter;
import io.custos.proxy.limits.LoginLockout;
import io.custos.proxy.mysql.MySqlServer;
import io.custos.proxy.postgres.PostgresServer;
import io.custos.proxy.session.SessionRegistry;
import io.custos.proxy.tls.BackendTlsContext;
import io.custos.proxy.tls.ClientTls;
import io.custos.rewrite.StatementGate;
import io.custos.rewrite.analysis.QueryMasker;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: one listener per protocol the policy names with its backend, in front of that backend.
 *
 * <p>Start order: audit trail (nothing may run unaudited), then per protocol its catalog (the gate needs it) and its
 * listener, after one analysis warm-up (the first Calcite statement costs about a second). The protocols share the
 * audit trail, the session ids and the event loops; each has its own catalog and gate. Close runs the other way round.
 */
public final class CustosGateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CustosGateway.class);

    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final AuditLog audit;
    private final List<Frontend> frontends;

    private CustosGateway(EventLoopGroup acceptors, EventLoopGroup workers, AuditLog audit, List<Frontend> frontends) {
        this.acceptors = acceptors;
        this.workers = workers;
        this.audit = audit;
        this.frontends = List.copyOf(frontends);
    }

    /** One protocol's listener with the catalog of its backend and its gate. */
    private record Frontend(
            Backend.Protocol protocol,
            InetSocketAddress address,
            Runnable server,
            CatalogCache catalog,
            StatementGate gate) {
        void close() {
            server.run();
            catalog.close();
        }
    }

    /**
     * Binds the listeners the policy names (port 0 picks a free port) and starts serving. Throws if a listener cannot
     * bind or a backend's catalog cannot be read.
     */
    public static CustosGateway start(Policy policy) {
        return start(policy, FileAuditLog::new);
    }

    /**
     * Like {@link #start(Policy)}, with the audit log {@code auditLogs} makes from the policy's audit settings: for
     * tests that make the trail's writes fail.
     */
    public static CustosGateway start(Policy policy, Function<AuditSettings, AuditLog> auditLogs) {
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
        Supplier<Policy> policySupplier = () -> policy;

        GatewayGuards guards = guards(policy, policySupplier);
        AuditLog audit = auditLogs.apply(policy.audit());
        EventLoopGroup acceptors = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
        List<Frontend> frontends = new ArrayList<>();
        try {
            QueryMasker.warmUp();
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
                        () -> policySupplier.get().analysis());
                GatewayContext context = new GatewayContext(
                        policySupplier,
                        gate,
                        audit,
                        catalog::current,
                        catalog::requestRefresh,
                        sessions,
                        random,
                        serverSecret,
                        guards);
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
            return new CustosGateway(acceptors, workers, audit, frontends);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutdown(acceptors, workers, frontends, audit);
            throw new IllegalStateException("interrupted while starting", e);
        } catch (RuntimeException e) {
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

    /** Stops accepting, closes every session and backend connection, flushes the audit trail. */
    @Override
    public void close() {
        log.info("stopping");
        shutdown(acceptors, workers, frontends, audit);
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
