package io.custos.proxy.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.policy.Limits;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConnectionLimiterTest {
    private static final Limits LIMITS = new Limits(
            3,
            1,
            2,
            Limits.DEFAULTS.maxMessageBytes(),
            Limits.DEFAULTS.maxStatementBytes(),
            Duration.ofSeconds(60),
            Duration.ZERO,
            Duration.ZERO,
            Limits.Lockout.DEFAULTS,
            Limits.DEFAULTS.shutdownDrain());

    private final ConnectionLimiter limiter = new ConnectionLimiter(() -> LIMITS);

    @Test
    void admit_perAddressThenTotal() {
        ConnectionLimiter.Admission first = limiter.admit("10.0.0.1");
        ConnectionLimiter.Admission second = limiter.admit("10.0.0.1");
        ConnectionLimiter.Admission third = limiter.admit("10.0.0.1");
        ConnectionLimiter.Admission other = limiter.admit("10.0.0.2");
        ConnectionLimiter.Admission fourth = limiter.admit("10.0.0.3");

        assertThat(first.refusal()).isEmpty();
        assertThat(second.refusal()).isEmpty();
        assertThat(third.refusal()).contains(ConnectionLimiter.Refusal.ADDRESS);
        assertThat(other.refusal()).isEmpty();
        assertThat(fourth.refusal()).contains(ConnectionLimiter.Refusal.TOTAL);
        assertThat(limiter.total()).isEqualTo(3);
    }

    @Test
    void release_givesThePlaceBackOnce() {
        ConnectionLimiter.Admission first = limiter.admit("10.0.0.1");
        first.release();
        first.release();
        limiter.admit("10.0.0.1").release();

        assertThat(limiter.total()).isZero();
        assertThat(limiter.fromAddress("10.0.0.1")).isZero();
    }

    @Test
    void loggedIn_perUserLimit_andChangeOfUserMovesTheCount() {
        ConnectionLimiter.Admission first = limiter.admit("10.0.0.1");
        ConnectionLimiter.Admission second = limiter.admit("10.0.0.2");

        assertThat(first.loggedIn("bob")).isTrue();
        assertThat(second.loggedIn("bob")).isFalse();
        assertThat(first.loggedIn("alice")).isTrue();
        assertThat(second.loggedIn("bob")).isTrue();
        assertThat(limiter.ofUser("alice")).isEqualTo(1);

        first.release();
        assertThat(limiter.ofUser("alice")).isZero();
        assertThat(limiter.ofUser("bob")).isEqualTo(1);
    }
}
