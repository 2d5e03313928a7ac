package io.custos.rewrite;

import static java.util.Objects.requireNonNull;

/**
 * What a statement does to its session's SQL-level prepared statements: {@code PREPARE name …}, {@code EXECUTE name},
 * {@code DEALLOCATE [PREPARE] name} (MySQL also {@code DROP PREPARE name}), and {@code DEALLOCATE ALL} or PostgreSQL's
 * {@code DISCARD ALL}, which forget them all.
 *
 * @param kind what the statement does
 * @param name the prepared statement's name as the server compares it (PostgreSQL folds an unquoted name to lower
 *     case; MySQL compares names without case, so they are lower-cased); empty for {@link Kind#DEALLOCATE_ALL}
 * @param text for {@link Kind#PREPARE}, the statement as the client wrote it, which the gate decides again when the
 *     prepared statement is executed; empty otherwise
 * @param bodyStart for MySQL's {@code PREPARE name FROM 'text'}, the offset in {@code text} of the string literal that
 *     holds the statement prepared; -1 otherwise
 * @param bodyEnd the offset in {@code text} just past that literal; -1 otherwise
 * @param body the statement the literal holds, unescaped; empty otherwise
 */
public record PreparedStatementUse(Kind kind, String name, String text, int bodyStart, int bodyEnd, String body) {
    /** What a statement does to the session's SQL-level prepared statements. */
    public enum Kind {
        PREPARE,
        EXECUTE,
        DEALLOCATE,
        DEALLOCATE_ALL
    }

    public PreparedStatementUse {
        requireNonNull(kind, "kind is null");
        requireNonNull(name, "name is null");
        requireNonNull(text, "text is null");
        requireNonNull(body, "body is null");
    }

    /** A use without a statement text: EXECUTE, DEALLOCATE, DEALLOCATE ALL. */
    public static PreparedStatementUse of(Kind kind, String name) {
        return new PreparedStatementUse(kind, name, "", -1, -1, "");
    }

    /** Whether the prepared statement is held in a string literal (MySQL's {@code PREPARE name FROM 'text'}). */
    public boolean hasBody() {
        return bodyStart >= 0;
    }
}
