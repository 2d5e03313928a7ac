package io.custos.proxy.limits;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The idle timeouts of one session: started when the session waits for the client's next statement (the database's
 * answer is complete), stopped when the client sends something. Which timeout applies depends on whether a
 * transaction is open. Runs on the session's event loop only; a zero timeout is never started.
 */
public final class IdleTimer {
    private final EventExecutor executor;
    private final Duration idleSession;
    private final Duration idleInTransaction;
    private final Consumer<Boolean> onExpired;
    private ScheduledFuture<?> pending;

    /**
     * @param onExpired called on the event loop with {@code true} when the idle-in-transaction timeout expired,
     *     {@code false} for the idle-session timeout
     */
    public IdleTimer(
            EventExecutor executor, Duration idleSession, Duration idleInTransaction, Consumer<Boolean> onExpired) {
        this.executor = executor;
        this.idleSession = idleSession;
        this.idleInTransaction = idleInTransaction;
        this.onExpired = onExpired;
    }

    /** The session now waits for the client; {@code inTransaction} when a transaction is open (or failed). */
    public void idle(boolean inTransaction) {
        cancel();
        Duration timeout = inTransaction ? idleInTransaction : idleSession;
        if (timeout.isZero()) {
            return;
        }
        pending = executor.schedule(() -> expire(inTransaction), timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The client sent something: no timeout runs until the session is idle again. */
    public void busy() {
        cancel();
    }

    public void cancel() {
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }

    private void expire(boolean inTransaction) {
        pending = null;
        onExpired.accept(inTransaction);
    }
}
