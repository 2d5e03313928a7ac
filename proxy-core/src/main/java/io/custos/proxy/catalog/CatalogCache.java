package io.custos.proxy.catalog;

import static java.util.Objects.requireNonNull;

import io.custos.rewrite.Catalog;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The current catalog snapshot, refreshed in the background and whenever DDL has passed through the gateway.
 *
 * <p>Readers take {@link #current()} on any thread. One daemon thread reloads the catalog every refresh interval.
 * {@link #requestRefresh()}, which sessions call when a DDL statement has completed, invalidates the snapshot: the
 * next reader reloads it on its own thread before it reads, so no statement after the DDL is analysed with metadata
 * from before it (other readers wait for that load rather than read the stale snapshot). Loads are serialized, so a
 * slower, older load never replaces a newer snapshot. A failed load keeps the snapshot in place and logs a warning,
 * and an invalidated snapshot is then retried at most once a second; {@link #refreshNow()} throws instead, so the
 * gateway can decide at start whether to run without a catalog. {@link #refreshForUnknownName(String)} reloads when a
 * statement names a table or column the snapshot lacks, at most once a second per name and ten times a second in
 * all, whatever clients send.
 *
 * <p>Until the first successful load the snapshot is empty (no tables, version 0).
 */
public final class CatalogCache implements Supplier<Catalog>, AutoCloseable {
    public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofSeconds(60);

    private static final Logger LOG = LoggerFactory.getLogger(CatalogCache.class);
    private static final long REQUESTED_REFRESH_DELAY_MILLIS = 100;
    private static final long RETRY_NANOS = 1_000_000_000L;
    private static final long UNKNOWN_NAME_INTERVAL_MILLIS = 100;
    private static final int MAX_UNKNOWN_NAMES = 1_000;
    private static final Catalog EMPTY = Catalog.of(List.of(), 0);

    private final CatalogLoader loader;
    private final ScheduledExecutorService scheduler;
    private final AtomicBoolean refreshRequested = new AtomicBoolean();
    private final Object loadLock = new Object();

    private volatile Catalog current = EMPTY;

    /** Counts invalidations; {@link #freshAsOf} is the count the snapshot was loaded after. */
    private final AtomicLong invalidations = new AtomicLong();

    private volatile long freshAsOf;
    /** Guarded by {@link #loadLock}: when an invalidated reload last failed, and when an unknown name last reloaded. */
    private long failedNanos;

    private long unknownNameNanos;
    private boolean unknownNameReloaded;
    /** Guarded by {@link #loadLock}: when each recently unknown name last reloaded, the oldest dropped first. */
    private final Map<String, Long> unknownNames = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MAX_UNKNOWN_NAMES;
        }
    };

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

    /** The latest snapshot, reloaded first when DDL has invalidated it; empty until the first successful load. */
    public Catalog current() {
        if (freshAsOf != invalidations.get()) {
            reloadInvalidated();
        }
        return current;
    }

    @Override
    public Catalog get() {
        return current();
    }

    private void reloadInvalidated() {
        synchronized (loadLock) {
            long wanted = invalidations.get();
            if (freshAsOf >= wanted) {
                return;
            }
            if (failedNanos != 0 && System.nanoTime() - failedNanos < RETRY_NANOS) {
                return;
            }
            try {
                load(wanted);
                failedNanos = 0;
            } catch (RuntimeException e) {
                failedNanos = System.nanoTime();
                LOG.warn(
                        "Catalog reload after DDL failed, keeping catalog version {}: {}. Statements are analysed with"
                                + " the older metadata until the backend answers again",
                        Long.toHexString(current.version()),
                        e.getMessage());
            }
        }
    }

    /**
     * Reloads because a statement names a table or column the snapshot does not have. Limited so that a client sending
     * unknown names cannot make the gateway hammer the database: once a second for the same name, and one reload
     * every {@value #UNKNOWN_NAME_INTERVAL_MILLIS} ms whatever the names.
     *
     * @param name the table or column, for the limit per name
     * @return whether a reload ran and gave a different snapshot
     */
    public boolean refreshForUnknownName(String name) {
        synchronized (loadLock) {
            long now = System.nanoTime();
            if (unknownNameReloaded && now - unknownNameNanos < UNKNOWN_NAME_INTERVAL_MILLIS * 1_000_000L) {
                return false;
            }
            Long last = unknownNames.get(name);
            if (last != null && now - last < RETRY_NANOS) {
                return false;
            }
            unknownNameReloaded = true;
            unknownNameNanos = now;
            unknownNames.put(name, now);
            long before = current.version();
            try {
                load(invalidations.get());
            } catch (RuntimeException e) {
                LOG.warn("Catalog reload for the unknown name '{}' failed: {}", name, e.getMessage());
                return false;
            }
            return current.version() != before;
        }
    }

    /**
     * Reloads the catalog on the calling thread.
     *
     * @throws CatalogLoadException if the catalog cannot be read; the current snapshot stays
     */
    public void refreshNow() {
        synchronized (loadLock) {
            load(invalidations.get());
        }
    }

    /** Loads under {@link #loadLock}; {@code generation} is the invalidation count read before the load began. */
    private void load(long generation) {
        Catalog loaded = loader.load();
        freshAsOf = Math.max(freshAsOf, generation);
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

    /** Whether the backend answers now, through the catalog's pool; blocks up to the pool's connection timeout. */
    public boolean backendAnswers() {
        return loader.answers();
    }

    /**
     * Invalidates the snapshot after DDL: the next reader reloads it first. Also asks for a reload soon on the refresh
     * thread, so that an idle gateway catches up too; requests made while one is pending coalesce. Returns at once.
     */
    public void requestRefresh() {
        invalidations.incrementAndGet();
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
