package io.custos.proxy.audit;

import static java.util.Objects.requireNonNull;

import io.custos.policy.StatementClass;
import io.custos.rewrite.Decision;
import io.custos.rewrite.StatementVerdict;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * One entry of the audit trail. Nullable fields are left out of the written record; {@code rows} and
 * {@code durationMicros} are {@code -1} when unknown or not applicable, and are left out then too.
 *
 * @param decision one of {@link #ALLOWED}, {@link #REWRITTEN}, {@link #REFUSED}, {@link #FAILED}; null for
 *     connection events
 * @param errorCode the SQLSTATE the backend or the gateway returned, if any
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
        String errorCode) {
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
                    policyVersion);
        }
        return allowed(
                context,
                statement.statementClass(),
                statement.normalized(),
                statement.digest(),
                rows,
                durationMicros,
                policyVersion);
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
                policyVersion);
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
                normalized,
                digest,
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
