package io.custos.proxy.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.custos.policy.Limits;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Failed logins per client address and per user name, shared by both protocols. From {@code delay_after} failures on,
 * each further failure is answered late, the delay doubling up to {@code max_delay}; at {@code lock_after} failures the
 * address or the name is locked for {@code lock_duration}: every login from it or for it is refused, right password or
 * not. Failures are forgotten {@code window} after the last one; a successful login forgets those of its address and
 * name. Unknown user names are counted like known ones, so a lock says nothing about whether the user exists.
 *
 * <p>The state lives in a Caffeine cache whose entries expire at the end of their window or lock, whichever is later,
 * so the memory it takes is bounded by the failures of the last window. Thread-safe.
 */
public final class LoginLockout {
    /** More entries than this and the oldest are dropped: a flood of made-up names cannot exhaust memory. */
    static final long MAX_ENTRIES = 100_000;

    private final Supplier<Limits.Lockout> settings;
    private final Ticker ticker;
    private final Cache<String, Failures> failures;

    public LoginLockout(Supplier<Limits.Lockout> settings) {
        this(settings, Ticker.systemTicker());
    }

    LoginLockout(Supplier<Limits.Lockout> settings, Ticker ticker) {
        this.settings = settings;
        this.ticker = ticker;
        this.failures = Caffeine.newBuilder()
                .maximumSize(MAX_ENTRIES)
                .ticker(ticker)
                .expireAfter(new UntilForgotten())
                .build();
    }

    /** A lock in force: what is locked and for how much longer. */
    public record Lock(String subject, Duration remaining) {
        /** {@code "address 10.0.0.7"} or {@code "user 'bob'"}, then the time left in whole seconds, rounded up. */
        public long remainingSeconds() {
            return Math.max(1, (remaining.toMillis() + 999) / 1000);
        }
    }

    /** What a failure leads to: how long to wait before answering, and the lock it started, if any. */
    public record Outcome(Duration delay, Optional<Lock> newLock, int failures) {}

    /** The lock on {@code address} or {@code user} in force now, if any. */
    public Optional<Lock> locked(String address, String user) {
        long now = ticker.read();
        Optional<Lock> byAddress = lockOf(addressKey(address), "address " + address, now);
        if (byAddress.isPresent() || user == null) {
            return byAddress;
        }
        return lockOf(userKey(user), "user '" + user + "'", now);
    }

    /** Counts a failed login of {@code user} from {@code address}. */
    public Outcome failed(String address, String user) {
        Limits.Lockout lockout = settings.get();
        long now = ticker.read();
        Failures byAddress = count(addressKey(address), lockout, now);
        Failures byUser = user == null ? null : count(userKey(user), lockout, now);

        int most = Math.max(byAddress.recent, byUser == null ? 0 : byUser.recent);
        Optional<Lock> lock = Optional.empty();
        if (byAddress.lockedSince == now) {
            lock = Optional.of(new Lock("address " + address, lockout.lockDuration()));
        } else if (byUser != null && byUser.lockedSince == now) {
            lock = Optional.of(new Lock("user '" + user + "'", lockout.lockDuration()));
        }
        int total = Math.max(byAddress.total, byUser == null ? 0 : byUser.total);
        return new Outcome(delay(lockout, most), lock, total);
    }

    /** A successful login: the failures of its address and name are forgotten, locks excepted. */
    public void succeeded(String address, String user) {
        forgetUnlessLocked(addressKey(address));
        forgetUnlessLocked(userKey(user));
    }

    private void forgetUnlessLocked(String key) {
        long now = ticker.read();
        failures.asMap().computeIfPresent(key, (ignored, state) -> state.lockedUntil > now ? state : null);
    }

    private Optional<Lock> lockOf(String key, String subject, long now) {
        Failures state = failures.getIfPresent(key);
        if (state == null || state.lockedUntil <= now) {
            return Optional.empty();
        }
        return Optional.of(new Lock(subject, Duration.ofNanos(state.lockedUntil - now)));
    }

    private Failures count(String key, Limits.Lockout lockout, long now) {
        return failures.asMap().compute(key, (ignored, previous) -> {
            Failures state = previous == null ? new Failures() : previous.copy();
            state.recent++;
            state.total++;
            state.forgetAt = now + lockout.window().toNanos();
            if (state.recent >= lockout.lockAfter() && state.lockedUntil <= now) {
                state.lockedSince = now;
                state.lockedUntil = now + lockout.lockDuration().toNanos();
                state.recent = 0;
            }
            return state;
        });
    }

    /** No delay up to {@code delay_after} failures; then the initial delay, doubled for each further one. */
    static Duration delay(Limits.Lockout lockout, int failures) {
        if (failures <= lockout.delayAfter()) {
            return Duration.ZERO;
        }
        int doublings = Math.min(failures - lockout.delayAfter() - 1, 30);
        Duration delay = lockout.initialDelay().multipliedBy(1L << doublings);
        return delay.compareTo(lockout.maxDelay()) > 0 ? lockout.maxDelay() : delay;
    }

    private static String addressKey(String address) {
        return "a:" + address;
    }

    private static String userKey(String user) {
        return "u:" + user;
    }

    /** One address's or one name's failures; replaced, never changed in place, once in the cache. */
    private static final class Failures {
        int recent;
        int total;
        long forgetAt;
        long lockedSince = Long.MIN_VALUE;
        long lockedUntil = Long.MIN_VALUE;

        Failures copy() {
            Failures copy = new Failures();
            copy.recent = recent;
            copy.total = total;
            copy.forgetAt = forgetAt;
            copy.lockedSince = lockedSince;
            copy.lockedUntil = lockedUntil;
            return copy;
        }

        long expiresAt() {
            return Math.max(forgetAt, lockedUntil);
        }
    }

    private static final class UntilForgotten implements Expiry<String, Failures> {
        @Override
        public long expireAfterCreate(String key, Failures value, long currentTime) {
            return Math.max(0, value.expiresAt() - currentTime);
        }

        @Override
        public long expireAfterUpdate(String key, Failures value, long currentTime, long currentDuration) {
            return Math.max(0, value.expiresAt() - currentTime);
        }

        @Override
        public long expireAfterRead(String key, Failures value, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
