package io.custos.proxy.limits;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import io.custos.policy.Limits;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LoginLockoutTest {
    private static final Limits.Lockout SETTINGS = new Limits.Lockout(
            2, Duration.ofMillis(100), Duration.ofMillis(300), 5, Duration.ofSeconds(30), Duration.ofMinutes(10));

    /** A clock the test moves by hand. */
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    private final Ticker ticker = nanos::get;
    private final LoginLockout lockout = new LoginLockout(() -> SETTINGS, ticker);

    @Test
    void failed_delayGrowsAfterDelayAfterThenCaps() {
        assertThat(lockout.failed("10.0.0.7", "bob").delay()).isZero();
        assertThat(lockout.failed("10.0.0.7", "bob").delay()).isZero();
        assertThat(lockout.failed("10.0.0.7", "bob").delay()).isEqualTo(Duration.ofMillis(100));
        assertThat(lockout.failed("10.0.0.7", "bob").delay()).isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void delay_cappedAtMaxDelay() {
        assertThat(LoginLockout.delay(SETTINGS, 3)).isEqualTo(Duration.ofMillis(100));
        assertThat(LoginLockout.delay(SETTINGS, 4)).isEqualTo(Duration.ofMillis(200));
        assertThat(LoginLockout.delay(SETTINGS, 5)).isEqualTo(Duration.ofMillis(300));
        assertThat(LoginLockout.delay(SETTINGS, 500)).isEqualTo(Duration.ofMillis(300));
    }

    @Test
    void failed_lockAfterFailures_locksAddressForTheLockDuration() {
        for (int i = 0; i < 4; i++) {
            assertThat(lockout.failed("10.0.0.7", "user" + i).newLock()).isEmpty();
        }

        LoginLockout.Outcome fifth = lockout.failed("10.0.0.7", "user4");

        assertThat(fifth.newLock())
                .hasValueSatisfying(lock -> assertThat(lock.subject()).isEqualTo("address 10.0.0.7"));
        assertThat(lockout.locked("10.0.0.7", "anyone")).isPresent();
        assertThat(lockout.locked("10.0.0.8", "anyone")).isEmpty();
        nanos.addAndGet(Duration.ofSeconds(29).toNanos());
        assertThat(lockout.locked("10.0.0.7", "anyone"))
                .hasValueSatisfying(lock -> assertThat(lock.remainingSeconds()).isEqualTo(1));
        nanos.addAndGet(Duration.ofSeconds(2).toNanos());
        assertThat(lockout.locked("10.0.0.7", "anyone")).isEmpty();
    }

    @Test
    void failed_sameUserFromManyAddresses_locksTheUser() {
        for (int i = 0; i < 5; i++) {
            lockout.failed("10.0.1." + i, "bob");
        }

        assertThat(lockout.locked("10.0.2.1", "bob"))
                .hasValueSatisfying(lock -> assertThat(lock.subject()).isEqualTo("user 'bob'"));
        assertThat(lockout.locked("10.0.2.1", "alice")).isEmpty();
    }

    @Test
    void succeeded_forgetsFailuresButNotLocks() {
        lockout.failed("10.0.0.7", "bob");
        lockout.failed("10.0.0.7", "bob");
        lockout.succeeded("10.0.0.7", "bob");

        assertThat(lockout.failed("10.0.0.7", "bob").delay()).isZero();

        for (int i = 0; i < 5; i++) {
            lockout.failed("10.0.0.9", "carol");
        }
        lockout.succeeded("10.0.0.9", "carol");
        assertThat(lockout.locked("10.0.0.9", "carol")).isPresent();
    }

    @Test
    void failures_forgottenAfterTheWindow() {
        lockout.failed("10.0.0.7", "bob");
        lockout.failed("10.0.0.7", "bob");
        nanos.addAndGet(Duration.ofMinutes(11).toNanos());

        assertThat(lockout.failed("10.0.0.7", "bob").delay()).isZero();
    }
}
