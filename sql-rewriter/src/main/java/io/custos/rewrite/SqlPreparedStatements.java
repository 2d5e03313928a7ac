package io.custos.rewrite;

import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The SQL-level prepared statements of one session ({@code PREPARE name …}), by name, so that {@code EXECUTE name}
 * carries the decision of the statement it runs (see {@link StatementGate#check(String, Caller, boolean,
 * java.util.function.Function)}). A session tells it which statements the server completed or failed; a PREPARE is
 * remembered only once the server has completed it, and DEALLOCATE forgets it.
 *
 * <p>PostgreSQL refuses a PREPARE whose name is taken and keeps the statement it had; MySQL replaces a prepared
 * statement of the same name, and once it has begun to, the old one is gone even when the new PREPARE fails.
 *
 * <p>Not thread-safe: a session uses it on its own event loop.
 */
public final class SqlPreparedStatements {
    /**
     * A prepared statement the server holds.
     *
     * @param text the PREPARE statement as the client wrote it (for a PostgreSQL protocol-level statement, the Parse
     *     text), which the gate decides again at EXECUTE
     * @param sent the text the gateway sent the server for it: the same when it was allowed, the rewrite when masked
     */
    public record Prepared(String text, String sent) {
        public Prepared {
            requireNonNull(text, "text is null");
            requireNonNull(sent, "sent is null");
        }
    }

    private final boolean failedPrepareForgets;
    private final Map<String, Prepared> byName = new HashMap<>();

    private SqlPreparedStatements(boolean failedPrepareForgets) {
        this.failedPrepareForgets = failedPrepareForgets;
    }

    public static SqlPreparedStatements postgres() {
        return new SqlPreparedStatements(false);
    }

    public static SqlPreparedStatements mySql() {
        return new SqlPreparedStatements(true);
    }

    /** The server completed the statement of {@code verdict}. */
    public void completed(StatementVerdict verdict) {
        verdict.preparedStatement().ifPresent(use -> {
            switch (use.kind()) {
                case PREPARE -> byName.put(use.name(), new Prepared(use.text(), verdict.sql()));
                case DEALLOCATE -> byName.remove(use.name());
                case DEALLOCATE_ALL -> byName.clear();
                case EXECUTE -> {}
            }
        });
    }

    /** The server failed the statement of {@code verdict}. */
    public void failed(StatementVerdict verdict) {
        verdict.preparedStatement().ifPresent(use -> {
            if (use.kind() == PreparedStatementUse.Kind.PREPARE && failedPrepareForgets) {
                byName.remove(use.name());
            }
        });
    }

    /** The server forgot every prepared statement of the session (MySQL's COM_RESET_CONNECTION, COM_CHANGE_USER). */
    public void clear() {
        byName.clear();
    }

    public Optional<Prepared> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }
}
