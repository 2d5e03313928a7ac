package io.custos.proxy.audit;

import static java.util.Objects.requireNonNull;

import io.custos.policy.AuditSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends audit records to a file as JSON lines (see {@link AuditJson}).
 *
 * <p>Callers only enqueue: {@link #record} puts the record on a bounded queue and returns; when the queue is full it
 * blocks until the writer catches up, so records are never dropped and a gateway that cannot audit slows down instead
 * of running unaudited. A single writer thread owns the file. It takes records in batches, encodes them, writes each
 * batch with one call and forces the file to disk at most every {@value #FORCE_INTERVAL_MILLIS} ms, or at once when
 * asked to by {@link #flush}, which enqueues a marker and waits for the writer to reach it.
 *
 * <p>When a write fails the log turns unhealthy, says so once at ERROR, closes the file and keeps the unwritten batch
 * (and everything queued behind it); it reopens the file and retries every retry interval until a write succeeds. A
 * batch that was partly written is resumed where it stopped, so a record is written exactly once. {@link #close}
 * drains the queue; if the file stays unwritable for longer than the close timeout, it gives up and reports how many
 * records were lost.
 */
public final class FileAuditLog implements AuditLog {
    static final int DEFAULT_QUEUE_CAPACITY = 65_536;
    static final Duration DEFAULT_RETRY_INTERVAL = Duration.ofSeconds(1);
    static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger LOG = LoggerFactory.getLogger(FileAuditLog.class);
    private static final int MAX_BATCH_RECORDS = 1024;
    private static final long FORCE_INTERVAL_MILLIS = 200;
    private static final long FORCE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(FORCE_INTERVAL_MILLIS);
    private static final Object CLOSE = new Object();

    private final Path file;
    private final BlockingQueue<Object> queue;
    private final long retryIntervalMillis;
    private final long closeTimeoutNanos;
    private final Thread writer;

    private volatile boolean healthy;
    private volatile boolean closed;
    private volatile long closeDeadlineNanos;
    private volatile boolean gaveUp;

    // Written by the writer thread only, read by metrics.
    private volatile long writes;
    private volatile long writeNanos;
    private volatile long forces;
    private volatile long forceNanos;
    private volatile long errors;

    // Owned by the writer thread (and by the constructor before the thread starts).
    private final EncodeBuffer pending = new EncodeBuffer();
    private ByteBuffer unwritten;
    private int pendingRecords;
    private FileChannel channel;
    private boolean dirty;
    private long lastForceNanos = System.nanoTime();
    private long lastProbeNanos = System.nanoTime();

    public FileAuditLog(AuditSettings settings) {
        this(settings.file(), DEFAULT_QUEUE_CAPACITY, DEFAULT_RETRY_INTERVAL, DEFAULT_CLOSE_TIMEOUT);
    }

    FileAuditLog(Path file, int queueCapacity, Duration retryInterval, Duration closeTimeout) {
        this.file = requireNonNull(file, "file is null").toAbsolutePath();
        if (queueCapacity <= 0) {
            throw new IllegalArgumentException("queueCapacity: " + queueCapacity + " (expected: > 0)");
        }
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.retryIntervalMillis = retryInterval.toMillis();
        this.closeTimeoutNanos = closeTimeout.toNanos();
        this.healthy = true;
        try {
            open();
        } catch (IOException e) {
            failed(e);
        }
        this.writer = new Thread(this::run, "custos-audit-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    @Override
    public void record(AuditRecord record) {
        requireNonNull(record, "record is null");
        if (closed) {
            throw new IllegalStateException("Audit log '" + file + "' is closed");
        }
        enqueue(record);
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
            if (request.await(writer)) {
                return;
            }
        }
        // Closed, or closing: close() writes everything it can before the writer stops.
        awaitWriter();
        if (gaveUp) {
            throw new IllegalStateException("Audit log '" + file + "' was closed with records not written");
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
        }
        awaitWriter();
    }

    @Override
    public boolean healthy() {
        return healthy;
    }

    /** How many records and markers wait for the writer, for metrics. */
    public int queued() {
        return queue.size();
    }

    /** What the writer has done so far, for metrics. */
    public AuditWriterStatistics statistics() {
        return new AuditWriterStatistics(queue.size(), writes, writeNanos, forces, forceNanos, errors);
    }

    /** The file records are appended to. */
    public Path file() {
        return file;
    }

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

    private void run() {
        List<Object> batch = new ArrayList<>(MAX_BATCH_RECORDS);
        try {
            while (true) {
                Object first = queue.poll(FORCE_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    idle();
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH_RECORDS - 1);
                boolean stop = handle(batch);
                batch.clear();
                if (stop) {
                    return;
                }
            }
        } catch (GiveUpException e) {
            gaveUp = true;
            int lost = pendingRecords
                    + (int) queue.stream().filter(AuditRecord.class::isInstance).count();
            LOG.error("Closing audit log '{}' with {} records not written: the file stayed unwritable", file, lost);
        } catch (InterruptedException e) {
            LOG.error("Audit writer for '{}' interrupted with {} records queued", file, queue.size());
        } finally {
            closeChannel();
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
        if (System.nanoTime() - lastForceNanos >= FORCE_INTERVAL_NANOS) {
            force();
        }
        return false;
    }

    private void idle() throws InterruptedException {
        if (dirty) {
            force();
            return;
        }
        if (!healthy && System.nanoTime() - lastProbeNanos >= TimeUnit.MILLISECONDS.toNanos(retryIntervalMillis)) {
            probe();
        }
    }

    /** Writes what is still queued after the close marker (records that raced with close) and closes the file. */
    private void finish(List<Object> rest) throws InterruptedException {
        queue.drainTo(rest);
        for (Object item : rest) {
            if (item instanceof AuditRecord record) {
                encode(record);
            }
        }
        writePending();
        force();
        for (Object item : rest) {
            if (item instanceof FlushRequest request) {
                request.done();
            }
        }
    }

    private void encode(AuditRecord record) {
        int mark = pending.size();
        try {
            AuditJson.write(record, pending);
            pending.write('\n');
            pendingRecords++;
        } catch (IOException | RuntimeException e) {
            // Writing to memory cannot fail; anything thrown here is a bug in the encoder.
            pending.truncate(mark);
            LOG.error("[{}] Cannot encode audit record {}", record.sessionId(), record.event(), e);
        }
    }

    private void writePending() throws InterruptedException {
        if (pending.size() == 0) {
            return;
        }
        if (unwritten == null) {
            unwritten = pending.view();
        }
        while (true) {
            try {
                long started = System.nanoTime();
                FileChannel target = open();
                while (unwritten.hasRemaining()) {
                    target.write(unwritten);
                }
                writeNanos += System.nanoTime() - started;
                writes++;
                recovered();
                break;
            } catch (IOException e) {
                failed(e);
                pause();
            }
        }
        pending.reset();
        unwritten = null;
        pendingRecords = 0;
        dirty = true;
    }

    private void force() throws InterruptedException {
        if (!dirty) {
            return;
        }
        while (true) {
            try {
                long started = System.nanoTime();
                open().force(false);
                forceNanos += System.nanoTime() - started;
                forces++;
                recovered();
                break;
            } catch (IOException e) {
                failed(e);
                pause();
            }
        }
        dirty = false;
        lastForceNanos = System.nanoTime();
    }

    private void probe() {
        lastProbeNanos = System.nanoTime();
        try {
            open();
            recovered();
        } catch (IOException e) {
            failed(e);
        }
    }

    private FileChannel open() throws IOException {
        if (channel != null) {
            return channel;
        }
        Path parent = file.getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        channel =
                FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        return channel;
    }

    private void failed(IOException cause) {
        errors++;
        closeChannel();
        if (healthy) {
            healthy = false;
            LOG.error(
                    "Cannot write audit file '{}'; holding {} records and retrying every {} ms",
                    file,
                    pendingRecords + queue.size(),
                    retryIntervalMillis,
                    cause);
        }
    }

    private void recovered() {
        if (!healthy) {
            healthy = true;
            LOG.info("Audit file '{}' is writable again", file);
        }
    }

    private void pause() throws InterruptedException {
        if (closed && System.nanoTime() - closeDeadlineNanos > 0) {
            throw new GiveUpException();
        }
        Thread.sleep(retryIntervalMillis);
    }

    private void closeChannel() {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("Closing audit file '{}' failed", file, e);
        }
        channel = null;
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
                        if (latch.await(FORCE_INTERVAL_MILLIS, TimeUnit.MILLISECONDS)) {
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

    /** A growable byte buffer whose content can be written without copying. */
    private static final class EncodeBuffer extends ByteArrayOutputStream {
        EncodeBuffer() {
            super(64 * 1024);
        }

        ByteBuffer view() {
            return ByteBuffer.wrap(buf, 0, count);
        }

        void truncate(int size) {
            count = size;
        }
    }

    private static final class GiveUpException extends RuntimeException {
        GiveUpException() {
            super(null, null, false, false);
        }
    }
}
