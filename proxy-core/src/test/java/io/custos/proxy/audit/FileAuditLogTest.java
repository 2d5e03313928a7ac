package io.custos.proxy.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.custos.policy.AuditSettings;
import io.custos.policy.SecretSource;
import io.custos.policy.StatementClass;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileAuditLogTest {
    static final String KEY = "file-audit-log-test-key-0123456789";
    private static final Duration RETRY_INTERVAL = Duration.ofMillis(50);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path directory;

    @Test
    void record_writesOneSealedJsonLinePerRecord_creatingParentDirectories() throws IOException {
        Path file = directory.resolve("logs/audit/custos.jsonl");
        List<AuditRecord> records = List.of(
                AuditRecord.connect(context(1), "v1"),
                AuditRecord.authOk(context(1).authenticated("张伟", "信息员", "custos_demo"), "v1"),
                AuditRecord.allowed(context(1), StatementClass.READ, "SELECT '客户' FROM project", "a1", 1, 90, "v1"));

        try (FileAuditLog log = new FileAuditLog(settings(file))) {
            records.forEach(log::record);
        }

        assertThat(readRecords(file)).containsExactlyElementsOf(records);
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertThat(lines).hasSize(records.size() + 3);
        assertThat(lines.get(0))
                .startsWith("{\"seq\":1,")
                .contains("\"event\":\"file_start\"", "\"reason\":\"new trail\"");
        assertThat(lines.get(1)).startsWith("{\"seq\":2,").contains("\"event\":\"trail_start\"");
        assertThat(lines.get(lines.size() - 1)).contains("\"event\":\"trail_stop\"");
        assertThat(lines).allSatisfy(line -> assertThat(line).matches("\\{\"seq\":\\d+,.*,\"mac\":\"[0-9a-f]{64}\"}"));
        assertThat(verify(file).problems()).isEmpty();
    }

    @Test
    void record_restart_continuesTheChainFromTheLastLine() throws IOException {
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
        assertThat(Files.readString(file)).contains("\"reason\":\"restarted after a clean stop\"");
        TrailVerifier.Result result = verify(file);
        assertThat(result.problems()).isEmpty();
        assertThat(result.lastSeq()).isEqualTo(7);
    }

    @Test
    void record_restartAfterAKill_saysSoAndContinues() throws IOException {
        Path file = directory.resolve("custos.jsonl");
        try (FileAuditLog log = newLog(file, 16)) {
            log.record(AuditRecord.connect(context(1), "v1"));
        }
        // A killed gateway writes no trail_stop: drop it, as if the process had died before close.
        List<String> lines = Files.readAllLines(file);
        Files.write(file, lines.subList(0, lines.size() - 1));

        try (FileAuditLog log = newLog(file, 16)) {
            log.record(AuditRecord.connect(context(2), "v1"));
        }

        assertThat(Files.readString(file)).contains("restarted after an unclean stop");
        assertThat(verify(file).problems()).isEmpty();
    }

    @Test
    void record_restartAfterATornLine_keepsTheTornFileAndStartsANewOne() throws IOException {
        Path file = directory.resolve("custos.jsonl");
        try (FileAuditLog log = newLog(file, 16)) {
            log.record(AuditRecord.connect(context(1), "v1"));
        }
        Files.writeString(file, "{\"seq\":5,\"time\":\"2026-", java.nio.file.StandardOpenOption.APPEND);

        try (FileAuditLog log = newLog(file, 16)) {
            log.record(AuditRecord.connect(context(2), "v1"));
        }

        List<Path> files = trailFiles();
        assertThat(files).hasSize(2);
        Path torn =
                files.stream().filter(path -> !path.equals(file)).findFirst().orElseThrow();
        assertThat(Files.readString(torn)).endsWith("\"time\":\"2026-");
        assertThat(Files.readString(file))
                .contains("\"previous_file\":\"" + torn.getFileName() + "\"")
                .contains("the previous file ends with an incomplete line");
        TrailVerifier.Result result = TrailVerifier.verify(files, KEY.getBytes(StandardCharsets.UTF_8));
        assertThat(result.problems()).isEmpty();
        assertThat(result.notes()).anySatisfy(note -> assertThat(note.message()).startsWith("incomplete last line"));
    }

    @Test
    void record_beyondTheRotationSize_rotatesAndTheChainContinuesAcrossFiles() throws IOException {
        Path file = directory.resolve("custos.jsonl");
        AuditSettings settings = settings(file, 4096, false);

        try (FileAuditLog log = new FileAuditLog(settings, TrailStorage.FILES, Clock.systemUTC())) {
            for (int i = 0; i < 200; i++) {
                log.record(AuditRecord.allowed(context(i), StatementClass.READ, "SELECT " + i, "d", i, 1, "v1"));
            }
        }

        List<Path> files = trailFiles();
        assertThat(files).hasSizeGreaterThan(3);
        for (Path rotated : files) {
            if (!rotated.equals(file)) {
                assertThat(rotated.getFileName().toString()).matches("custos-\\d{8}-\\d{12}\\.jsonl");
                assertThat(Files.size(rotated)).isLessThan(4096 + 1024);
            }
            assertThat(Files.readAllLines(rotated).get(0)).contains("\"event\":\"file_start\"");
        }
        List<AuditRecord> all = new ArrayList<>();
        for (Path each : files.stream().sorted().toList()) {
            all.addAll(readRecords(each));
        }
        assertThat(all).hasSize(200);
        assertThat(TrailVerifier.verify(files, KEY.getBytes(StandardCharsets.UTF_8))
                        .problems())
                .isEmpty();
    }

    @Test
    void record_whenTheDayChanges_rotatesByTheClock() throws IOException {
        Path file = directory.resolve("custos.jsonl");
        MutableClock clock = new MutableClock(Instant.parse("2026-12-03T23:59:58Z"));

        try (FileAuditLog log = new FileAuditLog(settings(file, 1 << 30, true), TrailStorage.FILES, clock)) {
            log.record(AuditRecord.connect(context(1), "v1"));
            log.flush();
            clock.set(Instant.parse("2026-12-04T00:00:01Z"));
            log.record(AuditRecord.connect(context(2), "v1"));
            log.flush();
            clock.set(Instant.parse("2026-12-04T23:00:00Z"));
            log.record(AuditRecord.connect(context(3), "v1"));
        }

        Path rotated = directory.resolve("custos-20261203-000000000001.jsonl");
        assertThat(trailFiles()).containsExactlyInAnyOrder(file, rotated);
        assertThat(readRecords(rotated)).extracting(AuditRecord::sessionId).containsExactly(1L);
        assertThat(readRecords(file)).extracting(AuditRecord::sessionId).containsExactly(2L, 3L);
        assertThat(Files.readAllLines(file).get(0))
                .contains("\"time\":\"2026-12-04T00:00:01Z\"", "a new day began")
                .contains("\"previous_file\":\"" + rotated.getFileName() + "\"");
        assertThat(TrailVerifier.verify(trailFiles(), KEY.getBytes(StandardCharsets.UTF_8))
                        .problems())
                .isEmpty();
    }

    @Test
    void record_crashAfterRotationRename_nextStartContinuesFromTheRotatedFile() throws IOException {
        Path file = directory.resolve("custos.jsonl");
        try (FileAuditLog log = newLog(file, 16)) {
            log.record(AuditRecord.connect(context(1), "v1"));
        }
        Path rotated = directory.resolve("custos-20261203-000000000001.jsonl");
        Files.move(file, rotated);

        try (FileAuditLog log = newLog(file, 16)) {
            log.record(AuditRecord.connect(context(2), "v1"));
        }

        assertThat(Files.readAllLines(file).get(0)).contains("\"previous_file\":\"" + rotated.getFileName() + "\"");
        assertThat(TrailVerifier.verify(List.of(file, rotated), KEY.getBytes(StandardCharsets.UTF_8))
                        .problems())
                .isEmpty();
    }

    @Test
    void record_fromEightThreads_everyRecordIsWrittenExactlyOnceInTicketOrder() throws Exception {
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
                        long ticket = log.record(AuditRecord.allowed(
                                context(sessionId), StatementClass.READ, "SELECT " + i, "d", i, 1, "v1"));
                        assertThat(ticket).isPositive();
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
            log.flush();
            assertThat(log.durable()).isEqualTo((long) threads * perThread);
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
        assertThat(verify(file).problems()).isEmpty();
    }

    @Test
    void whenDurable_strict_runsOnceTheRecordIsForced() throws Exception {
        Path file = directory.resolve("custos.jsonl");

        try (FileAuditLog log = newLog(file, 64)) {
            assertThat(log.holdsResults()).isTrue();
            long ticket = log.record(AuditRecord.connect(context(1), "v1"));
            CountDownLatch ran = new CountDownLatch(1);

            log.whenDurable(ticket, ran::countDown);

            assertThat(ran.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(log.durable()).isGreaterThanOrEqualTo(ticket);
            assertThat(readRecords(file)).hasSize(1);
        }
    }

    @Test
    void flush_returnsOnceEarlierRecordsAreInTheFile() throws IOException {
        Path file = directory.resolve("custos.jsonl");

        try (FileAuditLog log = newLog(file, 64, AuditSettings.Durability.RELAXED)) {
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
    void new_keyTooShort_isRefusedNamingTheSource() {
        AuditSettings settings = AuditSettings.of(directory.resolve("custos.jsonl"), new SecretSource.Given("short"));

        assertThatThrownBy(() -> new FileAuditLog(settings))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("The audit key from value given at start is 5 bytes long (expected: at least 16; create"
                        + " one with 'custos audit new-key')");
    }

    @Test
    void healthy_writesFailing_turnsFalseKeepsRecordsAndRecovers() throws Exception {
        Path file = directory.resolve("custos.jsonl");
        FailingStorage storage = new FailingStorage();
        List<AuditRecord> records = new ArrayList<>();

        try (FileAuditLog log = newLog(file, 1024, storage)) {
            log.record(AuditRecord.connect(context(0), "v1"));
            log.flush();
            storage.failing = true;
            for (int i = 1; i < 50; i++) {
                AuditRecord record = AuditRecord.connect(context(i), "v1");
                records.add(record);
                log.record(record);
            }
            awaitTrue(() -> !log.healthy());
            assertThat(log.status().writeErrors()).isPositive();
            assertThat(log.status().healthy()).isFalse();

            storage.failing = false;
            awaitTrue(log::healthy);
            log.flush();
        }

        assertThat(readRecords(file)).hasSize(50).endsWith(records.toArray(AuditRecord[]::new));
        assertThat(verify(file).problems()).isEmpty();
    }

    @Test
    void healthy_failureAfterAPartialWrite_resumesWhereTheWriteStopped() throws Exception {
        Path file = directory.resolve("custos.jsonl");
        FailingStorage storage = new FailingStorage();

        try (FileAuditLog log = newLog(file, 1024, storage)) {
            log.flush();
            storage.failAfterBytes = 100;
            for (int i = 0; i < 20; i++) {
                log.record(AuditRecord.connect(context(i), "v1"));
            }
            awaitTrue(() -> !log.healthy());
            storage.failAfterBytes = -1;
            awaitTrue(log::healthy);
        }

        assertThat(readRecords(file)).hasSize(20);
        assertThat(verify(file).problems()).isEmpty();
    }

    @Test
    void record_queueFullWhileUnwritable_blocksUntilTheFileIsWritableAgain() throws Exception {
        Path file = directory.resolve("custos.jsonl");
        FailingStorage storage = new FailingStorage();
        int capacity = 4;
        int total = 100;
        List<AuditRecord> records = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            records.add(AuditRecord.connect(context(i), "v1"));
        }

        try (FileAuditLog log = newLog(file, capacity, storage)) {
            log.flush();
            storage.failing = true;
            Thread producer = new Thread(() -> records.forEach(log::record));
            producer.start();

            awaitTrue(() -> log.queued() == capacity && producer.getState() == Thread.State.WAITING);
            // The queue can fill up behind a write still under way: the failure shows once that write fails.
            awaitTrue(() -> !log.healthy());
            assertThat(producer.isAlive())
                    .as("record() blocks while the queue is full")
                    .isTrue();

            storage.failing = false;
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
        FailingStorage storage = new FailingStorage();
        storage.failing = true;
        FileAuditLog log = new FileAuditLog(
                settings(file), storage, Clock.systemUTC(), 16, RETRY_INTERVAL, Duration.ofMillis(200));
        log.record(AuditRecord.connect(context(1), "v1"));

        long started = System.nanoTime();
        log.close();

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(WAIT);
        assertThat(log.healthy()).isFalse();
        assertThatThrownBy(log::flush)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed with records not written");
    }

    // ---- helpers

    static AuditSettings settings(Path file) {
        return AuditSettings.of(file, new SecretSource.Given(KEY));
    }

    private static AuditSettings settings(Path file, long rotateBytes, boolean daily) {
        return new AuditSettings(
                file,
                new SecretSource.Given(KEY),
                AuditSettings.Durability.STRICT,
                Duration.ofMillis(200),
                rotateBytes,
                daily,
                Optional.empty());
    }

    private FileAuditLog newLog(Path file, int capacity) {
        return newLog(file, capacity, TrailStorage.FILES);
    }

    private FileAuditLog newLog(Path file, int capacity, AuditSettings.Durability durability) {
        return new FileAuditLog(
                settings(file).withDurability(durability),
                TrailStorage.FILES,
                Clock.systemUTC(),
                capacity,
                RETRY_INTERVAL,
                CLOSE_TIMEOUT);
    }

    private FileAuditLog newLog(Path file, int capacity, TrailStorage storage) {
        return new FileAuditLog(settings(file), storage, Clock.systemUTC(), capacity, RETRY_INTERVAL, CLOSE_TIMEOUT);
    }

    private List<Path> trailFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, "custos*.jsonl")) {
            stream.forEach(files::add);
        }
        return files;
    }

    private static TrailVerifier.Result verify(Path file) throws IOException {
        return TrailVerifier.verify(List.of(file), KEY.getBytes(StandardCharsets.UTF_8));
    }

    private static AuditContext context(long sessionId) {
        return AuditContext.connection(sessionId, "127.0.0.1:" + (40000 + sessionId % 20000), AuditContext.POSTGRESQL);
    }

    /** The records of a trail file, without the trail's own marks. */
    static List<AuditRecord> readRecords(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                .filter(line -> !line.contains("\"event\":\"file_start\"")
                        && !line.contains("\"event\":\"trail_start\"")
                        && !line.contains("\"event\":\"trail_stop\""))
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

    /** A clock the test moves. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
