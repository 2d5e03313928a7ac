package io.custos.proxy.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.custos.policy.AuditSettings;
import io.custos.policy.StatementClass;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileAuditLogTest {
    private static final Duration RETRY_INTERVAL = Duration.ofMillis(50);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path directory;

    @Test
    void record_writesOneJsonLinePerRecord_creatingParentDirectories() throws IOException {
        Path file = directory.resolve("logs/audit/custos.jsonl");
        List<AuditRecord> records = List.of(
                AuditRecord.connect(context(1), "v1"),
                AuditRecord.authOk(context(1).authenticated("张伟", "信息员", "custos_demo"), "v1"),
                AuditRecord.allowed(context(1), StatementClass.READ, "SELECT '客户' FROM project", "a1", 1, 90, "v1"));

        try (FileAuditLog log = new FileAuditLog(new AuditSettings(file))) {
            records.forEach(log::record);
        }

        assertThat(readRecords(file)).containsExactlyElementsOf(records);
        assertThat(Files.readString(file, StandardCharsets.UTF_8))
                .endsWith("}\n")
                .contains("张伟", "客户");
    }

    @Test
    void record_existingFile_isAppendedTo() throws IOException {
        Path file = directory.resolve("custos.jsonl");
        AuditRecord first = AuditRecord.connect(context(1), "v1");
        AuditRecord second = AuditRecord.connect(context(2), "v1");

        try (FileAuditLog log = newLog(file, 16)) {
            log.record(first);
        }
        try (FileAuditLog log = newLog(file, 16)) {
            log.record(second);
        }

        assertThat(readRecords(file)).containsExactly(first, second);
    }

    @Test
    void record_fromEightThreads_everyRecordIsWrittenExactlyOnce() throws Exception {
        Path file = directory.resolve("custos.jsonl");
        int threads = 8;
        int perThread = 10_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> writers = new ArrayList<>();

        try (FileAuditLog log = newLog(file, 1024)) {
            for (int t = 0; t < threads; t++) {
                long sessionId = t;
                Thread writer = new Thread(() -> {
                    awaitQuietly(start);
                    for (int i = 0; i < perThread; i++) {
                        log.record(AuditRecord.allowed(
                                context(sessionId), StatementClass.READ, "SELECT " + i, "d", i, 1, "v1"));
                    }
                });
                writer.start();
                writers.add(writer);
            }
            start.countDown();
            for (Thread writer : writers) {
                writer.join(WAIT.toMillis());
                assertThat(writer.isAlive()).isFalse();
            }
        }

        List<AuditRecord> written = readRecords(file);
        assertThat(written).hasSize(threads * perThread);
        Map<String, Long> counts = written.stream()
                .collect(Collectors.groupingBy(r -> r.sessionId() + "/" + r.rows(), Collectors.counting()));
        assertThat(counts).hasSize(threads * perThread).allSatisfy((key, count) -> assertThat(count)
                .isEqualTo(1));
        for (int t = 0; t < threads; t++) {
            long sessionId = t;
            assertThat(written.stream().filter(r -> r.sessionId() == sessionId).map(AuditRecord::rows))
                    .as("records of one thread keep their order")
                    .isSorted();
        }
    }

    @Test
    void flush_returnsOnceEarlierRecordsAreInTheFile() throws IOException {
        Path file = directory.resolve("custos.jsonl");

        try (FileAuditLog log = newLog(file, 64)) {
            for (int round = 1; round <= 5; round++) {
                for (int i = 0; i < 100; i++) {
                    log.record(AuditRecord.connect(context(round * 1000L + i), "v1"));
                }

                log.flush();

                assertThat(readRecords(file)).hasSize(round * 100);
            }
        }
    }

    @Test
    void flush_afterClose_returns() {
        FileAuditLog log = newLog(directory.resolve("custos.jsonl"), 16);
        log.close();

        log.flush();
        log.close();

        assertThat(log.healthy()).isTrue();
    }

    @Test
    void record_afterClose_isRejected() {
        FileAuditLog log = newLog(directory.resolve("custos.jsonl"), 16);
        log.close();

        assertThatThrownBy(() -> log.record(AuditRecord.connect(context(1), "v1")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is closed");
    }

    @Test
    void healthy_directoryInPlaceOfFile_turnsFalseAndRecoversWithoutLosingRecords() throws Exception {
        Path file = directory.resolve("custos.jsonl");
        Files.createDirectory(file);
        List<AuditRecord> records = new ArrayList<>();

        try (FileAuditLog log = newLog(file, 1024)) {
            assertThat(log.healthy()).isFalse();
            for (int i = 0; i < 50; i++) {
                AuditRecord record = AuditRecord.connect(context(i), "v1");
                records.add(record);
                log.record(record);
            }

            Files.delete(file);
            awaitTrue(log::healthy);
            log.flush();

            assertThat(readRecords(file)).containsExactlyElementsOf(records);
        }
    }

    @Test
    void record_queueFullWhileUnwritable_blocksUntilTheFileIsWritableAgain() throws Exception {
        Path file = directory.resolve("custos.jsonl");
        Files.createDirectory(file);
        int capacity = 4;
        int total = 100;
        List<AuditRecord> records = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            records.add(AuditRecord.connect(context(i), "v1"));
        }

        try (FileAuditLog log = newLog(file, capacity)) {
            Thread producer = new Thread(() -> records.forEach(log::record));
            producer.start();

            awaitTrue(() -> log.queued() == capacity && producer.getState() == Thread.State.WAITING);
            assertThat(log.healthy()).isFalse();
            assertThat(producer.isAlive())
                    .as("record() blocks while the queue is full")
                    .isTrue();

            Files.delete(file);
            producer.join(WAIT.toMillis());
            assertThat(producer.isAlive()).isFalse();
        }

        assertThat(readRecords(file)).containsExactlyElementsOf(records);
    }

    @Test
    void healthy_writesFailingWithDiskFull_turnsFalseAndRecoversWithoutLosingRecords() throws Exception {
        Path deviceFull = Path.of("/dev/full");
        assumeTrue(Files.isWritable(deviceFull), "needs /dev/full");
        Path file = directory.resolve("custos.jsonl");
        Files.createSymbolicLink(file, deviceFull);
        List<AuditRecord> records = new ArrayList<>();

        try (FileAuditLog log = newLog(file, 1024)) {
            assertThat(log.healthy()).as("the file opens; only writes fail").isTrue();
            for (int i = 0; i < 50; i++) {
                AuditRecord record = AuditRecord.connect(context(i), "v1");
                records.add(record);
                log.record(record);
            }
            awaitTrue(() -> !log.healthy());

            Files.delete(file);
            awaitTrue(log::healthy);
            AuditRecord last = AuditRecord.connect(context(99), "v1");
            records.add(last);
            log.record(last);
            log.flush();

            assertThat(readRecords(file)).containsExactlyElementsOf(records);
        }
    }

    @Test
    void close_fileStaysUnwritable_givesUpAfterTheCloseTimeout() throws IOException {
        Path file = directory.resolve("custos.jsonl");
        Files.createDirectory(file);
        FileAuditLog log = new FileAuditLog(file, 16, RETRY_INTERVAL, Duration.ofMillis(200));
        log.record(AuditRecord.connect(context(1), "v1"));

        long started = System.nanoTime();
        log.close();

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(WAIT);
        assertThat(log.healthy()).isFalse();
        assertThatThrownBy(log::flush)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed with records not written");
    }

    private FileAuditLog newLog(Path file, int capacity) {
        return new FileAuditLog(file, capacity, RETRY_INTERVAL, CLOSE_TIMEOUT);
    }

    private static AuditContext context(long sessionId) {
        return AuditContext.connection(sessionId, "127.0.0.1:" + (40000 + sessionId % 20000), AuditContext.POSTGRESQL);
    }

    private static List<AuditRecord> readRecords(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                .map(AuditJson::parse)
                .collect(Collectors.toList());
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline)
                    .as("condition met within %s", WAIT)
                    .isNegative();
            Thread.sleep(10);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
