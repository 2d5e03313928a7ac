package io.custos.proxy.audit;

import static java.util.Objects.requireNonNull;

import io.custos.policy.StatementClass;
import io.custos.rewrite.Decision;
import io.custos.rewrite.Digests;
import io.custos.rewrite.StatementVerdict;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * One entry of the audit trail. Nullable fields are left out of the written record; {@code rows},
 * {@code durationMicros} and {@code parameters} are {@code -1} when unknown or not applicable, and are left out then
 * too, as are empty lists.
 *
 * <p>Statement records never hold a literal value: {@code normalized} is the gate's normalized text (every literal a
 * {@code ?}), and for statements that set passwords or other secrets everything from the key word that introduces the
 * secret on is replaced as well (see {@link AuditRedaction}), with the digest taken of what remains. Bound parameters
 * are counted, never recorded.
 *
 * @param decision one of {@link #ALLOWED}, {@link #REWRITTEN}, {@link #REFUSED}, {@link #FAILED}; null for
 *     connection events
 * @param errorCode the SQLSTATE the backend or the gateway returned, if any
 * @param tables the classified tables the statement names, as {@code schema.table}
 * @param columns the classified columns it names or selects with {@code *}, as {@code schema.table.column}
 * @param levels the levels of those columns, ascending
 * @param parameters how many parameters were bound to a prepared statement, {@code -1} when none were
 */
public record AuditRecord(
        Instant time,
        AuditEvent event,
        long sessionId,
        String user,
        String role,
        String clientAddress,
        String database,
        String protocol,
        StatementClass statementClass,
        String normalized,
        String digest,
        String decision,
        String rule,
        String reason,
        List<String> maskedColumns,
        long rows,
        long durationMicros,
        String policyVersion,
        String errorCode,
        List<String> tables,
        List<String> columns,
        List<Integer> levels,
        int parameters) {
    public static final String ALLOWED = "allowed";
    public static final String REWRITTEN = "rewritten";
    public static final String REFUSED = "refused";
    public static final String FAILED = "failed";

    private static final Set<String> DECISIONS = Set.of(ALLOWED, REWRITTEN, REFUSED, FAILED);

    public AuditRecord {
        requireNonNull(time, "time is null");
        requireNonNull(event, "event is null");
        requireNonNull(clientAddress, "clientAddress is null");
        requireNonNull(protocol, "protocol is null");
        requireNonNull(policyVersion, "policyVersion is null");
        maskedColumns = maskedColumns == null ? List.of() : List.copyOf(maskedColumns);
        tables = tables == null ? List.of() : List.copyOf(tables);
        columns = columns == null ? List.of() : List.copyOf(columns);
        levels = levels == null ? List.of() : List.copyOf(levels);
        if (parameters < -1) {
            throw new IllegalArgumentException("parameters: " + parameters + " (expected: >= -1)");
        }
        if (decision != null && !DECISIONS.contains(decision)) {
            throw new IllegalArgumentException("decision: " + decision + " (expected: one of " + DECISIONS + ")");
        }
        if (rows < -1) {
            throw new IllegalArgumentException("rows: " + rows + " (expected: >= -1)");
        }
        if (durationMicros < -1) {
            throw new IllegalArgumentException("durationMicros: " + durationMicros + " (expected: >= -1)");
        }
    }

    /** A record that names nothing classified and binds no parameters. */
    public AuditRecord(
            Instant time,
            AuditEvent event,
            long sessionId,
            String user,
            String role,
            String clientAddress,
            String database,
            String protocol,
            StatementClass statementClass,
            String normalized,
            String digest,
            String decision,
            String rule,
            String reason,
            List<String> maskedColumns,
            long rows,
            long durationMicros,
            String policyVersion,
            String errorCode) {
        this(
                time,
                event,
                sessionId,
                user,
                role,
                clientAddress,
                database,
                protocol,
                statementClass,
                normalized,
                digest,
                decision,
                rule,
                reason,
                maskedColumns,
                rows,
                durationMicros,
                policyVersion,
                errorCode,
                List.of(),
                List.of(),
                List.of(),
                -1);
    }

    /** This record with what its statement touched of the classification. */
    public AuditRecord touching(StatementVerdict.Touched touched) {
        return new AuditRecord(
                time,
                event,
                sessionId,
                user,
                role,
                clientAddress,
                database,
                protocol,
                statementClass,
                normalized,
                digest,
                decision,
                rule,
                reason,
                maskedColumns,
                rows,
                durationMicros,
                policyVersion,
                errorCode,
                touched.tables(),
                touched.columns(),
                touched.levels(),
                parameters);
    }

    /** This record noting that {@code count} parameters were bound. */
    public AuditRecord withParameters(int count) {
        return new AuditRecord(
                time,
                event,
                sessionId,
                user,
                role,
                clientAddress,
                database,
                protocol,
                statementClass,
                normalized,
                digest,
                decision,
                rule,
                reason,
                maskedColumns,
                rows,
                durationMicros,
                policyVersion,
                errorCode,
                tables,
                columns,
                levels,
                count);
    }

    /** A statement the gate passed (allowed or rewritten) completed with {@code rows} returned or affected. */
    public static AuditRecord completed(
            AuditContext context, StatementVerdict statement, long rows, long durationMicros, String policyVersion) {
        if (statement.decision() == Decision.REWRITTEN) {
            return rewritten(
                            context,
                            statement.statementClass(),
                            statement.normalized(),
                            statement.digest(),
                            statement.maskedColumns(),
                            rows,
                            durationMicros,
                            policyVersion)
                    .touching(statement.touched());
        }
        return allowed(
                        context,
                        statement.statementClass(),
                        statement.normalized(),
                        statement.digest(),
                        rows,
                        durationMicros,
                        policyVersion)
                .touching(statement.touched());
    }

    /** A statement the gate refused, answered with {@code errorCode}. */
    public static AuditRecord refusedBy(
            AuditContext context, StatementVerdict refusal, String errorCode, String policyVersion) {
        return refused(
                        context,
                        refusal.statementClass(),
                        refusal.normalized(),
                        refusal.digest(),
                        refusal.rule(),
                        refusal.reason(),
                        errorCode,
                        policyVersion)
                .touching(refusal.touched());
    }

    /** A client opened a connection. */
    public static AuditRecord connect(AuditContext context, String policyVersion) {
        return connectionEvent(AuditEvent.CONNECT, context, null, null, -1, policyVersion);
    }

    /** The client authenticated; {@code context} names the user, role and database. */
    public static AuditRecord authOk(AuditContext context, String policyVersion) {
        return connectionEvent(AuditEvent.AUTH_OK, context, null, null, -1, policyVersion);
    }

    /** The client failed to authenticate as the user {@code context} names, for {@code reason}. */
    public static AuditRecord authFailed(AuditContext context, String reason, String errorCode, String policyVersion) {
        return connectionEvent(AuditEvent.AUTH_FAILED, context, reason, errorCode, -1, policyVersion);
    }

    /** A lock the lockout put on an address or user name, after the failed login in {@code context}. */
    public static AuditRecord lockout(AuditContext context, String reason, String policyVersion) {
        return connectionEvent(AuditEvent.LOCKOUT, context, reason, null, -1, policyVersion);
    }

    /** The connection ended after {@code durationMicros}. */
    public static AuditRecord disconnect(AuditContext context, long durationMicros, String policyVersion) {
        return connectionEvent(AuditEvent.DISCONNECT, context, null, null, durationMicros, policyVersion);
    }

    /** A statement passed unchanged and completed. */
    public static AuditRecord allowed(
            AuditContext context,
            StatementClass statementClass,
            String normalized,
            String digest,
            long rows,
            long durationMicros,
            String policyVersion) {
        return statement(
                context,
                statementClass,
                normalized,
                digest,
                ALLOWED,
                null,
                null,
                List.of(),
                rows,
                durationMicros,
                policyVersion,
                null);
    }

    /** A statement was rewritten to mask {@code maskedColumns} and completed. */
    public static AuditRecord rewritten(
            AuditContext context,
            StatementClass statementClass,
            String normalized,
            String digest,
            List<String> maskedColumns,
            long rows,
            long durationMicros,
            String policyVersion) {
        return statement(
                context,
                statementClass,
                normalized,
                digest,
                REWRITTEN,
                null,
                null,
                maskedColumns,
                rows,
                durationMicros,
                policyVersion,
                null);
    }

    /** A statement was refused under {@code rule}; it never reached the backend. */
    public static AuditRecord refused(
            AuditContext context,
            StatementClass statementClass,
            String normalized,
            String digest,
            String rule,
            String reason,
            String errorCode,
            String policyVersion) {
        requireNonNull(rule, "rule is null");
        return statement(
                context,
                statementClass,
                normalized,
                digest,
                REFUSED,
                rule,
                reason,
                List.of(),
                -1,
                -1,
                policyVersion,
                errorCode);
    }

    /** The statement {@code statement} that was let through ended in an error with SQLSTATE {@code errorCode}. */
    public static AuditRecord failedBy(
            AuditContext context,
            StatementVerdict statement,
            String errorCode,
            String reason,
            long durationMicros,
            String policyVersion) {
        return failed(
                        context,
                        statement.statementClass(),
                        statement.normalized(),
                        statement.digest(),
                        statement.maskedColumns(),
                        errorCode,
                        reason,
                        durationMicros,
                        policyVersion)
                .touching(statement.touched());
    }

    /** A statement that was let through (possibly rewritten) ended in an error with SQLSTATE {@code errorCode}. */
    public static AuditRecord failed(
            AuditContext context,
            StatementClass statementClass,
            String normalized,
            String digest,
            List<String> maskedColumns,
            String errorCode,
            String reason,
            long durationMicros,
            String policyVersion) {
        return statement(
                context,
                statementClass,
                normalized,
                digest,
                FAILED,
                null,
                reason,
                maskedColumns,
                -1,
                durationMicros,
                policyVersion,
                errorCode);
    }

    private static AuditRecord connectionEvent(
            AuditEvent event,
            AuditContext context,
            String reason,
            String errorCode,
            long durationMicros,
            String policyVersion) {
        return new AuditRecord(
                Instant.now(),
                event,
                context.sessionId(),
                context.user(),
                context.role(),
                context.clientAddress(),
                context.database(),
                context.protocol(),
                null,
                null,
                null,
                null,
                null,
                reason,
                List.of(),
                -1,
                durationMicros,
                policyVersion,
                errorCode);
    }

    private static AuditRecord statement(
            AuditContext context,
            StatementClass statementClass,
            String normalized,
            String digest,
            String decision,
            String rule,
            String reason,
            List<String> maskedColumns,
            long rows,
            long durationMicros,
            String policyVersion,
            String errorCode) {
        String safe = AuditRedaction.redact(statementClass, normalized);
        String safeDigest = safe.equals(normalized) ? digest : Digests.sha256Hex(safe);
        return new AuditRecord(
                Instant.now(),
                AuditEvent.STATEMENT,
                context.sessionId(),
                context.user(),
                context.role(),
                context.clientAddress(),
                context.database(),
                context.protocol(),
                statementClass,
                safe,
                safeDigest,
                decision,
                rule,
                reason,
                maskedColumns,
                rows,
                durationMicros,
                policyVersion,
                errorCode);
    }
}
