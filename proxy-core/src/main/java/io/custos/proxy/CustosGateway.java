package io.custos.proxy;

import io.custos.policy.Backend;
import io.custos.policy.Listener;
import io.custos.policy.Policy;
import io.custos.proxy.audit.AuditLog;
import io.custos.proxy.audit.FileAuditLog;
import io.custos.proxy.catalog.CatalogCache;
import io.custos.proxy.catalog.CatalogLoader;
import io.custos.proxy.postgres.PostgresServer;
import io.custos.proxy.session.SessionRegistry;
import io.custos.rewrite.StatementGate;
import io.custos.rewrite.analysis.QueryMasker;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: one listener per protocol the policy names, in front of the policy's backends.
 *
 * <p>Start order: audit trail (nothing may run unaudited), catalog (the gate needs it), analysis warm-up (the first
 * Calcite statement costs about a second), then the listeners. Close runs the other way round.
 */
public final class CustosGateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CustosGateway.class);
    private static final int GATE_CACHE_ENTRIES = 10_000;

    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final AuditLog audit;
    private final CatalogCache catalog;
    private final PostgresServer postgres;
    private final InetSocketAddress postgresAddress;

    private CustosGateway(
            EventLoopGroup acceptors,
            EventLoopGroup workers,
            AuditLog audit,
            CatalogCache catalog,
            PostgresServer postgres,
            InetSocketAddress postgresAddress) {
        this.acceptors = acceptors;
        this.workers = workers;
        this.audit = audit;
        this.catalog = catalog;
        this.postgres = postgres;
        this.postgresAddress = postgresAddress;
    }

    /**
     * Binds the listeners the policy names (port 0 picks a free port) and starts serving. Throws if a listener cannot
     * bind or the backend's catalog cannot be read.
     */
    public static CustosGateway start(Policy policy) {
        Backend backend = policy.backend(Backend.Protocol.POSTGRESQL)
                .orElseThrow(() -> new IllegalArgumentException("the policy names no PostgreSQL backend"));
        Listener listener = policy.listener(Backend.Protocol.POSTGRESQL)
                .orElseThrow(() -> new IllegalArgumentException("the policy names no PostgreSQL listener"));
        SecureRandom random = new SecureRandom();
        byte[] serverSecret = new byte[32];
        random.nextBytes(serverSecret);

        AuditLog audit = new FileAuditLog(policy.audit());
        CatalogCache catalog = null;
        EventLoopGroup acceptors = null;
        EventLoopGroup workers = null;
        try {
            catalog = new CatalogCache(new CatalogLoader(backend), Duration.ofSeconds(60));
            catalog.refreshNow();
            QueryMasker masker = new QueryMasker(catalog::current);
            QueryMasker.warmUp();
            CatalogCache catalogCache = catalog;
            StatementGate gate =
                    new StatementGate(masker, () -> catalogCache.current().version(), GATE_CACHE_ENTRIES);
            Supplier<Policy> policySupplier = () -> policy;
            GatewayContext context = new GatewayContext(
                    policySupplier,
                    gate,
                    audit,
                    catalog::current,
                    catalog::requestRefresh,
                    new SessionRegistry(random),
                    random,
                    serverSecret);
            acceptors = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
            workers = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
            PostgresServer postgres = new PostgresServer(context, acceptors, workers);
            InetSocketAddress address = postgres.bind(listener.host(), listener.port());
            log.info(
                    "PostgreSQL listener on {}:{}, backend {}:{}/{}, policy version {}",
                    address.getHostString(),
                    address.getPort(),
                    backend.host(),
                    backend.port(),
                    backend.database(),
                    policy.version());
            return new CustosGateway(acceptors, workers, audit, catalog, postgres, address);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutdown(acceptors, workers, catalog, audit);
            throw new IllegalStateException("interrupted while starting", e);
        } catch (RuntimeException e) {
            shutdown(acceptors, workers, catalog, audit);
            throw e;
        }
    }

    /** The address the PostgreSQL listener is bound to. */
    public InetSocketAddress postgresAddress() {
        return postgresAddress;
    }

    /** Stops accepting, closes every session and backend connection, flushes the audit trail. */
    @Override
    public void close() {
        log.info("stopping");
        postgres.close();
        shutdown(acceptors, workers, catalog, audit);
    }

    private static void shutdown(
            EventLoopGroup acceptors, EventLoopGroup workers, CatalogCache catalog, AuditLog audit) {
        if (acceptors != null) {
            acceptors.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (workers != null) {
            workers.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (catalog != null) {
            catalog.close();
        }
        try {
            audit.close();
        } catch (Exception e) {
            log.error("audit trail could not be closed cleanly", e);
        }
    }
}
