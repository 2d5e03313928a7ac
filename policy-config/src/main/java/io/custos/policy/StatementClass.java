package io.custos.policy;

import java.util.Locale;

/** What a statement does, as far as role permissions are concerned. */
public enum StatementClass {
    /** SELECT, VALUES, TABLE, SHOW, EXPLAIN without ANALYZE. */
    READ,
    INSERT,
    UPDATE,
    /** DELETE and TRUNCATE. */
    DELETE,
    /** CREATE, ALTER, DROP, GRANT, REVOKE, COMMENT and the like. */
    DDL,
    /** COPY and the server-side file functions: governed by the role's import/export right, not by this list. */
    IMPORT_EXPORT,
    /** BEGIN, COMMIT, ROLLBACK, SAVEPOINT, PREPARE TRANSACTION. */
    TRANSACTION,
    /** SET, RESET, SHOW, DISCARD, DEALLOCATE, LISTEN and other session state. */
    SESSION,
    /** Anything else: CALL, DO, VACUUM, ANALYZE, LOCK, … */
    OTHER;

    /** The name used in the policy file, for example {@code import_export}. */
    public String policyName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
