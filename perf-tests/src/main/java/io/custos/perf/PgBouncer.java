package io.custos.perf;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * pgbouncer in session mode in front of the embedded PostgreSQL server, when the system has it: the proxy users
 * already run, and the bar the gateway is measured against. It authenticates clients and the server with
 * SCRAM-SHA-256 from a plain-text user list holding the superuser, as the direct runs log in. pgbouncer refuses to
 * run as root; as root it is told to switch to the {@code postgres} user, which then owns its directory.
 */
final class PgBouncer implements AutoCloseable {
    private static final long START_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(20);

    private final Process process;
    private final int port;

    private PgBouncer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static Optional<Path> executable() {
        return Tools.find("pgbouncer");
    }

    static PgBouncer start(Path executable, Databases databases, Path directory, int maxClients)
            throws IOException, InterruptedException {
        Path home = Files.createDirectories(directory.resolve("pgbouncer"));
        int port = freePort();
        String user = databases.postgres().superuser();
        Files.writeString(
                home.resolve("userlist.txt"),
                "\"" + user + "\" \"" + databases.postgres().superuserPassword() + "\"\n");
        Files.writeString(
                home.resolve("pgbouncer.ini"),
                String.join(
                        "\n",
                        "[databases]",
                        databases.postgres().database() + " = host="
                                + databases.postgres().host() + " port="
                                + databases.postgres().port() + " dbname="
                                + databases.postgres().database(),
                        "[pgbouncer]",
                        "listen_addr = 127.0.0.1",
                        "listen_port = " + port,
                        "unix_socket_dir =",
                        "auth_type = scram-sha-256",
                        "auth_file = " + home.resolve("userlist.txt"),
                        "pool_mode = session",
                        "max_client_conn = " + maxClients,
                        "default_pool_size = " + maxClients,
                        "ignore_startup_parameters = extra_float_digits",
                        "log_connections = 0",
                        "log_disconnections = 0",
                        ""));
        List<String> command = new ArrayList<>(List.of(executable.toString()));
        if ("root".equals(System.getProperty("user.name"))) {
            handTo(home, "postgres");
            command.addAll(List.of("-u", "postgres"));
        }
        command.add(home.resolve("pgbouncer.ini").toString());
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(home.resolve("pgbouncer.log").toFile())
                .start();
        PgBouncer bouncer = new PgBouncer(process, port);
        bouncer.awaitListening(home);
        return bouncer;
    }

    int port() {
        return port;
    }

    private void awaitListening(Path home) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + START_TIMEOUT_NANOS;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("pgbouncer exited: " + Files.readString(home.resolve("pgbouncer.log")));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        close();
        throw new IllegalStateException("pgbouncer did not listen on port " + port + " within 20 s");
    }

    private static void handTo(Path home, String userName) throws IOException {
        UserPrincipal owner =
                home.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(userName);
        try (Stream<Path> files = Files.walk(home)) {
            for (Path file : files.toList()) {
                Files.setOwner(file, owner);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
