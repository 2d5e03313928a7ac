package io.custos.perf;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * A closed-loop run: {@code clients} threads, each with its own connection (opened before the clock starts), issue
 * the workload's statements back to back, unrecorded during the warm-up and timed into an HdrHistogram afterwards.
 * The statements a thread has in flight when the measurement ends are not counted.
 */
final class LoadRun {
    /** Latencies above a minute are recorded as a minute. */
    private static final long HIGHEST_NANOS = TimeUnit.MINUTES.toNanos(1);

    /** A thread that fails this many statements in a row stops: its connection is most likely gone. */
    private static final int MAX_CONSECUTIVE_ERRORS = 50;

    private LoadRun() {}

    static RunResult run(Target target, Workload workload, int clients, Duration warmUp, Duration measured, int round)
            throws SQLException, InterruptedException {
        List<Connection> connections = new ArrayList<>();
        try {
            for (int client = 0; client < clients; client++) {
                connections.add(target.connect(workload.gatewayUser(), workload.prepared()));
            }
            return drive(target, workload, connections, warmUp, measured, round);
        } finally {
            for (Connection connection : connections) {
                try {
                    connection.close();
                } catch (SQLException e) {
                    // The run's figures stand; a connection that fails to close changes none of them.
                }
            }
        }
    }

    private static RunResult drive(
            Target target,
            Workload workload,
            List<Connection> connections,
            Duration warmUp,
            Duration measured,
            int round)
            throws InterruptedException {
        int clients = connections.size();
        CountDownLatch ready = new CountDownLatch(clients);
        CountDownLatch go = new CountDownLatch(1);
        AtomicLong startNanos = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        Histogram[] histograms = new Histogram[clients];
        List<Thread> threads = new ArrayList<>();
        for (int client = 0; client < clients; client++) {
            Histogram histogram = new Histogram(HIGHEST_NANOS, 3);
            histograms[client] = histogram;
            Connection connection = connections.get(client);
            SplittableRandom random = new SplittableRandom(round * 1_000L + client);
            Thread thread = new Thread(
                    () -> {
                        try (Workload.Operation operation = workload.factory().open(connection)) {
                            ready.countDown();
                            go.await();
                            loop(operation, random, histogram, startNanos.get(), warmUp, measured, errors, firstError);
                        } catch (SQLException e) {
                            errors.incrementAndGet();
                            firstError.compareAndSet(null, e.getMessage());
                            ready.countDown();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    },
                    "load-" + client);
            threads.add(thread);
            thread.start();
        }
        ready.await();
        startNanos.set(System.nanoTime());
        go.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        Histogram total = new Histogram(HIGHEST_NANOS, 3);
        for (Histogram histogram : histograms) {
            total.add(histogram);
        }
        double seconds = measured.toNanos() / 1e9;
        return new RunResult(
                workload.name(),
                target.name(),
                round,
                clients,
                total.getTotalCount(),
                errors.get(),
                firstError.get(),
                seconds,
                total.getTotalCount() / seconds,
                total.getMean() / 1e3,
                total.getValueAtPercentile(50) / 1e3,
                total.getValueAtPercentile(90) / 1e3,
                total.getValueAtPercentile(99) / 1e3,
                total.getMaxValue() / 1e3);
    }

    private static void loop(
            Workload.Operation operation,
            SplittableRandom random,
            Histogram histogram,
            long startNanos,
            Duration warmUp,
            Duration measured,
            AtomicLong errors,
            AtomicReference<String> firstError) {
        long measureFrom = startNanos + warmUp.toNanos();
        long end = measureFrom + measured.toNanos();
        int consecutiveErrors = 0;
        while (true) {
            long before = System.nanoTime();
            if (before >= end) {
                return;
            }
            try {
                operation.run(random);
                consecutiveErrors = 0;
            } catch (SQLException e) {
                if (before >= measureFrom) {
                    errors.incrementAndGet();
                    firstError.compareAndSet(null, e.getMessage());
                }
                if (++consecutiveErrors >= MAX_CONSECUTIVE_ERRORS) {
                    errors.incrementAndGet();
                    firstError.compareAndSet(null, e.getMessage());
                    return;
                }
                continue;
            }
            long after = System.nanoTime();
            if (before >= measureFrom && after <= end) {
                histogram.recordValue(Math.min(after - before, HIGHEST_NANOS));
            }
        }
    }
}
