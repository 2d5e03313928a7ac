package io.custos.cli.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Stops an {@link EmbeddedPostgres} server and starts it again on the same data directory and port, as an operator
 * restarting the database would: a fast shutdown (SIGINT to the postmaster; sessions get PostgreSQL's FATAL 57P01),
 * then the postmaster started again with the options it had, read from its command line, in a user namespace of its own
 * when the tests run as root, as the embedded server's own start does (the postmaster and {@code pg_ctl} refuse root).
 * Only for a server of a test's or a soak's own, never a shared one. Closing it closes the server, and stops the
 * postmaster it
 * started if the server's own stop left it running.
 */
public final class PostgresRestarts implements AutoCloseable {
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final EmbeddedPostgres server;
    private final Path binary;
    private final List<String> arguments;
    private Process restarted;

    private PostgresRestarts(EmbeddedPostgres server, Path binary, List<String> arguments) {
        this.server = server;
        this.binary = binary;
        this.arguments = arguments;
    }

    /** Reads how {@code server}'s postmaster was started, from its pid file and its command line. */
    public static PostgresRestarts of(EmbeddedPostgres server) throws IOException {
        ProcessHandle postmaster = postmaster(server);
        Path binary = Path.of(postmaster.info().command().orElseThrow());
        List<String> arguments = List.of(postmaster.info().arguments().orElseThrow());
        return new PostgresRestarts(server, binary, arguments);
    }

    private static ProcessHandle postmaster(EmbeddedPostgres server) throws IOException {
        Path pidFile = server.dataDirectory().resolve("postmaster.pid");
        long pid = Long.parseLong(
                Files.readAllLines(pidFile, StandardCharsets.US_ASCII).get(0).trim());
        return ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("no postmaster with pid " + pid));
    }

    /** Fast shutdown: open sessions are ended, new connections refused, until {@link #start()}. */
    public void stop() throws IOException, InterruptedException {
        ProcessHandle postmaster = postmaster(server);
        Process kill = new ProcessBuilder("kill", "-INT", String.valueOf(postmaster.pid()))
                .redirectErrorStream(true)
                .start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("cannot signal the postmaster " + postmaster.pid());
        }
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (postmaster.isAlive()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the postmaster " + postmaster.pid() + " does not stop");
            }
            Thread.sleep(20);
        }
    }

    /** Starts the postmaster again and waits until it accepts a login. */
    public void start() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        if (System.getProperty("user.name").equals("root")) {
            // As the embedded server's own start does: the postmaster refuses root, so it runs in a user namespace.
            command.addAll(List.of("unshare", "-U"));
        }
        command.add(binary.toString());
        command.addAll(arguments);
        restarted = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(server.dataDirectory().resolve("restart.log").toFile())
                .start();
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (true) {
            try (Connection connection = server.connectAsGateway()) {
                if (connection.isValid(2)) {
                    return;
                }
            } catch (SQLException e) {
                if (System.nanoTime() > deadline || !restarted.isAlive()) {
                    throw new IllegalStateException(
                            "the restarted server (" + String.join(" ", command) + ") does not accept logins: "
                                    + Files.readString(server.dataDirectory().resolve("restart.log")),
                            e);
                }
            }
            Thread.sleep(50);
        }
    }

    /**
     * Closes the server (its own stop finds a restarted postmaster through the pid file), then stops the postmaster
     * {@link #start()} started if it still runs.
     */
    @Override
    public void close() throws InterruptedException {
        server.close();
        if (restarted != null && restarted.isAlive()) {
            restarted.destroy();
            if (!restarted.waitFor(10, TimeUnit.SECONDS)) {
                restarted.destroyForcibly();
            }
        }
    }
}
