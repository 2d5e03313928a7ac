package io.custos.rewrite;

import static java.util.Objects.requireNonNull;

import io.custos.policy.StatementClass;
import java.util.List;

/**
 * The gate's verdict on one statement. {@code normalized} has every literal replaced by {@code ?} and is what the
 * audit trail records, with {@code digest} (hex SHA-256 of it); {@code sql} is the text to send (the rewrite, or the
 * original); {@code rule} names the refusing rule ({@code null} unless refused); {@code reason} is the message for the
 * client.
 */
public record StatementVerdict(
        StatementClass statementClass,
        String normalized,
        String digest,
        Decision decision,
        String sql,
        List<String> maskedColumns,
        String rule,
        String reason) {
    public StatementVerdict {
        requireNonNull(statementClass, "statementClass is null");
        requireNonNull(normalized, "normalized is null");
        requireNonNull(digest, "digest is null");
        requireNonNull(decision, "decision is null");
        requireNonNull(sql, "sql is null");
        maskedColumns = List.copyOf(maskedColumns);
    }
}
