package io.custos.proxy.session;

import static java.util.Objects.requireNonNull;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Every live session of the gateway, with the cancel key the gateway gave its client. A client's cancel key is the
 * gateway's own; the backend's key never leaves the gateway, so a client cannot cancel another session's query by
 * guessing a backend process id.
 *
 * <p>Every connection is also tracked from its first byte to its close as a {@link LiveSession}, which the admin API
 * lists and ends.
 */
public final class SessionRegistry {
    private final AtomicInteger nextId = new AtomicInteger(1);
    private final Map<Integer, Entry> sessions = new ConcurrentHashMap<>();
    private final Map<Integer, LiveSession> live = new ConcurrentHashMap<>();
    private final SecureRandom random;
    private volatile String drainMessage;

    public SessionRegistry(SecureRandom random) {
        this.random = random;
    }

    /** A new session id (positive, so it can double as PostgreSQL's process id) and a random secret. */
    public CancelKey newSession() {
        int id = nextId.getAndUpdate(current -> current == Integer.MAX_VALUE ? 1 : current + 1);
        return new CancelKey(id, random.nextInt());
    }

    public void register(CancelKey key, Runnable cancelAction) {
        sessions.put(key.sessionId(), new Entry(key, cancelAction));
    }

    public void unregister(CancelKey key) {
        sessions.remove(key.sessionId());
    }

    /** The cancel action for a key, only when both the id and the secret match. */
    public Optional<Runnable> cancelAction(int sessionId, int secret) {
        Entry entry = sessions.get(sessionId);
        if (entry == null || entry.key().secret() != secret) {
            return Optional.empty();
        }
        return Optional.of(entry.cancelAction());
    }

    public int size() {
        return sessions.size();
    }

    /**
     * Tracks a connection until {@link #close}. {@code end} is how the admin API ends it: it must hand the message to
     * the session's own thread, which tells the client and closes the connection. {@code drain} is how a stopping
     * gateway ends it: the same, once the statements in progress have completed. A connection opened after
     * {@link #drainAll} is drained at once.
     */
    public LiveSession open(
            CancelKey key, String protocol, String clientAddress, Consumer<String> end, Consumer<String> drain) {
        LiveSession session = new LiveSession(key.sessionId(), protocol, clientAddress, Instant.now(), end, drain);
        live.put(key.sessionId(), session);
        String message = drainMessage;
        if (message != null) {
            session.drain(message);
        }
        return session;
    }

    public void close(LiveSession session) {
        live.remove(session.id(), session);
    }

    /** Every open connection, by id. */
    public List<SessionInfo> list() {
        return live.values().stream()
                .map(LiveSession::snapshot)
                .sorted(Comparator.comparingInt(SessionInfo::id))
                .toList();
    }

    /** How many connections of {@code protocol} are open. */
    public long open(String protocol) {
        return list().stream()
                .filter(session -> session.protocol().equals(protocol))
                .count();
    }

    /** Ends session {@code id} with {@code message}; empty when there is no such session. */
    public Optional<SessionInfo> end(int id, String message) {
        LiveSession session = live.get(id);
        if (session == null) {
            return Optional.empty();
        }
        session.end(message);
        return Optional.of(session.snapshot());
    }

    /** Ends every session authenticated as {@code user}, on both protocols, with {@code message}. */
    public List<SessionInfo> endUser(String user, String message) {
        List<LiveSession> ended = live.values().stream()
                .filter(session -> session.user().filter(user::equals).isPresent())
                .toList();
        ended.forEach(session -> session.end(message));
        return ended.stream().map(LiveSession::snapshot).toList();
    }

    /**
     * Asks every connection, open now or opened from now on, to end with {@code message} once its statements in
     * progress have completed.
     */
    public void drainAll(String message) {
        drainMessage = requireNonNull(message, "message is null");
        live.values().forEach(session -> session.drain(message));
    }

    /** Ends every connection at once with {@code message}. */
    public void endAll(String message) {
        live.values().forEach(session -> session.end(message));
    }

    /** How many connections are open, on both protocols. */
    public int openCount() {
        return live.size();
    }

    /** The id the client knows its session by, and the secret that proves a cancel request comes from it. */
    public record CancelKey(int sessionId, int secret) {}

    private record Entry(CancelKey key, Runnable cancelAction) {}
}
