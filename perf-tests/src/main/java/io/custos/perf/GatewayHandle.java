package io.custos.perf;

import io.custos.policy.AuditSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link GatewayProcess} the harness started: its ports, and its memory on request. Its log goes to a file in the
 * harness's output directory.
 */
final class GatewayHandle implements AutoCloseable {
    private static final long START_TIMEOUT_SECONDS = 120;
    private static final long ANSWER_TIMEOUT_SECONDS = 60;

    /** The gateway's heap limit: the idle-connection target is a thousand sessions within 512 MB. */
    static final String HEAP = "-Xmx512m";

    private final String name;
    private final AuditSettings.Durability durability;
    private final Process process;
    private final PrintWriter commands;
    private final BlockingQueue<String> answers;
    private final Thread reader;
    private final int postgresPort;
    private final int mysqlPort;

    private GatewayHandle(
            String name,
            AuditSettings.Durability durability,
            Process process,
            Thread reader,
            int postgresPort,
            int mysqlPort,
            BlockingQueue<String> answers) {
        this.name = name;
        this.durability = durability;
        this.process = process;
        this.commands =
                new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
        this.reader = reader;
        this.postgresPort = postgresPort;
        this.mysqlPort = mysqlPort;
        this.answers = answers;
    }

    /**
     * Starts a gateway in front of {@code databases} and waits until it listens. Its audit trail goes to
     * {@code directory}, its log to {@code logDirectory}.
     */
    static GatewayHandle start(
            String name,
            Databases databases,
            AuditSettings.Durability durability,
            Path directory,
            Path logDirectory,
            List<String> jvm)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add(HEAP);
        command.addAll(jvm);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(GatewayProcess.class.getName());
        command.add(durability.name().toLowerCase());
        command.add(directory.resolve(name + "-audit.jsonl").toString());
        command.addAll(List.of(
                "postgresql",
                databases.postgres().host(),
                String.valueOf(databases.postgres().port()),
                databases.postgres().database(),
                databases.postgres().gatewayUser()));
        databases
                .mariadb()
                .ifPresent(mariadb -> command.addAll(List.of(
                        "mysql",
                        mariadb.host(),
                        String.valueOf(mariadb.port()),
                        mariadb.database(),
                        mariadb.gatewayUser())));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectError(logDirectory.resolve(name + ".log").toFile());
        Map<String, String> environment = builder.environment();
        environment.put(
                GatewayProcess.POSTGRES_PASSWORD_ENV, databases.postgres().gatewayPassword());
        databases
                .mariadb()
                .ifPresent(mariadb -> environment.put(GatewayProcess.MYSQL_PASSWORD_ENV, mariadb.gatewayPassword()));
        Process process = builder.start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> readAnswers(process, lines), name + "-answers");
        reader.setDaemon(true);
        reader.start();
        String ready = lines.poll(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (ready == null || !ready.startsWith("ready ")) {
            process.destroyForcibly();
            throw new IllegalStateException(
                    "gateway " + name + " did not start (" + ready + "); see " + logDirectory.resolve(name + ".log"));
        }
        Map<String, Long> ports = fields(ready.substring("ready ".length()));
        return new GatewayHandle(
                name,
                durability,
                process,
                reader,
                ports.get("postgresql").intValue(),
                ports.get("mysql").intValue(),
                lines);
    }

    private static void readAnswers(Process process, BlockingQueue<String> lines) {
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith(GatewayProcess.PREFIX)) {
                    lines.add(line.substring(GatewayProcess.PREFIX.length()));
                }
            }
        } catch (IOException e) {
            // The process ended; whoever waits for an answer times out and says so.
        }
    }

    String name() {
        return name;
    }

    AuditSettings.Durability durability() {
        return durability;
    }

    int postgresPort() {
        return postgresPort;
    }

    int mysqlPort() {
        return mysqlPort;
    }

    long pid() {
        return process.pid();
    }

    /** The gateway's heap after a full collection and its resident set. */
    Memory memory() {
        Map<String, Long> fields = fields(ask("memory", "memory "));
        return new Memory(fields.get("heapUsed"), fields.get("heapCommitted"), fields.get("rss"));
    }

    /** The gateway's heap in use now, garbage included. */
    long heapNow() {
        return fields(ask("heap", "heap ")).get("used");
    }

    /** The analysis caches' counters, by name ({@code postgresqlHits}, {@code mysqlMisses}, …). */
    Map<String, Long> cache() {
        return fields(ask("cache", "cache "));
    }

    private synchronized String ask(String command, String answerPrefix) {
        commands.println(command);
        try {
            String answer = answers.poll(ANSWER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (answer == null || !answer.startsWith(answerPrefix)) {
                throw new IllegalStateException("gateway " + name + " answered " + answer + " to " + command);
            }
            return answer.substring(answerPrefix.length());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for gateway " + name, e);
        }
    }

    private static Map<String, Long> fields(String text) {
        Map<String, Long> fields = new HashMap<>();
        for (String field : text.trim().split("\\s+")) {
            int equals = field.indexOf('=');
            if (equals > 0) {
                fields.put(field.substring(0, equals), Long.parseLong(field.substring(equals + 1)));
            }
        }
        return fields;
    }

    /** Asks the gateway to stop and waits for it; kills it if it does not. */
    @Override
    public void close() {
        commands.println("quit");
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        reader.interrupt();
    }

    /** Bytes. */
    record Memory(long heapUsed, long heapCommitted, long resident) {}
}
