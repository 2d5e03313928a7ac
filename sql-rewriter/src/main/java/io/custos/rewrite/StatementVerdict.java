package io.custos.rewrite;

import static java.util.Objects.requireNonNull;

import io.custos.policy.StatementClass;
import java.util.List;
import java.util.Optional;

/**
 * The gate's verdict on one statement. {@code normalized} has every literal replaced by {@code ?} and is what the
 * audit trail records, with {@code digest} (hex SHA-256 of it); {@code sql} is the text to send (the rewrite, or the
 * original); {@code rule} names the refusing rule ({@code null} unless refused); {@code reason} is the message for the
 * client; {@code touched} names the classified tables and columns the statement names, for the audit trail;
 * {@code preparedStatement} what it does to the session's SQL-level prepared statements, which the session keeps.
 */
public record StatementVerdict(
        StatementClass statementClass,
        String normalized,
        String digest,
        Decision decision,
        String sql,
        List<String> maskedColumns,
        String rule,
        String reason,
        Touched touched,
        Optional<PreparedStatementUse> preparedStatement) {
    public StatementVerdict {
        requireNonNull(statementClass, "statementClass is null");
        requireNonNull(normalized, "normalized is null");
        requireNonNull(digest, "digest is null");
        requireNonNull(decision, "decision is null");
        requireNonNull(sql, "sql is null");
        maskedColumns = List.copyOf(maskedColumns);
        requireNonNull(touched, "touched is null");
        requireNonNull(preparedStatement, "preparedStatement is null");
    }

    /** A verdict that does nothing to prepared statements. */
    public StatementVerdict(
            StatementClass statementClass,
            String normalized,
            String digest,
            Decision decision,
            String sql,
            List<String> maskedColumns,
            String rule,
            String reason,
            Touched touched) {
        this(statementClass, normalized, digest, decision, sql, maskedColumns, rule, reason, touched, Optional.empty());
    }

    /** A verdict that touches nothing classified (or where nobody looked). */
    public StatementVerdict(
            StatementClass statementClass,
            String normalized,
            String digest,
            Decision decision,
            String sql,
            List<String> maskedColumns,
            String rule,
            String reason) {
        this(statementClass, normalized, digest, decision, sql, maskedColumns, rule, reason, Touched.NONE);
    }

    /** This verdict with {@code otherTouched}. */
    public StatementVerdict withTouched(Touched otherTouched) {
        return new StatementVerdict(
                statementClass,
                normalized,
                digest,
                decision,
                sql,
                maskedColumns,
                rule,
                reason,
                otherTouched,
                preparedStatement);
    }

    /** This verdict, saying what it does to the session's prepared statements. */
    public StatementVerdict withPreparedStatement(Optional<PreparedStatementUse> use) {
        return new StatementVerdict(
                statementClass, normalized, digest, decision, sql, maskedColumns, rule, reason, touched, use);
    }

    /**
     * The classified tables ({@code schema.table}) a statement names, the classified columns of those tables
     * ({@code schema.table.column}) it names or reaches with a {@code *}, and their levels, ascending. Names are
     * matched as the lexer sees them, without resolving aliases, so this is what the statement may touch: a superset
     * when a name is shared or a {@code *} covers columns the query does not return.
     */
    public record Touched(List<String> tables, List<String> columns, List<Integer> levels) {
        public static final Touched NONE = new Touched(List.of(), List.of(), List.of());

        public Touched {
            tables = List.copyOf(tables);
            columns = List.copyOf(columns);
            levels = List.copyOf(levels);
        }
    }
}
