package io.custos.rewrite;

import io.custos.policy.StatementClass;
import java.util.regex.Pattern;

/**
 * Which statements may change what a name denotes for the statements after them: the tables themselves (DDL: a table
 * created, dropped or renamed, a temporary schema coming into being), the schemas unqualified names are looked up in
 * (PostgreSQL's search_path, set, reset, undone by a rollback, ended with the transaction; MySQL's current database),
 * or the role the search path's {@code "$user"} stands for.
 *
 * <p>The gate reads every statement of a message before the server runs any, so below full clearance such a statement
 * must end its message; the sessions learn the outcome from the server after it ran.
 */
public final class NameResolution {
    private static final Pattern POSTGRES_SESSION = Pattern.compile(
            "^(?:(?:SET|RESET)\\b.*\\b(?:search_path|role|session\\s+authorization|all)\\b|DISCARD\\b)",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    private static final Pattern POSTGRES_TRANSACTION_END =
            Pattern.compile("^(?:COMMIT|END|ROLLBACK|ABORT|PREPARE\\s+TRANSACTION)\\b", Pattern.CASE_INSENSITIVE);

    private static final Pattern SET_CONFIG = Pattern.compile("\\bset_config\\b", Pattern.CASE_INSENSITIVE);

    private static final Pattern MYSQL_USE = Pattern.compile("^USE\\b", Pattern.CASE_INSENSITIVE);

    private NameResolution() {}

    /** Whether a PostgreSQL statement may change the search path or the tables names resolve to. */
    public static boolean postgresMayChange(StatementVerdict statement) {
        return postgresMayChange(statement.statementClass(), statement.normalized());
    }

    /** Whether a MySQL statement may change the current database or the tables names resolve to. */
    public static boolean mySqlMayChange(StatementVerdict statement) {
        return mySqlMayChange(statement.statementClass(), statement.normalized());
    }

    static boolean postgresMayChange(StatementClass statementClass, String normalized) {
        return switch (statementClass) {
            case DDL -> true;
            case SESSION -> POSTGRES_SESSION.matcher(normalized).find();
            case TRANSACTION -> POSTGRES_TRANSACTION_END.matcher(normalized).find();
            default -> SET_CONFIG.matcher(normalized).find();
        };
    }

    static boolean mySqlMayChange(StatementClass statementClass, String normalized) {
        return statementClass == StatementClass.DDL
                || MYSQL_USE.matcher(normalized).find();
    }
}
