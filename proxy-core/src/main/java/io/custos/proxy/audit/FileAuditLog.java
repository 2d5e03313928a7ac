package io.custos.proxy.audit;

import static java.util.Objects.requireNonNull;

import io.custos.policy.AuditSettings;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail on disk: JSON lines (see {@link AuditJson}) sealed into one hash chain (see {@link AuditChain}),
 * rotated by size and by day, continued across restarts.
 *
 * <p><b>Queue.</b> Callers only enqueue: {@link #record} puts the record on a bounded queue and returns its ticket;
 * when the queue is full it blocks until the writer catches up, so records are never dropped and a gateway that cannot
 * audit slows down instead of running unaudited. Tickets are handed out under the same lock as the queue's slots, so
 * ticket order is queue order is file order.
 *
 * <p><b>Writer.</b> A single thread owns the file and the chain. It takes whatever is queued (up to
 * {@value #MAX_BATCH_RECORDS} records), encodes and seals it, writes it with one call and forces it to disk: after
 * every batch with {@code durability: strict}, at most every flush interval with {@code relaxed}. While one force
 * runs, the next batch gathers, so under load one force covers many statements. With {@code relaxed}, where no
 * session waits for its record, the writer also lets records gather for up to {@value #RELAXED_LINGER_MILLIS} ms
 * after each batch rather than waking for every record. After a force, {@link #durable} moves up to the last ticket
 * written and the waiters registered with {@link #whenDurable} run.
 *
 * <p><b>Rotation.</b> Before a record goes into a file that has reached the rotation size, or when the day (UTC, by
 * the injected clock) is no longer the day the file began, the file is forced, renamed next to the current one with
 * its first day and seq, and a new current file begins with a {@code file_start} line linking to the last line of the
 * old one. A crash between rename and new file leaves no current file; the next start finds the newest rotated file
 * and continues from its last line.
 *
 * <p><b>Restart.</b> At start the chain continues from the last complete line on disk. A current file ending in a
 * torn line (a crash in the middle of a write) is rotated away untouched and a new file begins, so the torn bytes stay
 * for the auditor and nothing is ever appended after them. Each start writes a {@code trail_start} line saying
 * whether the previous run stopped cleanly; {@link #close} writes {@code trail_stop}.
 *
 * <p><b>Failure.</b> When a write, force or rename fails the log turns unhealthy, says so once at WARN, keeps the
 * unwritten batch and everything queued behind it, and retries every retry interval until it succeeds; a batch that
 * was partly written is resumed where it stopped, so every line is written exactly once. Sessions refuse new
 * statements while the log is unhealthy; with {@code strict}, results of statements already run stay held until their
 * records are on disk. {@link #close} drains the queue; if the file stays unwritable for longer than the close
 * timeout it gives up and reports at ERROR how many records were lost.
 */
public final class FileAuditLog implements AuditLog {
    static final int DEFAULT_QUEUE_CAPACITY = 65_536;
    static final Duration DEFAULT_RETRY_INTERVAL = Duration.ofSeconds(1);
    static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger LOG = LoggerFactory.getLogger(FileAuditLog.class);
    private static final int MAX_BATCH_RECORDS = 1024;
    private static final long IDLE_POLL_MILLIS = 200;

    /**
     * How long a relaxed writer lets records gather after a batch, at most; a quarter of the flush interval if less.
     */
    private static final long RELAXED_LINGER_MILLIS = 10;

    private static final Object CLOSE = new Object();

    private final AuditSettings settings;
    private final TrailFiles files;
    private final TrailStorage storage;
    private final Clock clock;
    private final boolean strict;
    private final long flushIntervalNanos;
    private final long lingerNanos;
    private final BlockingQueue<Object> queue;
    private final int queueCapacity;
    private final ReentrantLock enqueueLock = new ReentrantLock();
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private final long retryIntervalMillis;
    private final long closeTimeoutNanos;
    private final Thread writer;
    private final DatabaseAuditSink sink;

    /** Tickets handed out so far; guarded by {@link #enqueueLock}. */
    private long handedOver;

    private volatile boolean healthy = true;
    private volatile boolean closed;
    private volatile long closeDeadlineNanos;
    private volatile boolean gaveUp;
    private volatile long durableTickets;

    // Statistics: written by the writer thread only, read by anyone.
    private volatile long recordsWritten;
    private volatile long writes;
    private volatile long writeNanos;
    private volatile long writeErrors;
    private volatile long rotations;

    // Owned by the writer thread (and by the constructor before the thread starts).
    private final TrailEncoder encoder;
    private ByteBuffer unwritten;
    private int pendingRecords;
    private TrailStorage.Appender appender;
    private boolean dirty;
    private boolean directoryChanged;
    private long lastForceNanos = System.nanoTime();
    private long fileBytes;
    private LocalDate fileDay;
    private long fileFirstSeq;
    private long encodedTickets;
    private long writtenTickets;
    private final List<DatabaseAuditSink.Row> forSink = new ArrayList<>();

    public FileAuditLog(AuditSettings settings) {
        this(settings, TrailStorage.FILES, Clock.systemUTC());
    }

    /** A log over {@code storage}, rotating by {@code clock}'s days: for tests that make writes fail or days pass. */
    public FileAuditLog(AuditSettings settings, TrailStorage storage, Clock clock) {
        this(settings, storage, clock, DEFAULT_QUEUE_CAPACITY, DEFAULT_RETRY_INTERVAL, DEFAULT_CLOSE_TIMEOUT);
    }

    /**
     * @throws IllegalStateException if the key cannot be read, or the trail on disk cannot be read to continue its
     *     chain
     */
    FileAuditLog(
            AuditSettings settings,
            TrailStorage storage,
            Clock clock,
            int queueCapacity,
            Duration retryInterval,
            Duration closeTimeout) {
        this.settings = requireNonNull(settings, "settings is null");
        this.files = new TrailFiles(settings.file().toAbsolutePath());
        this.storage = requireNonNull(storage, "storage is null");
        this.clock = requireNonNull(clock, "clock is null");
        if (queueCapacity <= 0) {
            throw new IllegalArgumentException("queueCapacity: " + queueCapacity + " (expected: > 0)");
        }
        this.strict = settings.durability() == AuditSettings.Durability.STRICT;
        this.flushIntervalNanos = settings.flushInterval().toNanos();
        this.lingerNanos = Math.min(TimeUnit.MILLISECONDS.toNanos(RELAXED_LINGER_MILLIS), flushIntervalNanos / 4);
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.queueCapacity = queueCapacity;
        this.retryIntervalMillis = retryInterval.toMillis();
        this.closeTimeoutNanos = closeTimeout.toNanos();
        byte[] key;
        try {
            key = AuditChain.keyBytes(settings.key().read(), settings.key().describe());
        } catch (IllegalStateException e) {
            throw new IllegalStateException("Cannot read the audit trail's key: " + e.getMessage(), e);
        }
        try {
            this.encoder = recover(key);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "Cannot read the audit trail '" + files.current() + "' to continue its chain: " + e.getMessage(),
                    e);
        }
        this.sink = settings.sink()
                .map(sinkSettings -> new DatabaseAuditSink(sinkSettings, files.current()))
                .orElse(null);
        this.writer = new Thread(this::run, "custos-audit-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    @Override
    public long record(AuditRecord record) {
        requireNonNull(record, "record is null");
        if (closed) {
            throw new IllegalStateException("Audit log '" + files.current() + "' is closed");
        }
        enqueueLock.lock();
        try {
            enqueue(record);
            return ++handedOver;
        } finally {
            enqueueLock.unlock();
        }
    }

    /**
     * {@inheritDoc} While the file cannot be written this waits for it to become writable again.
     *
     * @throws IllegalStateException if the log was closed and gave up on records it could not write
     */
    @Override
    public void flush() {
        if (!closed) {
            FlushRequest request = new FlushRequest();
            enqueue(request);
            LockSupport.unpark(writer);
            if (request.await(writer)) {
                return;
            }
        }
        // Closed, or closing: close() writes everything it can before the writer stops.
        awaitWriter();
        if (gaveUp) {
            throw new IllegalStateException("Audit log '" + files.current() + "' was closed with records not written");
        }
    }

    /**
     * {@inheritDoc} While the file cannot be written this keeps retrying for the close timeout, then gives up and
     * logs how many records were lost.
     */
    @Override
    public synchronized void close() {
        if (!closed) {
            closeDeadlineNanos = System.nanoTime() + closeTimeoutNanos;
            closed = true;
            enqueue(CLOSE);
            LockSupport.unpark(writer);
        }
        awaitWriter();
        if (sink != null) {
            sink.close();
        }
    }

    @Override
    public boolean healthy() {
        return healthy;
    }

    @Override
    public boolean holdsResults() {
        return strict;
    }

    @Override
    public long durable() {
        return durableTickets;
    }

    @Override
    public void whenDurable(long ticket, Runnable action) {
        if (durableTickets >= ticket) {
            action.run();
            return;
        }
        Waiter waiter = new Waiter(ticket, action);
        waiters.add(waiter);
        // The writer may have moved past the ticket between the check and the add.
        if (durableTickets >= ticket && waiters.remove(waiter)) {
            action.run();
        }
    }

    @Override
    public AuditStatus status() {
        return new AuditStatus(
                healthy,
                queue.size(),
                queueCapacity,
                recordsWritten,
                writes,
                writeNanos,
                writeErrors,
                rotations,
                sink == null ? 0 : sink.backlog(),
                sink == null ? 0 : sink.written(),
                sink == null ? 0 : sink.errors(),
                sink == null ? 0 : sink.dropped());
    }

    /** How many records and markers wait for the writer, for metrics. */
    public int queued() {
        return queue.size();
    }

    /** The current file records are appended to. */
    public Path file() {
        return files.current();
    }

    // ---- start: continue the chain from what is on disk

    private TrailEncoder recover(byte[] key) throws IOException {
        Path current = files.current();
        Instant now = clock.instant();
        // Only a regular file holds a trail; anything else in its place (a directory, a device) fails at the first
        // write, which is where an unwritable trail is reported.
        boolean existing = Files.isRegularFile(current) && Files.size(current) > 0;
        Optional<TrailFiles.Ends> ends = existing ? TrailFiles.ends(current) : Optional.empty();
        if (ends.isPresent() && !ends.get().torn()) {
            TrailFiles.Ends found = ends.get();
            TrailEncoder resumed = new TrailEncoder(
                    new AuditChain(key, found.last().seq(), found.last().mac()));
            fileBytes = Files.size(current);
            fileDay = TrailFiles.day(found.first().time());
            fileFirstSeq = found.first().seq();
            resumed.trailStart(now, restartReason(found.last()));
            LOG.info(
                    "Audit trail '{}' continues after record {} ({} durability)",
                    current,
                    found.last().seq(),
                    settings.durability().policyName());
            return resumed;
        }

        String reason = "gateway started";
        Optional<TrailFiles.Line> last = ends.map(TrailFiles.Ends::last);
        Optional<Path> previous = Optional.empty();
        if (existing) {
            // A torn last line: keep the file as it is, under its rotated name, and begin a new one.
            long firstSeq = ends.map(found -> found.first().seq()).orElse(0L);
            LocalDate day =
                    ends.map(found -> TrailFiles.day(found.first().time())).orElse(TrailFiles.day(now));
            Path aside = files.rotated(day, firstSeq);
            storage.move(current, aside);
            LOG.warn(
                    "Audit file '{}' ends with an incomplete line (the gateway stopped while writing it); kept as"
                            + " '{}', a new file continues the chain",
                    current,
                    aside);
            reason = "the previous file ends with an incomplete line";
            previous = Optional.of(aside);
        }
        if (last.isEmpty()) {
            previous = files.lastRotated();
            if (previous.isPresent()) {
                last = TrailFiles.ends(previous.get()).map(TrailFiles.Ends::last);
            }
        }
        AuditChain chain = last.map(line -> new AuditChain(key, line.seq(), line.mac()))
                .orElseGet(() -> new AuditChain(key, 0, AuditChain.GENESIS));
        TrailEncoder started = new TrailEncoder(chain);
        fileBytes = 0;
        fileDay = TrailFiles.day(now);
        fileFirstSeq = chain.nextSeq();
        directoryChanged = true;
        started.fileStart(
                now,
                last.isPresent()
                        ? previous.map(path -> path.getFileName().toString()).orElse(null)
                        : null,
                last.isPresent() ? reason : "new trail");
        started.trailStart(now, last.map(FileAuditLog::restartReason).orElse("new trail"));
        LOG.info(
                "Audit trail '{}' {} ({} durability)",
                current,
                last.isPresent() ? "continues after record " + chain.seq() : "begins",
                settings.durability().policyName());
        return started;
    }

    private static String restartReason(TrailFiles.Line last) {
        return TrailEncoder.TRAIL_STOP.equals(last.event())
                ? "restarted after a clean stop"
                : "restarted after an unclean stop (the previous run ended without trail_stop)";
    }

    // ---- callers' side

    private void enqueue(Object item) {
        boolean interrupted = false;
        while (true) {
            try {
                queue.put(item);
                break;
            } catch (InterruptedException e) {
                // A record must not be lost because its caller was interrupted; keep the interrupt for later.
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitWriter() {
        boolean interrupted = false;
        while (writer.isAlive()) {
            try {
                writer.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the writer thread

    private void run() {
        List<Object> batch = new ArrayList<>(MAX_BATCH_RECORDS);
        long pollMillis = strict ? IDLE_POLL_MILLIS : Math.max(1, TimeUnit.NANOSECONDS.toMillis(flushIntervalNanos));
        try {
            writePending();
            force();
            while (true) {
                Object first = queue.poll(pollMillis, TimeUnit.MILLISECONDS);
                if (first == null) {
                    force();
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH_RECORDS - 1);
                boolean full = batch.size() == MAX_BATCH_RECORDS;
                boolean stop = handle(batch);
                batch.clear();
                if (stop) {
                    return;
                }
                if (!strict && !full) {
                    // Nobody waits for a relaxed record: let the next batch gather instead of waking for each record
                    // (one thread wake-up and one write per statement cost more than encoding it). flush() and close()
                    // cut the wait short. A full batch means records arrive faster than that: no waiting then, or the
                    // bounded queue would hold the sessions back at one batch per wait.
                    LockSupport.parkNanos(this, lingerNanos);
                }
            }
        } catch (GiveUpException e) {
            gaveUp = true;
            int lost = pendingRecords
                    + (int) queue.stream().filter(AuditRecord.class::isInstance).count();
            LOG.error(
                    "Closing audit log '{}' with {} records not written: the file stayed unwritable",
                    files.current(),
                    lost);
        } catch (InterruptedException e) {
            LOG.error("Audit writer for '{}' interrupted with {} records queued", files.current(), queue.size());
        } finally {
            closeAppender();
        }
    }

    private boolean handle(List<Object> batch) throws InterruptedException {
        for (int index = 0; index < batch.size(); index++) {
            Object item = batch.get(index);
            if (item instanceof AuditRecord record) {
                encode(record);
                continue;
            }
            if (item instanceof FlushRequest request) {
                writePending();
                force();
                request.done();
                continue;
            }
            if (item == CLOSE) {
                finish(new ArrayList<>(batch.subList(index + 1, batch.size())));
                return true;
            }
        }
        writePending();
        if (strict || System.nanoTime() - lastForceNanos >= flushIntervalNanos) {
            force();
        }
        return false;
    }

    /** Writes what is still queued after the close marker (records that raced with close), then trail_stop. */
    private void finish(List<Object> rest) throws InterruptedException {
        queue.drainTo(rest);
        for (Object item : rest) {
            if (item instanceof AuditRecord record) {
                encode(record);
            }
        }
        try {
            encoder.trailStop(clock.instant());
        } catch (IOException | RuntimeException e) {
            LOG.error("Cannot encode the trail_stop line of '{}'", files.current(), e);
        }
        writePending();
        force();
        for (Object item : rest) {
            if (item instanceof FlushRequest request) {
                request.done();
            }
        }
    }

    private void encode(AuditRecord record) throws InterruptedException {
        rotateIfDue();
        try {
            encoder.record(record);
            pendingRecords++;
            if (sink != null) {
                AuditChain chain = encoder.chain();
                forSink.add(new DatabaseAuditSink.Row(
                        chain.seq(), record, encoder.lastLine(), AuditChain.hex(chain.last())));
            }
        } catch (IOException | RuntimeException e) {
            // Writing to memory cannot fail; anything thrown here is a bug in the encoder.
            LOG.error("[{}] Cannot encode audit record {}", record.sessionId(), record.event(), e);
        }
        // Counted even when it could not be encoded, so that nobody waits for it forever.
        encodedTickets++;
    }

    private void rotateIfDue() throws InterruptedException {
        Instant now = clock.instant();
        String reason;
        if (settings.rotateDaily() && !TrailFiles.day(now).equals(fileDay)) {
            reason = "rotated: a new day began (UTC)";
        } else if (fileBytes + encoder.size() >= settings.rotateBytes()) {
            reason = "rotated: the file reached " + settings.rotateBytes() + " bytes";
        } else {
            return;
        }
        writePending();
        force();
        closeAppender();
        Path aside = files.rotated(fileDay, fileFirstSeq);
        retrying(() -> {
            if (Files.exists(files.current())) {
                storage.move(files.current(), aside);
            }
        });
        rotations++;
        directoryChanged = true;
        fileBytes = 0;
        fileDay = TrailFiles.day(now);
        fileFirstSeq = encoder.chain().nextSeq();
        try {
            encoder.fileStart(now, aside.getFileName().toString(), reason);
        } catch (IOException | RuntimeException e) {
            LOG.error("Cannot encode the file_start line of '{}'", files.current(), e);
        }
        LOG.info("Audit file rotated to '{}': {}", aside, reason);
    }

    private void writePending() throws InterruptedException {
        if (encoder.size() == 0) {
            return;
        }
        if (unwritten == null) {
            unwritten = encoder.view();
        }
        long started = System.nanoTime();
        retrying(() -> {
            TrailStorage.Appender target = open();
            while (unwritten.hasRemaining()) {
                fileBytes += target.write(unwritten);
            }
        });
        writeNanos += System.nanoTime() - started;
        encoder.reset();
        unwritten = null;
        recordsWritten += pendingRecords;
        pendingRecords = 0;
        writtenTickets = encodedTickets;
        dirty = true;
    }

    private void force() throws InterruptedException {
        if (!dirty) {
            return;
        }
        long started = System.nanoTime();
        retrying(() -> {
            open().force();
            if (directoryChanged) {
                storage.syncDirectory(files.directory());
            }
        });
        directoryChanged = false;
        dirty = false;
        lastForceNanos = System.nanoTime();
        writeNanos += lastForceNanos - started;
        writes++;
        durableTickets = writtenTickets;
        notifyWaiters();
        if (sink != null) {
            // Every force follows a write of everything encoded, so these records are all on disk now.
            forSink.forEach(row -> sink.offer(row.seq(), row.record(), row.line(), row.mac()));
            forSink.clear();
        }
    }

    private void notifyWaiters() {
        long durable = durableTickets;
        for (Waiter waiter : waiters) {
            if (waiter.ticket <= durable && waiters.remove(waiter)) {
                try {
                    waiter.action.run();
                } catch (RuntimeException e) {
                    LOG.error("A waiter for audit record {} failed", waiter.ticket, e);
                }
            }
        }
    }

    /** Runs {@code step} until it succeeds, turning unhealthy and pausing between attempts while it fails. */
    private void retrying(IoStep step) throws InterruptedException {
        while (true) {
            try {
                step.run();
                recovered();
                return;
            } catch (IOException e) {
                failed(e);
                pause();
            }
        }
    }

    private TrailStorage.Appender open() throws IOException {
        if (appender == null) {
            appender = storage.open(files.current());
        }
        return appender;
    }

    private void failed(IOException cause) {
        writeErrors++;
        closeAppender();
        if (healthy) {
            healthy = false;
            LOG.warn(
                    "Cannot write audit file '{}': {}; statements are refused until it can be written. Free space on"
                            + " its file system or restore write permission; holding {} records, retrying every {} ms",
                    files.current(),
                    cause.toString(),
                    pendingRecords + queue.size(),
                    retryIntervalMillis);
        }
    }

    private void recovered() {
        if (!healthy) {
            healthy = true;
            LOG.info("Audit file '{}' is writable again; statements are accepted", files.current());
        }
    }

    private void pause() throws InterruptedException {
        if (closed && System.nanoTime() - closeDeadlineNanos > 0) {
            throw new GiveUpException();
        }
        Thread.sleep(retryIntervalMillis);
    }

    private void closeAppender() {
        if (appender == null) {
            return;
        }
        try {
            appender.close();
        } catch (IOException e) {
            LOG.debug("Closing audit file '{}' failed", files.current(), e);
        }
        appender = null;
    }

    @FunctionalInterface
    private interface IoStep {
        void run() throws IOException;
    }

    /** An action waiting for a ticket to become durable; compared by identity. */
    private static final class Waiter {
        final long ticket;
        final Runnable action;

        Waiter(long ticket, Runnable action) {
            this.ticket = ticket;
            this.action = action;
        }
    }

    private static final class FlushRequest {
        private final CountDownLatch latch = new CountDownLatch(1);

        void done() {
            latch.countDown();
        }

        /** Waits until the writer reaches this request (true) or stops because the log was closed (false). */
        boolean await(Thread writer) {
            boolean interrupted = false;
            try {
                while (writer.isAlive()) {
                    try {
                        if (latch.await(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                            return true;
                        }
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                return latch.getCount() == 0;
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private static final class GiveUpException extends RuntimeException {
        GiveUpException() {
            super(null, null, false, false);
        }
    }
}
