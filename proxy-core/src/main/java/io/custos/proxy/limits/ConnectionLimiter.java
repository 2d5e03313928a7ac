package io.custos.proxy.limits;

import io.custos.policy.Limits;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Counts the gateway's client connections in total, per client address (from accepting to closing) and per user (from
 * logging in to closing), against the limits of the policy in force. A refused connection is not counted. Thread-safe:
 * every event loop admits and releases through the same instance.
 */
public final class ConnectionLimiter {
    private final Supplier<Limits> limits;
    private final AtomicInteger total = new AtomicInteger();
    private final Map<String, Integer> perAddress = new ConcurrentHashMap<>();
    private final Map<String, Integer> perUser = new ConcurrentHashMap<>();

    public ConnectionLimiter(Supplier<Limits> limits) {
        this.limits = limits;
    }

    /** Which limit refused a connection. */
    public enum Refusal {
        TOTAL,
        ADDRESS,
        USER
    }

    /** Admits a new connection from {@code address} (an IP address, no port), or says which limit it exceeds. */
    public Admission admit(String address) {
        Limits current = limits.get();
        if (total.incrementAndGet() > current.maxConnections()) {
            total.decrementAndGet();
            return new Admission(this, address, Refusal.TOTAL);
        }
        if (!increment(perAddress, address, current.maxConnectionsPerAddress())) {
            total.decrementAndGet();
            return new Admission(this, address, Refusal.ADDRESS);
        }
        return new Admission(this, address, null);
    }

    public int total() {
        return total.get();
    }

    public int fromAddress(String address) {
        return perAddress.getOrDefault(address, 0);
    }

    public int ofUser(String user) {
        return perUser.getOrDefault(user, 0);
    }

    boolean admitUser(String user) {
        return increment(perUser, user, limits.get().maxConnectionsPerUser());
    }

    void release(String address, String user) {
        total.decrementAndGet();
        decrement(perAddress, address);
        if (user != null) {
            decrement(perUser, user);
        }
    }

    private static boolean increment(Map<String, Integer> counts, String key, int max) {
        boolean[] admitted = new boolean[1];
        counts.compute(key, (ignored, count) -> {
            int next = count == null ? 1 : count + 1;
            if (next > max) {
                return count;
            }
            admitted[0] = true;
            return next;
        });
        return admitted[0];
    }

    private static void decrement(Map<String, Integer> counts, String key) {
        counts.computeIfPresent(key, (ignored, count) -> count <= 1 ? null : count - 1);
    }

    /**
     * One connection's place in the counts, or the refusal. {@link #release} gives the place back (once; a refused
     * admission holds none). Used on the connection's event loop only.
     */
    public static final class Admission {
        private final ConnectionLimiter limiter;
        private final String address;
        private final Refusal refusal;
        private String user;
        private boolean released;

        private Admission(ConnectionLimiter limiter, String address, Refusal refusal) {
            this.limiter = limiter;
            this.address = address;
            this.refusal = refusal;
            this.released = refusal != null;
        }

        /** Empty when the connection was admitted. */
        public Optional<Refusal> refusal() {
            return Optional.ofNullable(refusal);
        }

        /**
         * Counts the connection as {@code user}'s once it has logged in; false when the user is at the limit. A
         * connection that logs in again as another user (MySQL's COM_CHANGE_USER) moves to that user's count.
         */
        public boolean loggedIn(String newUser) {
            if (released || newUser.equals(user)) {
                return !released;
            }
            if (!limiter.admitUser(newUser)) {
                return false;
            }
            if (user != null) {
                decrement(limiter.perUser, user);
            }
            user = newUser;
            return true;
        }

        /** Gives the connection's place back; idempotent. */
        public void release() {
            if (released) {
                return;
            }
            released = true;
            limiter.release(address, user);
        }
    }
}
