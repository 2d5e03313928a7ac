package io.custos.rewrite.postgres;

import static java.util.Objects.requireNonNull;

import io.custos.policy.StatementClass;
import io.custos.rewrite.PreparedStatementUse;
import java.util.List;
import java.util.Optional;

/**
 * One statement of a client's message as the lexer sees it.
 *
 * @param start offset of the statement's first token in the message
 * @param end offset just past its last token (the {@code ;} and any trailing comment are not part of it)
 * @param text the message's text between {@code start} and {@code end}
 * @param statementClass what the statement does for role permissions; {@link StatementClass#IMPORT_EXPORT} if it
 *     copies or calls a server file function, {@link StatementClass#OTHER} if it is malformed
 * @param verbs every kind of work the statement does, with the key words the client wrote for it, first the main
 *     statement's: {@code WITH d AS (DELETE …) SELECT …} is a read and a delete; a role must hold all of them
 * @param importExport {@code COPY}, or the name of the server file or large-object function the statement calls
 * @param sqlTextFunction the name of a called function that runs SQL given as text ({@code query_to_xml},
 *     {@code dblink}, …), which no analysis of this statement can see into
 * @param normalized the statement with every literal replaced by {@code ?}, comments removed, whitespace collapsed
 *     and key words upper-cased: safe to log
 * @param digest hex SHA-256 of {@code normalized}
 * @param calciteText the statement prepared for Calcite, with the same length and offsets as {@code text}
 * @param queryOffset offset in {@code text} of the query to analyse: 0, or where the statement that
 *     {@code PREPARE … AS}, {@code DECLARE … CURSOR FOR} or {@code EXPLAIN} wraps begins
 * @param identifierChains every dotted name, each part as PostgreSQL folds it ({@code Public.Customer} is
 *     {@code [public, customer]}, {@code "Customer"} is {@code [Customer]})
 * @param writeTarget the table an INSERT, UPDATE, DELETE or MERGE writes, as named after {@code INTO}, {@code UPDATE}
 *     or {@code FROM}
 * @param sourceChains the identifier chains a write reads or tests: all of them but the target, the INSERT column
 *     list and the columns assigned by {@code SET}; all of them for other statements
 * @param embedsQuery whether the statement holds a query ({@code SELECT}, {@code VALUES}, {@code AS TABLE}) or, in
 *     DDL, an expression over stored columns ({@code ALTER … USING}, {@code GENERATED}): such DDL defines something
 *     from data
 * @param hasReturning whether a {@code RETURNING} clause appears
 * @param malformed whether the server's lexer would reject the statement (unterminated quote or comment, bad escape,
 *     unbalanced parentheses, a statement shape the lexer cannot follow)
 * @param preparedStatement what the statement does to the session's SQL-level prepared statements, if anything
 */
public record LexedStatement(
        int start,
        int end,
        String text,
        StatementClass statementClass,
        List<Verb> verbs,
        Optional<String> importExport,
        Optional<String> sqlTextFunction,
        String normalized,
        String digest,
        String calciteText,
        int queryOffset,
        List<List<String>> identifierChains,
        Optional<List<String>> writeTarget,
        List<List<String>> sourceChains,
        boolean embedsQuery,
        boolean hasReturning,
        boolean malformed,
        Optional<PreparedStatementUse> preparedStatement) {
    public LexedStatement {
        requireNonNull(text, "text is null");
        requireNonNull(statementClass, "statementClass is null");
        verbs = List.copyOf(verbs);
        requireNonNull(importExport, "importExport is null");
        requireNonNull(sqlTextFunction, "sqlTextFunction is null");
        requireNonNull(normalized, "normalized is null");
        requireNonNull(digest, "digest is null");
        requireNonNull(calciteText, "calciteText is null");
        identifierChains = identifierChains.stream().map(List::copyOf).toList();
        writeTarget = requireNonNull(writeTarget, "writeTarget is null").map(List::copyOf);
        sourceChains = sourceChains.stream().map(List::copyOf).toList();
        requireNonNull(preparedStatement, "preparedStatement is null");
    }

    /** One kind of work a statement does, named by the key words the client wrote, for example {@code DROP TABLE}. */
    public record Verb(StatementClass statementClass, String keywords) {
        public Verb {
            requireNonNull(statementClass, "statementClass is null");
            requireNonNull(keywords, "keywords is null");
        }
    }
}
