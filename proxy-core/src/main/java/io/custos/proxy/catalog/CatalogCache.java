package io.custos.proxy.catalog;

import static java.util.Objects.requireNonNull;

import io.custos.rewrite.Catalog;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The current catalog snapshot, refreshed in the background.
 *
 * <p>Readers take {@link #current()} (one volatile read) on any thread. One daemon thread reloads the catalog every
 * refresh interval, and shortly after {@link #requestRefresh()}, which sessions call when DDL has passed through;
 * requests that arrive while one is pending are folded into it. Loads are serialized, so a slower, older load never
 * replaces a newer snapshot. A failed background load keeps the snapshot in place and logs a warning;
 * {@link #refreshNow()} throws instead, so the gateway can decide at start whether to run without a catalog.
 *
 * <p>Until the first successful load the snapshot is empty (no tables, version 0).
 */
public final class CatalogCache implements Supplier<Catalog>, AutoCloseable {
    public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofSeconds(60);

    private static final Logger LOG = LoggerFactory.getLogger(CatalogCache.class);
    private static final long REQUESTED_REFRESH_DELAY_MILLIS = 100;
    private static final Catalog EMPTY = Catalog.of(List.of(), 0);

    private final CatalogLoader loader;
    private final ScheduledExecutorService scheduler;
    private final AtomicBoolean refreshRequested = new AtomicBoolean();
    private final Object loadLock = new Object();

    private volatile Catalog current = EMPTY;

    public CatalogCache(CatalogLoader loader) {
        this(loader, DEFAULT_REFRESH_INTERVAL);
    }

    public CatalogCache(CatalogLoader loader, Duration refreshInterval) {
        this.loader = requireNonNull(loader, "loader is null");
        requireNonNull(refreshInterval, "refreshInterval is null");
        if (refreshInterval.isNegative() || refreshInterval.isZero()) {
            throw new IllegalArgumentException("refreshInterval: " + refreshInterval + " (expected: > 0)");
        }
        this.scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "custos-catalog-refresh");
            thread.setDaemon(true);
            return thread;
        });
        long intervalMillis = refreshInterval.toMillis();
        scheduler.scheduleWithFixedDelay(this::refreshQuietly, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    /** The latest snapshot; empty until the first successful load. */
    public Catalog current() {
        return current;
    }

    @Override
    public Catalog get() {
        return current;
    }

    /**
     * Reloads the catalog on the calling thread.
     *
     * @throws CatalogLoadException if the catalog cannot be read; the current snapshot stays
     */
    public void refreshNow() {
        synchronized (loadLock) {
            Catalog loaded = loader.load();
            Catalog previous = current;
            if (loaded.version() == previous.version()) {
                return;
            }
            current = loaded;
            LOG.info(
                    "Catalog of {} loaded: {} tables, version {} (was {})",
                    loader.describe(),
                    loaded.tables().size(),
                    Long.toHexString(loaded.version()),
                    Long.toHexString(previous.version()));
        }
    }

    /** Whether the backend answers now, through the catalog's pool; blocks up to the pool's connection timeout. */
    public boolean backendAnswers() {
        return loader.answers();
    }

    /** Asks for a reload soon, on the refresh thread; returns at once. Requests made while one is pending coalesce. */
    public void requestRefresh() {
        if (!refreshRequested.compareAndSet(false, true)) {
            return;
        }
        try {
            scheduler.schedule(this::requestedRefresh, REQUESTED_REFRESH_DELAY_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // Closed: nothing to refresh any more.
            refreshRequested.set(false);
        }
    }

    /** Stops the refresh thread and closes the loader's pool. */
    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("Catalog refresh thread did not stop within 10 s; closing its pool anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        loader.close();
    }

    private void requestedRefresh() {
        // Cleared before loading so that DDL arriving during the load asks for another one.
        refreshRequested.set(false);
        refreshQuietly();
    }

    private void refreshQuietly() {
        try {
            refreshNow();
        } catch (RuntimeException e) {
            // Repeats every interval while the backend is away: the stack trace only at debug.
            LOG.warn(
                    "Catalog refresh failed, keeping catalog version {}: {}. Check that the backend is reachable and"
                            + " that its user may connect to the database with the password the policy names",
                    Long.toHexString(current.version()),
                    e.getMessage());
            LOG.debug("Catalog refresh failure", e);
        }
    }
}
