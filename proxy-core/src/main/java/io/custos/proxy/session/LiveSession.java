package io.custos.proxy.session;

import static java.util.Objects.requireNonNull;

import io.custos.policy.StatementClass;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * What the admin API shows of one session, and the way to end it. The session's own thread writes the fields; any
 * thread reads them, so each is volatile or atomic and a snapshot may mix values from one moment to the next.
 */
public final class LiveSession {
    private final int id;
    private final String protocol;
    private final String clientAddress;
    private final Instant since;
    private final Consumer<String> end;
    private final Consumer<String> drain;
    private final AtomicLong statements = new AtomicLong();

    private volatile String user;
    private volatile String role;
    private volatile StatementClass statementClass;

    LiveSession(
            int id,
            String protocol,
            String clientAddress,
            Instant since,
            Consumer<String> end,
            Consumer<String> drain) {
        this.id = id;
        this.protocol = requireNonNull(protocol, "protocol is null");
        this.clientAddress = requireNonNull(clientAddress, "clientAddress is null");
        this.since = requireNonNull(since, "since is null");
        this.end = requireNonNull(end, "end is null");
        this.drain = requireNonNull(drain, "drain is null");
    }

    /** The session authenticated as {@code user} with {@code role}, or a reloaded policy gave it another role. */
    public void authenticated(String user, String role) {
        this.user = requireNonNull(user, "user is null");
        this.role = requireNonNull(role, "role is null");
    }

    /** The session received {@code count} statements, the last of them of {@code statementClass}. */
    public void statements(int count, StatementClass statementClass) {
        if (count <= 0) {
            return;
        }
        statements.addAndGet(count);
        this.statementClass = statementClass;
    }

    int id() {
        return id;
    }

    Optional<String> user() {
        return Optional.ofNullable(user);
    }

    /** Asks the session to end with {@code message}; it does so on its own thread, soon after. */
    void end(String message) {
        end.accept(message);
    }

    /**
     * Asks the session to end with {@code message} once the statements it is running have completed, at once if it
     * runs none; on its own thread.
     */
    void drain(String message) {
        drain.accept(message);
    }

    SessionInfo snapshot() {
        return new SessionInfo(
                id,
                user,
                role,
                protocol,
                clientAddress,
                since,
                statements.get(),
                statementClass == null ? null : statementClass.policyName());
    }
}
