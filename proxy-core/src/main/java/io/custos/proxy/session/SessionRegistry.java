package io.custos.proxy.session;

import java.security.SecureRandom;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every live session of the gateway, with the cancel key the gateway gave its client. A client's cancel key is the
 * gateway's own; the backend's key never leaves the gateway, so a client cannot cancel another session's query by
 * guessing a backend process id.
 */
public final class SessionRegistry {
    private final AtomicInteger nextId = new AtomicInteger(1);
    private final Map<Integer, Entry> sessions = new ConcurrentHashMap<>();
    private final SecureRandom random;

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

    /** The id the client knows its session by, and the secret that proves a cancel request comes from it. */
    public record CancelKey(int sessionId, int secret) {}

    private record Entry(CancelKey key, Runnable cancelAction) {}
}
