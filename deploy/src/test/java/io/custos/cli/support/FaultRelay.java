package io.custos.cli.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TCP relay in front of a real database that misbehaves on demand, standing for a database gone wrong: the database
 * itself cannot be made to send garbage or stall in the middle of a result.
 *
 * <p>Connections whose first message names the gateway's catalog pool ({@code custos-catalog}: PostgreSQL's
 * application name, MySQL's connection attribute), and PostgreSQL connections that open with an SSLRequest (the
 * catalog pool's; the relayed sessions' run without TLS), always pass untouched, so the gateway starts and reads its catalog
 * as usual. Every other connection is a session's, counted in {@link #sessionConnections()}. While {@link
 * #refuseLogins} or {@link #stallLogins} is armed, a session connection's first message is answered with the given
 * bytes and the connection closed, or never answered. Once logged in, a statement carrying a marker comment
 * {@code /*fault:SPEC*}{@code /} makes the relay damage the database's answer from its next byte on:
 *
 * <ul>
 *   <li>{@code close:N}: pass N bytes, then close both sides;
 *   <li>{@code garbage:N:SEED}: pass N bytes, insert up to 300 random bytes, pass the rest, close 100 ms later;
 *   <li>{@code mutate:SEED}: damage the first bytes read of the answer with {@link Mutator} (bit flips, bytes set,
 *       inserted, deleted, duplicated, length fields rewritten), pass the rest, close 100 ms later;
 *   <li>{@code stall}: pass nothing more until the gateway closes its side.
 * </ul>
 *
 * The markers are comments, which the gateway passes on unchanged for callers with full clearance.
 */
public final class FaultRelay implements AutoCloseable {
    private static final byte[] MARKER = "/*fault:".getBytes(StandardCharsets.ISO_8859_1);
    private static final long CLOSE_AFTER_DAMAGE_MILLIS = 100;

    private final ServerSocket listener;
    private final String targetHost;
    private final int targetPort;
    private final boolean mysql;
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "fault-relay-timer");
        thread.setDaemon(true);
        return thread;
    });
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger sessionConnections = new AtomicInteger();
    private final AtomicInteger sessionConnectionsOpened = new AtomicInteger();
    private final AtomicReference<LoginFault> loginFault = new AtomicReference<>();

    /** What the next session logins get instead of the database's answer; {@code answer} null: nothing, ever. */
    private record LoginFault(byte[] answer, AtomicInteger remaining) {}

    private FaultRelay(String targetHost, int targetPort, boolean mysql) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.mysql = mysql;
        this.listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "fault-relay-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public static FaultRelay postgres(String host, int port) throws IOException {
        return new FaultRelay(host, port, false);
    }

    public static FaultRelay mysql(String host, int port) throws IOException {
        return new FaultRelay(host, port, true);
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Session connections open now (the catalog's not counted). */
    public int sessionConnections() {
        return sessionConnections.get();
    }

    /** Session connections opened since the relay started. */
    public int sessionConnectionsOpened() {
        return sessionConnectionsOpened.get();
    }

    /**
     * The next {@code count} session logins get {@code answer} in place of the database's reply to their first
     * message (PostgreSQL: the StartupMessage; MySQL: the HandshakeResponse), then the connection closes.
     */
    public void refuseLogins(byte[] answer, int count) {
        loginFault.set(new LoginFault(answer.clone(), new AtomicInteger(count)));
    }

    /** The next {@code count} session logins get no reply to their first message. */
    public void stallLogins(int count) {
        loginFault.set(new LoginFault(null, new AtomicInteger(count)));
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Thread handler = new Thread(() -> handle(client), "fault-relay-connection");
                handler.setDaemon(true);
                handler.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void handle(Socket client) {
        sockets.add(client);
        boolean session = false;
        try (client;
                Socket server = new Socket(targetHost, targetPort)) {
            sockets.add(server);
            client.setTcpNoDelay(true);
            server.setTcpNoDelay(true);
            InputStream fromClient = client.getInputStream();
            InputStream fromServer = server.getInputStream();
            OutputStream toClient = client.getOutputStream();
            OutputStream toServer = server.getOutputStream();
            if (mysql) {
                // The server speaks first: its handshake passes before anything tells who the client is.
                byte[] handshake = readChunk(fromServer);
                if (handshake == null) {
                    return;
                }
                toClient.write(handshake);
                toClient.flush();
            }
            byte[] first = readChunk(fromClient);
            if (first == null) {
                return;
            }
            if (isControl(first)) {
                toServer.write(first);
                toServer.flush();
                Connection connection = new Connection(client, server);
                Thread up = connection.pump(fromClient, toServer, true);
                connection.pump(fromServer, toClient, false).join();
                up.join();
                return;
            }
            session = true;
            sessionConnections.incrementAndGet();
            sessionConnectionsOpened.incrementAndGet();
            LoginFault fault = takeLoginFault();
            if (fault != null) {
                if (fault.answer() != null) {
                    toClient.write(fault.answer());
                    toClient.flush();
                    return;
                }
                // Stalled: nothing is answered until the gateway gives up and closes.
                while (fromClient.read() >= 0) {
                    // discard
                }
                return;
            }
            toServer.write(first);
            toServer.flush();
            Connection connection = new Connection(client, server);
            Thread up = connection.pump(fromClient, toServer, true);
            connection.pump(fromServer, toClient, false).join();
            up.join();
        } catch (IOException e) {
            // One side went away; so does the other.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            sockets.remove(client);
            if (session) {
                sessionConnections.decrementAndGet();
            }
        }
    }

    /**
     * The catalog pool's connections: named in their first message, or (PostgreSQL) opened with an SSLRequest, which a
     * session's backend connection without TLS never sends.
     */
    private boolean isControl(byte[] first) {
        if (new String(first, StandardCharsets.ISO_8859_1).contains("custos-catalog")) {
            return true;
        }
        return !mysql && first.length == 8 && first[3] == 8 && first[4] == 0x04 && first[5] == (byte) 0xD2;
    }

    private LoginFault takeLoginFault() {
        LoginFault fault = loginFault.get();
        if (fault == null) {
            return null;
        }
        if (fault.remaining().getAndDecrement() > 0) {
            return fault;
        }
        loginFault.compareAndSet(fault, null);
        return null;
    }

    private static byte[] readChunk(InputStream in) throws IOException {
        byte[] buffer = new byte[65536];
        int read = in.read(buffer);
        return read < 0 ? null : Arrays.copyOf(buffer, read);
    }

    /** One relayed connection: the fault its last marked statement asked for applies to the server's bytes. */
    private final class Connection {
        private final Socket client;
        private final Socket server;
        private final AtomicReference<String> fault = new AtomicReference<>();
        private final CountDownLatch closed = new CountDownLatch(1);

        Connection(Socket client, Socket server) {
            this.client = client;
            this.server = server;
            sockets.add(server);
        }

        Thread pump(InputStream from, OutputStream to, boolean upstream) {
            Thread thread = new Thread(
                    () -> {
                        try {
                            if (upstream) {
                                pumpUp(from, to);
                            } else {
                                pumpDown(from, to);
                            }
                        } catch (IOException e) {
                            // One side closed.
                        } finally {
                            close();
                        }
                    },
                    upstream ? "fault-relay-up" : "fault-relay-down");
            thread.setDaemon(true);
            thread.start();
            return thread;
        }

        private void pumpUp(InputStream from, OutputStream to) throws IOException {
            byte[] buffer = new byte[65536];
            int read;
            while ((read = from.read(buffer)) >= 0) {
                String spec = markedFault(buffer, read);
                if (spec != null) {
                    fault.set(spec);
                }
                to.write(buffer, 0, read);
                to.flush();
            }
        }

        private void pumpDown(InputStream from, OutputStream to) throws IOException {
            byte[] buffer = new byte[65536];
            int read;
            while ((read = from.read(buffer)) >= 0) {
                String spec = fault.getAndSet(null);
                if (spec == null) {
                    to.write(buffer, 0, read);
                    to.flush();
                    continue;
                }
                damage(spec, Arrays.copyOf(buffer, read), from, to);
                return;
            }
        }

        /** Applies {@code spec} from {@code chunk}, the first bytes of the answer to the marked statement, on. */
        private void damage(String spec, byte[] chunk, InputStream from, OutputStream to) throws IOException {
            String[] parts = spec.split(":");
            switch (parts[0]) {
                case "close" -> {
                    int keep = Integer.parseInt(parts[1]);
                    passUpTo(keep, chunk, from, to);
                    close();
                }
                case "garbage" -> {
                    int keep = Integer.parseInt(parts[1]);
                    byte[] rest = passUpTo(keep, chunk, from, to);
                    Random random = new Random(Long.parseLong(parts[2]));
                    byte[] garbage = new byte[1 + random.nextInt(300)];
                    random.nextBytes(garbage);
                    to.write(garbage);
                    to.write(rest);
                    to.flush();
                    closeLater();
                    drain(from, to);
                }
                case "mutate" -> {
                    to.write(Mutator.mutate(chunk, new Random(Long.parseLong(parts[1])), mysql));
                    to.flush();
                    closeLater();
                    drain(from, to);
                }
                case "stall" -> {
                    try {
                        closed.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                default -> throw new IllegalArgumentException("fault: " + spec);
            }
        }

        /** Passes {@code keep} bytes of the answer on; returns what was read beyond them. */
        private byte[] passUpTo(int keep, byte[] chunk, InputStream from, OutputStream to) throws IOException {
            byte[] head = readAtLeast(chunk, keep, from);
            int passed = Math.min(keep, head.length);
            to.write(head, 0, passed);
            to.flush();
            return Arrays.copyOfRange(head, passed, head.length);
        }

        /** Reads until {@code bytes} are in, the server stops sending for 200 ms, or it closes. */
        private byte[] readAtLeast(byte[] chunk, int bytes, InputStream from) throws IOException {
            byte[] head = chunk;
            server.setSoTimeout(200);
            try {
                while (head.length < bytes) {
                    byte[] buffer = new byte[bytes - head.length];
                    int read = from.read(buffer);
                    if (read < 0) {
                        break;
                    }
                    byte[] joined = Arrays.copyOf(head, head.length + read);
                    System.arraycopy(buffer, 0, joined, head.length, read);
                    head = joined;
                }
            } catch (SocketTimeoutException e) {
                // The answer is shorter: damage what there is.
            } finally {
                server.setSoTimeout(0);
            }
            return head;
        }

        private void drain(InputStream from, OutputStream to) throws IOException {
            byte[] buffer = new byte[65536];
            int read;
            while ((read = from.read(buffer)) >= 0) {
                to.write(buffer, 0, read);
                to.flush();
            }
        }

        private void closeLater() {
            timers.schedule(this::close, CLOSE_AFTER_DAMAGE_MILLIS, TimeUnit.MILLISECONDS);
        }

        void close() {
            closeQuietly(client);
            closeQuietly(server);
            closed.countDown();
        }
    }

    /** The fault a chunk from the gateway asks for, or {@code null}. */
    private static String markedFault(byte[] buffer, int length) {
        int start = indexOf(buffer, length, MARKER, 0);
        if (start < 0) {
            return null;
        }
        int from = start + MARKER.length;
        int end = indexOf(buffer, length, new byte[] {'*', '/'}, from);
        return end < 0 ? null : new String(buffer, from, end - from, StandardCharsets.ISO_8859_1);
    }

    private static int indexOf(byte[] buffer, int length, byte[] pattern, int from) {
        outer:
        for (int i = from; i <= length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (buffer[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Already closed.
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        sockets.forEach(FaultRelay::closeQuietly);
        timers.shutdownNow();
    }
}
