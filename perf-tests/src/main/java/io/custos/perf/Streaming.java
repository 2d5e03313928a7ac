package io.custos.perf;

import io.custos.policy.Backend;
import java.io.IOException;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.postgresql.PGConnection;

/**
 * A large result read slowly through the gateway, with the gateway's heap sampled meanwhile: the database produces
 * rows faster than the client takes them, so a relay that does not stop reading from the database when its client
 * cannot keep up would hold the difference in its heap.
 *
 * <p>PostgreSQL: {@code COPY (SELECT …) TO STDOUT} as {@code it_admin}, whose role may export; pgjdbc's CopyManager
 * reads each CopyData message off the socket only when the slow output stream has taken the previous one (a plain
 * SELECT would be read into the client's memory whole, or fetched in portions of a cursor, which never lets the
 * server run ahead). MySQL: a SELECT over MariaDB's sequence engine, streamed by Connector/J (a fetch size reads rows
 * off the socket as the application asks for them).
 *
 * <p>Each row carries {@link #ROW_PAYLOAD_BYTES} characters. The heap is sampled after a full collection, which is what
 * the gateway holds; the samples are the figures, and "flat" means the largest stays within {@link #FLAT_BYTES} of the
 * heap before the result started.
 */
final class Streaming {
    static final int ROW_PAYLOAD_BYTES = 1000;
    static final long FLAT_BYTES = 48L << 20;
    private static final long SAMPLE_INTERVAL_MILLIS = 2_000;

    private Streaming() {}

    /** What one streamed result showed. */
    record Outcome(
            Backend.Protocol protocol,
            long bytes,
            double seconds,
            long heapBefore,
            long heapMax,
            long heapAfter,
            long residentBefore,
            long residentMax,
            int samples) {
        boolean flat() {
            return heapMax - heapBefore <= FLAT_BYTES;
        }

        Map<String, Object> figures() {
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("protocol", protocol.name().toLowerCase());
            figures.put("resultMiB", bytes >> 20);
            figures.put("seconds", seconds);
            figures.put("clientMiBPerSecond", bytes / seconds / (1 << 20));
            figures.put("heapBeforeMiB", heapBefore / (double) (1 << 20));
            figures.put("heapMaxMiB", heapMax / (double) (1 << 20));
            figures.put("heapAfterMiB", heapAfter / (double) (1 << 20));
            figures.put("residentBeforeMiB", residentBefore / (double) (1 << 20));
            figures.put("residentMaxMiB", residentMax / (double) (1 << 20));
            figures.put("heapSamples", samples);
            figures.put("heapFlat", flat());
            return figures;
        }
    }

    /**
     * Streams {@code bytes} of result through {@code target} (a gateway) at no more than {@code clientBytesPerSecond},
     * sampling {@code gateway}'s memory.
     */
    static Outcome run(Target target, GatewayHandle gateway, long bytes, long clientBytesPerSecond)
            throws SQLException, IOException, InterruptedException {
        long rows = Math.max(1, bytes / (ROW_PAYLOAD_BYTES + 8));
        GatewayHandle.Memory before = gateway.memory();
        List<GatewayHandle.Memory> samples = new ArrayList<>();
        AtomicBoolean done = new AtomicBoolean();
        Thread sampler = new Thread(() -> sample(gateway, samples, done), "heap-sampler");
        long started = System.nanoTime();
        long read;
        try (Connection connection = target.connect("it_admin", false)) {
            sampler.start();
            Throttle throttle = new Throttle(clientBytesPerSecond);
            read = target.protocol() == Backend.Protocol.POSTGRESQL
                    ? copyOut(connection, rows, throttle)
                    : select(connection, rows, throttle);
        } finally {
            done.set(true);
            sampler.interrupt();
            sampler.join();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        GatewayHandle.Memory after = gateway.memory();
        long heapMax = before.heapUsed();
        long residentMax = before.resident();
        synchronized (samples) {
            for (GatewayHandle.Memory sample : samples) {
                heapMax = Math.max(heapMax, sample.heapUsed());
                residentMax = Math.max(residentMax, sample.resident());
            }
        }
        return new Outcome(
                target.protocol(),
                read,
                seconds,
                before.heapUsed(),
                heapMax,
                after.heapUsed(),
                before.resident(),
                residentMax,
                samples.size());
    }

    private static void sample(GatewayHandle gateway, List<GatewayHandle.Memory> samples, AtomicBoolean done) {
        while (!done.get()) {
            try {
                Thread.sleep(SAMPLE_INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            if (done.get()) {
                return;
            }
            GatewayHandle.Memory memory = gateway.memory();
            synchronized (samples) {
                samples.add(memory);
            }
        }
    }

    private static long copyOut(Connection connection, long rows, Throttle throttle) throws SQLException, IOException {
        CountingStream out = new CountingStream(throttle);
        connection
                .unwrap(PGConnection.class)
                .getCopyAPI()
                .copyOut(
                        "COPY (SELECT g, repeat('x', " + ROW_PAYLOAD_BYTES + ") FROM generate_series(1, " + rows
                                + ") g) TO STDOUT",
                        out);
        return out.count;
    }

    private static long select(Connection connection, long rows, Throttle throttle) throws SQLException {
        long read = 0;
        try (Statement statement = connection.createStatement()) {
            statement.setFetchSize(256);
            try (ResultSet result = statement.executeQuery(
                    "SELECT seq, REPEAT('x', " + ROW_PAYLOAD_BYTES + ") FROM seq_1_to_" + rows)) {
                while (result.next()) {
                    int length = result.getString(2).length() + 8;
                    read += length;
                    throttle.take(length);
                }
            }
        }
        return read;
    }

    /** Lets through at most a given number of bytes per second, by sleeping. */
    static final class Throttle {
        private final long bytesPerSecond;
        private final long startNanos = System.nanoTime();
        private long taken;

        Throttle(long bytesPerSecond) {
            this.bytesPerSecond = bytesPerSecond;
        }

        void take(long bytes) {
            taken += bytes;
            long dueNanos = startNanos + TimeUnit.SECONDS.toNanos(1) * taken / bytesPerSecond;
            long aheadNanos = dueNanos - System.nanoTime();
            if (aheadNanos > TimeUnit.MILLISECONDS.toNanos(1)) {
                try {
                    TimeUnit.NANOSECONDS.sleep(aheadNanos);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private static final class CountingStream extends OutputStream {
        private final Throttle throttle;
        private long count;

        CountingStream(Throttle throttle) {
            this.throttle = throttle;
        }

        @Override
        public void write(int b) {
            count++;
            throttle.take(1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            count += length;
            throttle.take(length);
        }
    }
}
