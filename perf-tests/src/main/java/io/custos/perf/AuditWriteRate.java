package io.custos.perf;

import io.custos.policy.AuditSettings;
import io.custos.policy.SecretSource;
import io.custos.policy.StatementClass;
import io.custos.proxy.audit.AuditContext;
import io.custos.proxy.audit.AuditRecord;
import io.custos.proxy.audit.FileAuditLog;
import io.custos.proxy.audit.TrailStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * The audit trail's sustained write rate on this machine, in both durability modes.
 *
 * <p>Open loop: four producer threads hand records over as fast as the log takes them (the queue exerts the
 * backpressure), the rate the writer sustains. Closed loop, strict only: N sessions each wait until their record is
 * durable before the next, as a session holding a statement's result does; the rate and the wait show what group
 * commit gives with N sessions in flight.
 *
 * <p>Run after {@code mvn -q -DskipTests package}:
 * {@code java -cp deploy/target/custos.jar:perf-tests/target/classes io.custos.perf.AuditWriteRate [seconds] [dir]}.
 * The directory should be on the disk the trail would use (default: the system's temporary directory).
 */
public final class AuditWriteRate {
    private static final AuditContext CONTEXT = AuditContext.connection(7, "10.0.0.8:51544", "postgresql")
            .authenticated("clerk", "info_clerk", "custos_demo");
    private static final String NORMALIZED =
            "SELECT id, project_id, name, mobile, created_at FROM customer WHERE id = ? AND project_id IN (?, ?, ?)";

    private AuditWriteRate() {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        Path directory = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("custos-audit-rate");
        System.out.printf("%-8s %-18s %14s %14s%n", "mode", "load", "records/s", "mean wait us");
        run(directory, AuditSettings.Durability.RELAXED, 0, seconds);
        run(directory, AuditSettings.Durability.STRICT, 0, seconds);
        for (int sessions : new int[] {1, 8, 64}) {
            run(directory, AuditSettings.Durability.STRICT, sessions, seconds);
        }
        System.out.printf(
                "%d s per run after 2 s of warm-up; %d cores; trail in %s%n",
                seconds, Runtime.getRuntime().availableProcessors(), directory);
    }

    /** {@code sessions}: 0 for the open loop, otherwise closed-loop sessions waiting for durability. */
    private static void run(Path directory, AuditSettings.Durability durability, int sessions, int seconds)
            throws Exception {
        Path file = directory.resolve("rate-" + durability.policyName() + "-" + sessions + ".jsonl");
        AuditSettings settings = AuditSettings.of(file, new SecretSource.Given("audit-write-rate-harness-key"))
                .withDurability(durability);
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        LongAdder records = new LongAdder();
        LongAdder waitNanos = new LongAdder();
        List<Thread> threads = new ArrayList<>();
        try (FileAuditLog log = new FileAuditLog(settings, TrailStorage.FILES, Clock.systemUTC())) {
            int count = sessions == 0 ? 4 : sessions;
            for (int index = 0; index < count; index++) {
                Thread thread = new Thread(() -> {
                    AuditRecord record =
                            AuditRecord.allowed(CONTEXT, StatementClass.READ, NORMALIZED, "d", 1, 250, "v1");
                    while (!stop.get()) {
                        long ticket = log.record(record);
                        if (sessions > 0) {
                            long started = System.nanoTime();
                            awaitDurable(log, ticket);
                            if (measuring.get()) {
                                waitNanos.add(System.nanoTime() - started);
                            }
                        }
                        if (measuring.get()) {
                            records.increment();
                        }
                    }
                });
                thread.start();
                threads.add(thread);
            }
            Thread.sleep(2_000);
            long startDurable = log.durable();
            measuring.set(true);
            long started = System.nanoTime();
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            measuring.set(false);
            log.flush();
            long elapsed = System.nanoTime() - started;
            stop.set(true);
            for (Thread thread : threads) {
                thread.join();
            }
            long handed = records.sum();
            double rate = handed * 1e9 / elapsed;
            String load = sessions == 0 ? "4 producers" : sessions + " sessions";
            String wait = sessions == 0 ? "-" : String.format("%.0f", waitNanos.sum() / 1e3 / Math.max(1, handed));
            System.out.printf("%-8s %-18s %14.0f %14s%n", durability.policyName(), load, rate, wait);
            if (log.durable() < startDurable) {
                throw new IllegalStateException("durable went backwards");
            }
        }
        deleteTrail(directory);
    }

    private static void awaitDurable(FileAuditLog log, long ticket) {
        if (log.durable() >= ticket) {
            return;
        }
        CountDownLatch latch = new CountDownLatch(1);
        log.whenDurable(ticket, latch::countDown);
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteTrail(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.filter(path -> path.getFileName().toString().startsWith("rate-"))
                    .toList()) {
                Files.delete(file);
            }
        }
    }
}
