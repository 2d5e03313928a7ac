package io.custos.proxy.postgres;

import io.custos.rewrite.StatementVerdict;
import java.util.List;

/**
 * One client message sent on to the backend whose response has not arrived yet. The backend answers messages strictly
 * in order, so a queue of these tells which statement each response belongs to: rows and completion for the audit
 * trail, and which error to replace when a refused statement was swapped for one that fails on purpose.
 */
final class Pending {
    enum Kind {
        /** A simple Query: zero or more statements, ends with ReadyForQuery. */
        QUERY,
        PARSE,
        BIND,
        DESCRIBE,
        EXECUTE,
        CLOSE,
        /** Ends with ReadyForQuery; errors before it make the backend skip everything up to it. */
        SYNC,
        /** A fast-path FunctionCall, ends with ReadyForQuery. */
        FUNCTION,
        /** The gateway's own query (the search path), ends with ReadyForQuery; nothing of it reaches the client. */
        INTERNAL
    }

    final Kind kind;
    /** For QUERY, the message's statements in order; for PARSE and EXECUTE, the one statement. */
    final List<StatementVerdict> statements;
    /** Set when the message was refused and replaced by one that fails: the backend's error is swapped for this. */
    final String refusal;

    int next;
    long rows;
    long startNanos;
    /** For EXECUTE, how many parameters the portal was bound with; -1 otherwise. */
    int parameters = -1;

    private Pending(Kind kind, List<StatementVerdict> statements, String refusal) {
        this.kind = kind;
        this.statements = statements;
        this.refusal = refusal;
        this.startNanos = System.nanoTime();
    }

    static Pending of(Kind kind) {
        return new Pending(kind, List.of(), null);
    }

    static Pending statements(Kind kind, List<StatementVerdict> statements) {
        return new Pending(kind, statements, null);
    }

    static Pending refused(Kind kind, String refusal) {
        return new Pending(kind, List.of(), refusal);
    }

    /** The statement the next completion belongs to, or {@code null} when none is left. */
    StatementVerdict current() {
        return next < statements.size() ? statements.get(next) : null;
    }

    /** Moves to the next statement and starts its clock. */
    void advance() {
        next++;
        rows = 0;
        startNanos = System.nanoTime();
    }

    long elapsedMicros() {
        return (System.nanoTime() - startNanos) / 1_000;
    }
}
