package io.custos.rewrite;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import io.custos.policy.AnalysisSettings;
import io.custos.policy.Classification;
import io.custos.policy.ColumnRule;
import io.custos.policy.Role;
import io.custos.policy.StatementClass;
import io.custos.rewrite.analysis.MaskOutcome;
import io.custos.rewrite.analysis.QueryMasker;
import io.custos.rewrite.mysql.MySqlLexer;
import io.custos.rewrite.mysql.MySqlSideChannels;
import io.custos.rewrite.postgres.LexedStatement;
import io.custos.rewrite.postgres.LexedStatement.Verb;
import io.custos.rewrite.postgres.PostgresLexer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what happens to each statement of a PostgreSQL or MySQL client message.
 *
 * <p>Per statement, in order: import and export need the role's import/export right; every verb of the statement
 * needs the role's permission; a caller with full clearance then passes unchanged; a statement that runs SQL given as
 * text is refused, since nothing can see into it; a malformed statement naming a classified table is refused, other
 * malformed statements go to the server to fail; EXPLAIN of a statement is decided as that statement (refused when the
 * caller could not run it); a query goes to the masker, which refuses a predicate or an ordering that a protected
 * column's filter forbids, and if the masker cannot analyse it and it names a classified table it is refused; a write
 * with RETURNING from a classified table is refused; a write, or a DDL statement defining something from a query,
 * that reads or tests a table holding columns above the caller's clearance is refused (it would launder them into a
 * place the caller can read, or infer them), except an UPDATE or DELETE that only tests its own target's columns,
 * which the masker analyses: its WHERE follows the filters as a query's does, and a value it assigns from a protected
 * column is laundering; everything else passes. A refusal of any statement refuses the whole message.
 *
 * <p>MySQL and MariaDB statements take the same steps, with the dialect's own lists: stored programs, {@code CALL} and
 * compound statements are the routines; {@code PREPARE … FROM @var} and {@code sys.execute_prepared_stmt} run text
 * out of sight; performance_schema, information_schema, sys and mysql tables that show other sessions' statements or
 * column statistics, and {@code SHOW PROCESSLIST}, {@code SHOW ENGINE} and the binary log, are reserved to full
 * clearance. Two more side channels are closed below full clearance when the statement names a table holding columns
 * above the caller's clearance: a user variable assigned in a query or from one ({@code @v := expr},
 * {@code SET @v = (SELECT …)}), which a later statement reads unmasked, and functions whose error messages quote their
 * argument; {@code SELECT … INTO @v} is refused when an output it stores would have been masked. {@code DO expr}
 * evaluates expressions for their effects and is refused when it
 * names a table with classified columns. SHOW, DESCRIBE and HELP read metadata and pass. Table names compare without
 * case. Timing ({@code SLEEP}, {@code BENCHMARK}) and lock names ({@code GET_LOCK}) remain open channels, as timing
 * does in PostgreSQL.
 *
 * <p>Verdicts are cached per statement, keyed on everything they depend on: the dialect, the text, the lexer's
 * settings (standard_conforming_strings, or the MySQL sql_mode flags), whether the lexer found it malformed, the role,
 * the classification, the policy version and its analysis bounds, the catalog version and the search path (MySQL's
 * current database). The user's name is not part of the key. A verdict reached after the analysis failed, or under a
 * catalog reloaded while deciding, is not cached.
 *
 * <p>Whole messages are cached too, in front of the lexer, so that a message seen before costs a lookup rather than a
 * split (a few microseconds a statement). Its key holds the statement key's parts for the whole text, and more: the
 * user, the whole role, the classification and the catalog as the very objects in force (a policy reload or a
 * catalog refresh makes new ones, so older entries are never reached again) and the analysis bounds. A message goes
 * in only when its verdict depends on nothing else: each statement's verdict came from the statement cache or went
 * into it, each is a query or a write ({@code INSERT}, {@code UPDATE}, {@code DELETE}) that changes nothing names
 * resolve to, none prepares, executes or deallocates a prepared statement (EXECUTE's verdict depends on the session's
 * prepared statements), none names a classified column the catalog lacks (that asks for a reload each time), the
 * session has no temporary schema (PostgreSQL's {@code pg_temp}, whose tables the catalog does not hold) and the
 * catalog and bounds were the same when the decision ended as when it began. The gate is safe for concurrent use.
 */
public final class StatementGate {
    private static final Logger log = LoggerFactory.getLogger(StatementGate.class);

    private static final Set<StatementClass> WRITES =
            Set.of(StatementClass.INSERT, StatementClass.UPDATE, StatementClass.DELETE);

    /**
     * Statements that define or run code inside the database. The body is text the gate cannot see into, and once
     * defined a routine reads whatever the gateway's own database account may read.
     */
    /** {@code CREATE TABLE} with its PostgreSQL and MySQL qualifiers ({@code CREATE TEMPORARY TABLE}, …). */
    private static final Pattern CREATE_TABLE = Pattern.compile(
            "CREATE\\s+(?:(?:GLOBAL|LOCAL)\\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED)\\s+)?TABLE\\b",
            Pattern.CASE_INSENSITIVE);

    /** {@code CALL name(}, with the procedure's last name part; quoted names keep their quotes. */
    private static final Pattern CALL = Pattern.compile(
            "CALL\\s+(?:(?:[\\w$]+|`[^`]*`|\"[^\"]*\")\\s*\\.\\s*)*([\\w$]+|`[^`]*`|\"[^\"]*\")\\s*(?:\\(|$)",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CHARACTER_CLASS);

    private static final Pattern ROUTINE_DEFINITION = Pattern.compile(
            "(?:CREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:CONSTRAINT\\s+)?(?:TRUSTED\\s+)?(?:PROCEDURAL\\s+)?"
                    + "(?:FUNCTION|PROCEDURE|TRIGGER|RULE|AGGREGATE|OPERATOR|CAST|EVENT\\s+TRIGGER|LANGUAGE|TRANSFORM)"
                    + "|ALTER\\s+(?:FUNCTION|PROCEDURE|ROUTINE|AGGREGATE)|DO|CALL)\\b",
            Pattern.CASE_INSENSITIVE);

    /**
     * Catalog views whose rows hold values of other tables' columns (the planner's statistics keep the most common
     * values and histogram bounds of every column) or other sessions' statement texts, which all share the gateway's
     * database account.
     */
    private static final Set<String> VALUE_REVEALING_RELATIONS = Set.of(
            "pg_stats",
            "pg_stats_ext",
            "pg_stats_ext_exprs",
            "pg_statistic",
            "pg_statistic_ext_data",
            "pg_stat_activity",
            "pg_stat_statements");

    /** Key words of MySQL statements that define or run stored code, or run a compound statement on the spot. */
    private static final Set<String> MYSQL_ROUTINES = Set.of(
            "CREATE FUNCTION",
            "CREATE PROCEDURE",
            "CREATE TRIGGER",
            "CREATE EVENT",
            "ALTER FUNCTION",
            "ALTER PROCEDURE",
            "ALTER EVENT",
            "CALL",
            "BEGIN NOT ATOMIC",
            "IF",
            "WHILE",
            "LOOP",
            "REPEAT",
            "CASE",
            "FOR",
            "LABEL");

    /** SHOW statements that show other sessions' statements or the rows written to the binary log. */
    private static final Set<String> MYSQL_VALUE_REVEALING_SHOW =
            Set.of("SHOW PROCESSLIST", "SHOW ENGINE", "SHOW BINLOG", "SHOW RELAYLOG", "SHOW EXPLAIN", "SHOW ANALYZE");

    /** The key words of MySQL's EXPLAIN of a statement. */
    private static final Set<String> MYSQL_EXPLAIN = Set.of("EXPLAIN", "DESCRIBE", "DESC");

    /** Statements that read only metadata: no rows of a table, so nothing to mask. */
    private static final Pattern MYSQL_METADATA = Pattern.compile("(?:SHOW|DESCRIBE|DESC|EXPLAIN|HELP)\\b.*");

    /** EXPLAIN FOR CONNECTION shows the plan of another session's statement, with its literals. */
    private static final Pattern OTHER_CONNECTION =
            Pattern.compile("(?:EXPLAIN|DESCRIBE|DESC)\\b.*\\bFOR\\s+CONNECTION\\b.*", Pattern.CASE_INSENSITIVE);

    /**
     * MySQL and MariaDB system tables whose rows hold other sessions' statement texts or values of other tables'
     * columns (histograms, minimum and maximum values, locked index records), by database; the sys schema's views all
     * build on them.
     */
    private static final Map<String, Set<String>> MYSQL_VALUE_REVEALING_RELATIONS = Map.of(
            "performance_schema",
            Set.of("processlist", "threads", "prepared_statements_instances", "data_locks"),
            "information_schema",
            Set.of("processlist", "column_statistics", "innodb_trx", "innodb_locks"),
            "mysql",
            Set.of(
                    "general_log",
                    "slow_log",
                    "column_stats",
                    "index_stats",
                    "table_stats",
                    "innodb_index_stats",
                    "innodb_table_stats"));

    private static final Pattern MYSQL_DIAGNOSTICS = Pattern.compile(
            "(?:SHOW\\s+(?:WARNINGS|ERRORS|COUNT)|GET\\s+(?:CURRENT\\s+|STACKED\\s+)?DIAGNOSTICS)\\b",
            Pattern.CASE_INSENSITIVE);

    /** Statements after which MySQL reads text differently: sql_mode and character set changes, and EXECUTE. */
    private static final Pattern MYSQL_READING_CHANGE = Pattern.compile(
            "^(?:SET\\b.*\\b(?:SQL_MODE|NAMES|CHARACTER\\s+SET|CHARSET|CHARACTER_SET_CLIENT|CHARACTER_SET_CONNECTION)\\b"
                    + "|EXECUTE\\b)",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    /** Calcite's message for a name it could not resolve as a table or schema. */
    private static final Pattern UNKNOWN_OBJECT = Pattern.compile("Object '([^']+)' not found");

    private static final Set<String> SYSTEM_SCHEMAS =
            Set.of("information_schema", "pg_catalog", "mysql", "performance_schema", "sys");

    /** A {@code *} that selects every column: after SELECT (DISTINCT, ALL), a comma or a qualifier's dot. */
    private static final Pattern SELECT_STAR =
            Pattern.compile("(?:\\bSELECT(?:\\s+(?:DISTINCT|ALL))?|,|\\.)\\s*\\*", Pattern.CASE_INSENSITIVE);

    private static final Pattern MYSQL_KILL = Pattern.compile("\\bKILL\\b", Pattern.CASE_INSENSITIVE);

    /** Calcite's messages for a table, schema or column it could not resolve. */
    private static final Pattern UNKNOWN_NAME = Pattern.compile("(?:Object|Column|Table) '([^']+)' not found");

    private static final int CACHE_WEIGHT_CHARS = 1024;

    /** A {@code *} or {@code t.*} in a select list, not {@code count(*)} nor a product. */
    private static final Pattern STAR =
            Pattern.compile("(?:\\bSELECT|\\bDISTINCT|\\bALL|,|\\.)\\s*\\*", Pattern.CASE_INSENSITIVE);

    /** DDL that renames a table or column or moves a table to another schema (MySQL's CHANGE renames a column). */
    private static final Pattern RENAMING =
            Pattern.compile("\\b(?:RENAME|CHANGE)\\b|\\bSET\\s+SCHEMA\\b", Pattern.CASE_INSENSITIVE);

    static final String ANALYSIS_BOUNDS = "analysis-bounds";

    /**
     * The locking clauses of a query: PostgreSQL's four strengths, MySQL's FOR UPDATE, FOR SHARE and LOCK IN SHARE
     * MODE.
     */
    private static final Pattern LOCKING_READ = Pattern.compile(
            "\\bFOR\\s+(?:NO\\s+KEY\\s+)?UPDATE\\b|\\bFOR\\s+(?:KEY\\s+)?SHARE\\b|\\bLOCK\\s+IN\\s+SHARE\\s+MODE\\b",
            Pattern.CASE_INSENSITIVE);

    /**
     * PostgreSQL functions that cancel or end another backend: every session of the gateway runs as its one database
     * account, which may signal all of them, whoever the caller.
     */
    private static final Set<String> SESSION_SIGNALS = Set.of("pg_cancel_backend", "pg_terminate_backend");

    private static final Function<String, Optional<SqlPreparedStatements.Prepared>> NO_PREPARED_STATEMENTS =
            name -> Optional.empty();

    /** The statement classes a message may hold and still be cached whole: queries and writes of rows. */
    private static final Set<StatementClass> CACHED_WHOLE =
            Set.of(StatementClass.READ, StatementClass.INSERT, StatementClass.UPDATE, StatementClass.DELETE);

    /** PostgreSQL's temporary schemas ({@code pg_temp}, {@code pg_temp_3}, {@code pg_toast_temp_3}). */
    private static final Pattern TEMPORARY_SCHEMA = Pattern.compile("pg_(?:toast_)?temp(?:_\\d+)?");

    private final QueryMasker masker;
    private final Supplier<Catalog> catalog;
    private final LongSupplier catalogVersion;
    private final Predicate<String> refreshForUnknownName;
    private final Supplier<AnalysisSettings> settings;
    private final Cache<CacheKey, StatementVerdict> cache;
    private final Cache<MessageKey, Verdict> messages;
    private final AtomicReference<ViewReferences> postgresViews = new AtomicReference<>();
    private final AtomicReference<ViewReferences> mySqlViews = new AtomicReference<>();

    public StatementGate(QueryMasker masker, LongSupplier catalogVersion, int cacheSize) {
        this(masker, catalogVersion, Catalog.of(List.of(), 0), cacheSize);
    }

    private StatementGate(QueryMasker masker, LongSupplier catalogVersion, Catalog empty, int cacheSize) {
        this(masker, catalogVersion, () -> empty, name -> false, () -> AnalysisSettings.DEFAULT, cacheSize);
    }

    /** With the catalog, so that calls to routines defined in the database are recognised. */
    public StatementGate(QueryMasker masker, Supplier<Catalog> catalog, int cacheSize) {
        this(masker, () -> catalog.get().version(), catalog, name -> false, () -> AnalysisSettings.DEFAULT, cacheSize);
    }

    /**
     * @param refreshForUnknownName reloads the catalog when a query names a table or column it lacks (given by name,
     *     so that reloads can be limited per name), and says whether that gave a different catalog (the gate then
     *     decides again, once)
     * @param settings the analysis bounds in force (read per statement, so a policy reload applies them); the cache
     *     size is read once, here
     */
    public StatementGate(
            QueryMasker masker,
            Supplier<Catalog> catalog,
            Predicate<String> refreshForUnknownName,
            Supplier<AnalysisSettings> settings) {
        this(
                masker,
                () -> catalog.get().version(),
                catalog,
                refreshForUnknownName,
                settings,
                settings.get().cacheEntries());
    }

    private StatementGate(
            QueryMasker masker,
            LongSupplier catalogVersion,
            Supplier<Catalog> catalog,
            Predicate<String> refreshForUnknownName,
            Supplier<AnalysisSettings> settings,
            int cacheSize) {
        this.masker = requireNonNull(masker, "masker is null");
        this.catalogVersion = requireNonNull(catalogVersion, "catalogVersion is null");
        this.catalog = requireNonNull(catalog, "catalog is null");
        this.refreshForUnknownName = requireNonNull(refreshForUnknownName, "refreshForUnknownName is null");
        this.settings = requireNonNull(settings, "settings is null");
        if (cacheSize < 0) {
            throw new IllegalArgumentException("cacheSize: " + cacheSize + " (expected: >= 0)");
        }
        // A long statement weighs one unit per KiB of its text and its rewrite, so the bound holds memory too.
        this.cache = Caffeine.newBuilder()
                .maximumWeight(cacheSize)
                .weigher((CacheKey key, StatementVerdict verdict) ->
                        1 + (key.text().length() + verdict.sql().length()) / CACHE_WEIGHT_CHARS)
                .recordStats()
                .build();
        // Same bound and weights: a message held whole weighs what its statements weigh.
        this.messages = Caffeine.newBuilder()
                .maximumWeight(cacheSize)
                .weigher((MessageKey key, Verdict verdict) ->
                        1 + (key.message().length() + verdict.sql().length()) / CACHE_WEIGHT_CHARS)
                .recordStats()
                .build();
    }

    /** Verdicts found in the cache since the gate was built; a message found whole counts as one. */
    public long cacheHits() {
        return cache.stats().hitCount() + messages.stats().hitCount();
    }

    /** Statements analysed because their verdict was not in the cache. */
    public long cacheMisses() {
        return cache.stats().missCount();
    }

    /**
     * The analysis cache's counts since start: hits, misses (statements decided afresh), evictions, and the entries
     * it holds now. Safe to call from any thread, for metrics.
     */
    public CacheStatistics cacheStatistics() {
        CacheStats stats = cache.stats();
        return new CacheStatistics(
                stats.hitCount() + messages.stats().hitCount(),
                stats.missCount(),
                stats.evictionCount(),
                cache.estimatedSize(),
                messages.stats().hitCount());
    }

    /**
     * Counts of the analysis cache; see {@link #cacheStatistics()}. A message found whole in the message cache counts
     * as one hit, and in {@code messageHits}; evictions and entries are the statement cache's.
     */
    public record CacheStatistics(long hits, long misses, long evictions, long entries, long messageHits) {}

    /** A simple-query message: zero or more statements, in a session that knows no prepared statement. */
    public Verdict check(String message, Caller caller, boolean standardConformingStrings) {
        return check(message, caller, standardConformingStrings, NO_PREPARED_STATEMENTS);
    }

    /**
     * A simple-query message in a session whose prepared statements {@code prepared} finds by name (SQL-level ones,
     * and on PostgreSQL the protocol's named statements, which share their names): {@code EXECUTE name} of one of
     * them carries the decision of the statement it runs.
     */
    public Verdict check(
            String message,
            Caller caller,
            boolean standardConformingStrings,
            Function<String, Optional<SqlPreparedStatements.Prepared>> prepared) {
        requireNonNull(message, "message is null");
        requireNonNull(caller, "caller is null");
        requireNonNull(prepared, "prepared is null");
        Optional<Verdict> oversized = oversized(message, caller);
        if (oversized.isPresent()) {
            return oversized.get();
        }
        Optional<MessageKey> key = messageKey(Dialect.POSTGRESQL, message, standardConformingStrings, caller);
        Optional<Verdict> seen = key.map(messages::getIfPresent);
        if (seen.isPresent()) {
            return seen.get();
        }
        List<LexedStatement> statements = PostgresLexer.split(message, standardConformingStrings);
        return verdict(message, statements, caller, Dialect.POSTGRESQL, standardConformingStrings, prepared, key);
    }

    /**
     * The verdict on a whole message, which goes into the message cache under {@code key} when it depends on nothing
     * the key does not hold (see the class comment).
     */
    private Verdict verdict(
            String message,
            List<LexedStatement> statements,
            Caller caller,
            Dialect dialect,
            Object lexerSettings,
            Function<String, Optional<SqlPreparedStatements.Prepared>> prepared,
            Optional<MessageKey> key) {
        Optional<Verdict> resolutionChange = resolutionChangeBeforeLast(message, statements, caller, dialect);
        if (resolutionChange.isPresent()) {
            return resolutionChange.get();
        }
        List<StatementVerdict> verdicts = new ArrayList<>(statements.size());
        StringBuilder sql = new StringBuilder(message.length());
        int copied = 0;
        Cacheability cacheability = new Cacheability(key.isPresent());
        for (LexedStatement statement : statements) {
            if (!cachedWhole(statement, dialect)) {
                cacheability.cacheable = false;
            }
            boolean executes = statement
                    .preparedStatement()
                    .filter(use -> use.kind() == PreparedStatementUse.Kind.EXECUTE)
                    .isPresent();
            StatementVerdict verdict = executes && !caller.fullClearance()
                    ? execute(statement, caller, dialect, lexerSettings, prepared)
                    : cachedVerdict(statement, caller, dialect, lexerSettings, cacheability);
            verdicts.add(verdict);
            if (verdict.decision() == Decision.REWRITTEN) {
                sql.append(message, copied, statement.start()).append(verdict.sql());
                copied = statement.end();
            }
        }
        sql.append(message, copied, message.length());
        Verdict verdict = new Verdict(verdicts, sql.toString());
        // A catalog reloaded or a policy's bounds swapped meanwhile may have decided some statements: the key read
        // again must be the same.
        if (cacheability.cacheable && key.equals(messageKey(dialect, message, lexerSettings, caller))) {
            messages.put(key.get(), verdict);
        }
        return verdict;
    }

    /** Whether every statement of a message was decided from what the message key holds. */
    private static final class Cacheability {
        boolean cacheable;

        Cacheability(boolean cacheable) {
            this.cacheable = cacheable;
        }
    }

    /**
     * The message cache's key for {@code message}; empty when the session's verdicts may depend on what no key holds:
     * PostgreSQL's temporary schema in the search path (the session made temporary objects, which the catalog lacks
     * and which hide the tables of the same names).
     */
    private Optional<MessageKey> messageKey(Dialect dialect, String message, Object lexerSettings, Caller caller) {
        if (dialect == Dialect.POSTGRESQL
                && caller.searchPath().stream().anyMatch(schema -> TEMPORARY_SCHEMA
                        .matcher(schema.toLowerCase(Locale.ROOT))
                        .matches())) {
            return Optional.empty();
        }
        Catalog current = catalog.get();
        return Optional.of(new MessageKey(
                dialect,
                message,
                lexerSettings,
                caller.user(),
                caller.role(),
                new Same(caller.classification()),
                caller.policyVersion(),
                settings.get(),
                new Same(current),
                catalogVersion.getAsLong(),
                caller.searchPath()));
    }

    /**
     * Whether a statement leaves its message fit to be cached whole: a query or a write of rows, with no verb of
     * another class, that touches no prepared statement, changes nothing names resolve to (nor, on MySQL, how text is
     * read) and names no temporary schema.
     */
    private static boolean cachedWhole(LexedStatement statement, Dialect dialect) {
        if (!CACHED_WHOLE.contains(statement.statementClass())
                || statement.preparedStatement().isPresent()
                || statement.verbs().stream().anyMatch(verb -> !CACHED_WHOLE.contains(verb.statementClass()))) {
            return false;
        }
        if (dialect == Dialect.MYSQL) {
            return !NameResolution.mySqlMayChange(statement.statementClass(), statement.normalized())
                    && !MYSQL_READING_CHANGE.matcher(statement.normalized()).find();
        }
        return !NameResolution.postgresMayChange(statement.statementClass(), statement.normalized())
                && statement.identifierChains().stream().flatMap(List::stream).noneMatch(part -> TEMPORARY_SCHEMA
                        .matcher(part.toLowerCase(Locale.ROOT))
                        .matches());
    }

    /**
     * The gate reads a whole message before the server runs any of it: a statement after one that changes what names
     * denote (DDL, a change of search path or current database, the end of a transaction that undoes one) would be
     * read against tables or schemas the server no longer uses. Below full clearance such a message is refused.
     */
    private static Optional<Verdict> resolutionChangeBeforeLast(
            String message, List<LexedStatement> statements, Caller caller, Dialect dialect) {
        if (caller.fullClearance() || statements.size() < 2) {
            return Optional.empty();
        }
        boolean changes = statements.subList(0, statements.size() - 1).stream()
                .anyMatch(statement -> dialect == Dialect.MYSQL
                        ? NameResolution.mySqlMayChange(statement.statementClass(), statement.normalized())
                        : NameResolution.postgresMayChange(statement.statementClass(), statement.normalized()));
        if (!changes) {
            return Optional.empty();
        }
        String what = dialect == Dialect.MYSQL
                ? "USE or DDL"
                : "a statement that changes tables or the search path (DDL, SET search_path, COMMIT, ROLLBACK, …)";
        List<StatementVerdict> verdicts = new ArrayList<>();
        for (LexedStatement statement : statements) {
            verdicts.add(refuse(
                    statement,
                    "session-change",
                    "custos: " + what + " must be the last statement of its message below full clearance"));
        }
        return Optional.of(new Verdict(verdicts, message));
    }

    /**
     * An extended-protocol Parse message, which the server accepts with one statement at most. Should the text hold
     * several, each is checked all the same and the server reports the error.
     */
    public Verdict checkSingle(String statement, Caller caller, boolean standardConformingStrings) {
        return check(statement, caller, standardConformingStrings);
    }

    /**
     * A MySQL COM_QUERY or COM_STMT_PREPARE text: one statement, or several when the client enabled multiple
     * statements. {@code caller.searchPath()} holds the current database (one entry, empty when none is selected).
     */
    public Verdict checkMySql(String message, Caller caller, MySqlMode mode) {
        return checkMySql(message, caller, mode, NO_PREPARED_STATEMENTS);
    }

    /** {@link #checkMySql(String, Caller, MySqlMode)} in a session whose SQL-level prepared statements are known. */
    public Verdict checkMySql(
            String message,
            Caller caller,
            MySqlMode mode,
            Function<String, Optional<SqlPreparedStatements.Prepared>> prepared) {
        requireNonNull(message, "message is null");
        requireNonNull(prepared, "prepared is null");
        requireNonNull(caller, "caller is null");
        requireNonNull(mode, "mode is null");
        Optional<Verdict> oversized = oversized(message, caller);
        if (oversized.isPresent()) {
            return oversized.get();
        }
        Optional<MessageKey> key = messageKey(Dialect.MYSQL, message, mode, caller);
        Optional<Verdict> seen = key.map(messages::getIfPresent);
        if (seen.isPresent()) {
            return seen.get();
        }
        List<LexedStatement> statements = MySqlLexer.split(message, mode);
        Optional<LexedStatement> modeChange = statements.stream()
                .limit(Math.max(0, statements.size() - 1))
                .filter(statement ->
                        MYSQL_READING_CHANGE.matcher(statement.normalized()).find())
                .findFirst();
        if (modeChange.isPresent()) {
            // MySQL runs each statement of a message before it reads the next, so a statement after this one would
            // be read by the server under rules the gate did not read it with (backslashes, quotes, the charset).
            return refuseEach(
                    message,
                    statements,
                    statement -> refuse(
                            statement,
                            "session-change",
                            "custos: a statement that changes sql_mode or the character set must be sent on its own"));
        }
        Optional<String> readDifferently =
                caller.fullClearance() ? Optional.empty() : MySqlLexer.readDifferently(message, mode);
        if (readDifferently.isPresent()) {
            // Read on the whole message, once: a versioned comment before the first statement belongs to none of
            // them, and each statement of the message (EXPLAIN's included) or of a PREPARE's text is covered here or
            // in prepareMySql.
            return refuseEach(message, statements, statement -> refuseUnanalysable(statement, readDifferently.get()));
        }
        return verdict(message, statements, caller, Dialect.MYSQL, mode, prepared, key);
    }

    /** Every statement of {@code message} refused alike; the message is not sent. */
    private static Verdict refuseEach(
            String message, List<LexedStatement> statements, Function<LexedStatement, StatementVerdict> refusal) {
        return new Verdict(statements.stream().map(refusal).toList(), message);
    }

    /**
     * A message longer than max_message_length is not even split into statements: splitting keeps a
     * description of every token, which for a message of hundreds of megabytes would take the gateway's memory. A
     * caller with full clearance whose role may run every kind of statement passes it unread (audited as one
     * statement of its length); anyone else is refused.
     */
    private Optional<Verdict> oversized(String message, Caller caller) {
        int limit = settings.get().maxMessageLength();
        if (message.length() <= limit) {
            return Optional.empty();
        }
        String normalized = "<message of " + message.length() + " characters, not analysed>";
        String digest = Digests.sha256Hex(normalized);
        Role role = caller.role();
        boolean unrestricted = caller.fullClearance()
                && role.importExport()
                && Arrays.stream(StatementClass.values())
                        .filter(statementClass -> statementClass != StatementClass.IMPORT_EXPORT)
                        .allMatch(role::may);
        StatementVerdict verdict = unrestricted
                ? new StatementVerdict(
                        StatementClass.OTHER, normalized, digest, Decision.ALLOWED, message, List.of(), null, null)
                : new StatementVerdict(
                        StatementClass.OTHER,
                        normalized,
                        digest,
                        Decision.REFUSED,
                        message,
                        List.of(),
                        ANALYSIS_BOUNDS,
                        "custos: message of " + message.length() + " characters exceeds the analysis bound of " + limit
                                + " characters (max_message_length); messages this long are reserved to roles with"
                                + " full clearance and every right");
        return Optional.of(new Verdict(List.of(verdict), message));
    }

    /**
     * A query past the analysis bounds is refused before Calcite sees it (this runs below full clearance only), with
     * the bound and the statement's measure named. Other statements are read by the lexer alone, in one pass.
     */
    private Optional<StatementVerdict> beyondBounds(LexedStatement statement) {
        AnalysisSettings bounds = settings.get();
        StatementSize size = StatementSize.of(statement.calciteText());
        String exceeded = null;
        if (size.depth() > bounds.maxDepth()) {
            exceeded = size.depth() + " levels of parentheses, more than the " + bounds.maxDepth() + " of max_depth";
        } else if (size.setOperations() > bounds.maxSetOperations()) {
            exceeded = size.setOperations() + " set operations, more than the " + bounds.maxSetOperations()
                    + " of max_set_operations";
        } else if (size.terms() > bounds.maxTerms()) {
            exceeded = size.terms() + " terms, more than the " + bounds.maxTerms() + " of max_terms";
        } else if (size.length() > bounds.maxStatementLength()) {
            exceeded = size.length() + " characters, more than the " + bounds.maxStatementLength()
                    + " of max_statement_length";
        }
        if (exceeded == null) {
            return Optional.empty();
        }
        return Optional.of(refuse(
                statement,
                ANALYSIS_BOUNDS,
                "custos: statement is too large to analyse (" + exceeded
                        + "); statements this large are reserved to full clearance"));
    }

    private StatementVerdict cachedVerdict(
            LexedStatement statement, Caller caller, Dialect dialect, Object lexerSettings, Cacheability cacheability) {
        if (!caller.fullClearance() && mainVerb(statement) == StatementClass.READ) {
            // A * over the table would not show a column the catalog lacks, and so would not mask it; a cached
            // verdict was reached without it too. The reload is rate-limited, and changes the key if it finds it.
            boolean mySql = dialect == Dialect.MYSQL;
            Optional<String> missing = lacksClassifiedColumn(statement, caller, mySql);
            if (missing.isPresent()) {
                // Asked again on every message until the catalog has it, so never skipped by the message cache.
                cacheability.cacheable = false;
            }
            if (missing.isPresent()
                    && (!refreshForUnknownName.test(missing.get())
                            || lacksClassifiedColumn(statement, caller, mySql).isPresent())
                    && STAR.matcher(statement.calciteText()).find()) {
                return refuseUnanalysable(
                        statement,
                        missing.get() + " is classified but not in the gateway's catalog, so * over its table is"
                                + " refused until it is");
            }
        }
        CacheKey key = cacheKey(statement, caller, dialect, lexerSettings);
        StatementVerdict cached = cache.getIfPresent(key);
        if (cached != null) {
            return cached;
        }
        Decided decided = dialect == Dialect.MYSQL
                ? decideMySql(statement, caller, (MySqlMode) lexerSettings)
                : decide(statement, caller, (Boolean) lexerSettings);
        StatementVerdict verdict = decided.verdict()
                .withTouched(touched(statement, caller, dialect == Dialect.MYSQL))
                .withPreparedStatement(statement.preparedStatement());
        // A catalog reloaded during the decision (for a name it lacked) decided it: not what the key says.
        if (decided.cacheable() && key.equals(cacheKey(statement, caller, dialect, lexerSettings))) {
            cache.put(key, verdict);
        } else {
            cacheability.cacheable = false;
        }
        return verdict;
    }

    private CacheKey cacheKey(LexedStatement statement, Caller caller, Dialect dialect, Object lexerSettings) {
        return new CacheKey(
                dialect,
                statement.text(),
                lexerSettings,
                statement.malformed(),
                caller.role(),
                new Same(caller.classification()),
                caller.policyVersion(),
                settings.get(),
                catalogVersion.getAsLong(),
                caller.searchPath());
    }

    /**
     * What the statement may touch of the classification, for the audit trail: the classified tables it names, their
     * classified columns it names or selects with {@code *} ({@code SELECT *}, {@code t.*}), and those columns'
     * levels.
     */
    static StatementVerdict.Touched touched(LexedStatement statement, Caller caller, boolean foldCase) {
        Classification classification = caller.classification();
        Set<String> classifiedTables = classification.tables().stream()
                .map(table -> fold(table.table(), foldCase))
                .collect(Collectors.toUnmodifiableSet());
        Set<String> named = new TreeSet<>();
        Set<String> parts = new HashSet<>();
        Set<String> lastParts = new HashSet<>();
        for (List<String> chain : statement.identifierChains()) {
            namedTable(chain, classifiedTables).ifPresent(named::add);
            chain.forEach(part -> parts.add(fold(part, foldCase)));
            lastParts.add(fold(chain.get(chain.size() - 1), foldCase));
        }
        if (named.isEmpty()) {
            return StatementVerdict.Touched.NONE;
        }
        // A table of the schemas in the search path (PostgreSQL) or of the current database (MySQL), or of a schema
        // the statement names.
        Set<String> schemas = new HashSet<>(parts);
        caller.searchPath().forEach(schema -> schemas.add(fold(schema, foldCase)));
        // COPY and the file functions read every column of the table they name.
        boolean star = SELECT_STAR.matcher(statement.normalized()).find()
                || statement.statementClass() == StatementClass.IMPORT_EXPORT;
        Set<String> tables = new TreeSet<>();
        Set<String> columns = new TreeSet<>();
        Set<Integer> levels = new TreeSet<>();
        for (ColumnRule rule : classification.rules()) {
            if (!named.contains(fold(rule.table(), foldCase)) || !schemas.contains(fold(rule.schema(), foldCase))) {
                continue;
            }
            tables.add(rule.schema() + "." + rule.table());
            if (star || lastParts.contains(fold(rule.column(), foldCase))) {
                columns.add(rule.schema() + "." + rule.table() + "." + rule.column());
                levels.add(rule.level());
            }
        }
        return new StatementVerdict.Touched(List.copyOf(tables), List.copyOf(columns), List.copyOf(levels));
    }

    /**
     * {@code EXECUTE name} below full clearance carries the decision of the statement it runs: that statement is
     * decided again (its rights, masks and refusals under the policy, the tables and the search path in force now) and
     * must come out as the very text the server was sent for it, or the server's copy may no longer fit and the
     * EXECUTE is refused ("prepare it again"). The EXECUTE's own arguments pass the checks every statement passes
     * (import and export, SQL given as text, routines). An EXECUTE naming a statement the session does not know goes
     * to the server, which fails it. Never cached: the verdict depends on the session.
     */
    private StatementVerdict execute(
            LexedStatement statement,
            Caller caller,
            Dialect dialect,
            Object lexerSettings,
            Function<String, Optional<SqlPreparedStatements.Prepared>> prepared) {
        Optional<StatementVerdict> screened = screen(statement, caller, false);
        if (screened.isPresent()) {
            return screened.get();
        }
        String name = statement.preparedStatement().orElseThrow().name();
        Optional<SqlPreparedStatements.Prepared> known = prepared.apply(name);
        if (known.isEmpty()) {
            return allow(statement).withPreparedStatement(statement.preparedStatement());
        }
        Verdict again = dialect == Dialect.MYSQL
                ? checkMySql(known.get().text(), caller, (MySqlMode) lexerSettings)
                : check(known.get().text(), caller, (Boolean) lexerSettings);
        Optional<StatementVerdict> refusal = again.refusal();
        if (refusal.isPresent()) {
            return refuse(statement, refusal.get().rule(), refusal.get().reason());
        }
        if (again.statements().size() != 1 || !again.sql().equals(known.get().sent())) {
            return refuse(
                    statement,
                    "session-change",
                    "custos: the policy, the tables or the search path changed since prepared statement \"" + name
                            + "\" was prepared; prepare it again");
        }
        StatementVerdict runs = again.statements().get(0);
        return new StatementVerdict(
                runs.statementClass(),
                statement.normalized(),
                statement.digest(),
                runs.decision(),
                statement.text(),
                runs.maskedColumns(),
                null,
                null,
                runs.touched(),
                statement.preparedStatement());
    }

    /** A verdict reached after the analysis failed is not cached: the failure may pass. */
    private record Decided(StatementVerdict verdict, boolean cacheable) {
        static Decided of(StatementVerdict verdict) {
            return new Decided(verdict, true);
        }
    }

    private enum Dialect {
        POSTGRESQL,
        MYSQL
    }

    /**
     * A whole message's key: what the statement key holds, for the message's text, and the user, the whole role, the
     * analysis bounds, and the classification and catalog by identity.
     */
    private record MessageKey(
            Dialect dialect,
            String message,
            Object lexerSettings,
            String user,
            Role role,
            Same classification,
            String policyVersion,
            AnalysisSettings settings,
            Same catalog,
            long catalogVersion,
            List<String> searchPath) {}

    /** An object compared by identity: the classification and the catalog are immutable and rebuilt on a change. */
    private record Same(Object object) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Same same && same.object == object;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(object);
        }
    }

    /**
     * {@code lexerSettings}: standard_conforming_strings for PostgreSQL, the {@link MySqlMode} for MySQL. The whole
     * role (its rights as well as its clearance), the classification by identity and the analysis bounds, although
     * the policy version implies them, so that no pairing of a version with another policy's parts reaches a verdict.
     */
    private record CacheKey(
            Dialect dialect,
            String text,
            Object lexerSettings,
            boolean malformed,
            Role role,
            Same classification,
            String policyVersion,
            AnalysisSettings settings,
            long catalogVersion,
            List<String> searchPath) {}

    private Decided decide(LexedStatement statement, Caller caller, boolean standardConformingStrings) {
        Optional<StatementVerdict> screened = screen(statement, caller);
        if (screened.isPresent()) {
            return Decided.of(screened.get());
        }
        if (explains(statement, Set.of("EXPLAIN"))) {
            String explained = statement.text().substring(statement.queryOffset());
            return explain(
                    statement,
                    caller,
                    PostgresLexer.split(explained, standardConformingStrings),
                    false,
                    inner -> decide(inner, caller, standardConformingStrings));
        }
        if (mainVerb(statement) == StatementClass.READ && !createsTable(statement)) {
            return mask(statement, caller);
        }
        return Decided.of(write(statement, caller, false));
    }

    /** EXPLAIN without ANALYZE: the statement it explains is not run, and its verbs are not the caller's rights. */
    private static boolean explains(LexedStatement statement, Set<String> keywords) {
        return statement.queryOffset() > 0
                && keywords.contains(statement.verbs().get(0).keywords());
    }

    /**
     * EXPLAIN of a statement is decided as that statement: refused when the caller could not run it (a plan shows
     * the rows a predicate would select and the statistics behind it), the statement masked when it would be.
     * EXPLAIN ANALYZE runs the statement, and the lexer classes it as that statement in the first place.
     */
    private Decided explain(
            LexedStatement statement,
            Caller caller,
            List<LexedStatement> explained,
            boolean foldCase,
            Function<LexedStatement, Decided> decide) {
        if (explained.size() != 1) {
            return Decided.of(
                    unanalysable(statement, caller, "EXPLAIN of a statement that could not be read", foldCase));
        }
        Decided decided = decide.apply(explained.get(0));
        StatementVerdict inner = decided.verdict();
        StatementVerdict verdict =
                switch (inner.decision()) {
                    case REFUSED -> refuse(statement, inner.rule(), inner.reason());
                    case REWRITTEN -> new StatementVerdict(
                            statement.statementClass(),
                            statement.normalized(),
                            statement.digest(),
                            Decision.REWRITTEN,
                            statement.text().substring(0, statement.queryOffset()) + inner.sql(),
                            inner.maskedColumns(),
                            null,
                            null);
                    case ALLOWED -> allow(statement);
                };
        return new Decided(verdict, decided.cacheable());
    }

    /** {@code SELECT … INTO}, a query that creates a table from its rows. */
    private static boolean createsTable(LexedStatement statement) {
        return statement.verbs().stream().anyMatch(verb -> verb.statementClass() == StatementClass.DDL);
    }

    /** The checks that need no analysis: rights, full clearance, and what no analysis could see into. */
    private Optional<StatementVerdict> screen(LexedStatement statement, Caller caller) {
        return screen(statement, caller, true);
    }

    /** {@code checkVerbs}: whether the statement's own verbs need the role's permission (not for EXECUTE's). */
    private Optional<StatementVerdict> screen(LexedStatement statement, Caller caller, boolean checkVerbs) {
        Optional<StatementVerdict> rights = rights(statement, caller, checkVerbs);
        if (rights.isPresent()) {
            return rights;
        }
        if (statement.sqlTextFunction().isPresent()) {
            return Optional.of(refuseUnanalysable(
                    statement,
                    statement.sqlTextFunction().get()
                            + " runs SQL given as text or carries values where no mask reaches them"));
        }
        if (ROUTINE_DEFINITION.matcher(statement.normalized()).lookingAt() && !listedCall(statement, caller, false)) {
            return Optional.of(refuse(
                    statement,
                    "routine",
                    "custos: code run by the database (DO, CALL, functions, procedures, triggers, rules) is reserved"
                            + " to full clearance: its body cannot be analysed"));
        }
        Optional<String> statistics = statement.identifierChains().stream()
                .flatMap(List::stream)
                .filter(VALUE_REVEALING_RELATIONS::contains)
                .findFirst();
        if (statistics.isPresent()) {
            return Optional.of(refuse(
                    statement,
                    "catalog-values",
                    "custos: " + statistics.get()
                            + " shows column values or other sessions' statements and is reserved to full clearance"));
        }
        if (statement.malformed()) {
            return Optional.of(unanalysable(statement, caller, "the statement is malformed"));
        }
        return Optional.empty();
    }

    /**
     * Import and export need the role's right, every verb the role's permission; a caller with full clearance then
     * passes.
     */
    private Optional<StatementVerdict> rights(LexedStatement statement, Caller caller) {
        return rights(statement, caller, true);
    }

    private Optional<StatementVerdict> rights(LexedStatement statement, Caller caller, boolean checkVerbs) {
        Role role = caller.role();
        if (statement.importExport().isPresent() && !role.importExport()) {
            return Optional.of(refuse(
                    statement,
                    "import-export",
                    "custos: role " + role.name() + " may not import or export data ("
                            + statement.importExport().get() + ")"));
        }
        for (Verb verb : checkVerbs ? statement.verbs() : List.<Verb>of()) {
            if (verb.statementClass() != StatementClass.IMPORT_EXPORT && !role.may(verb.statementClass())) {
                String what = verb.keywords().isEmpty() ? "this statement" : verb.keywords();
                return Optional.of(
                        refuse(statement, "role-permission", "custos: role " + role.name() + " may not run " + what));
            }
        }
        Matcher locking = LOCKING_READ.matcher(statement.normalized());
        if (checkVerbs
                && mainVerb(statement) == StatementClass.READ
                && !role.may(StatementClass.UPDATE)
                && locking.find()) {
            // Both servers ask for the UPDATE privilege (MySQL: UPDATE, DELETE or LOCK TABLES) before they lock rows
            // for a reader; the gateway's account has it, so the role must.
            return Optional.of(refuse(
                    statement,
                    "role-permission",
                    "custos: role " + role.name() + " may not run SELECT … "
                            + locking.group().toUpperCase(Locale.ROOT).replaceAll("\\s+", " ")
                            + ": a locking read needs the update permission"));
        }
        Optional<String> signal = statement.identifierChains().stream()
                .map(chain -> chain.get(chain.size() - 1).toLowerCase(Locale.ROOT))
                .filter(SESSION_SIGNALS::contains)
                .findFirst();
        if (signal.isPresent()) {
            return Optional.of(refuse(
                    statement,
                    "kill",
                    "custos: " + signal.get() + " reaches the sessions of every user, who share the gateway's database"
                            + " account; a client cancels its own statement with the protocol's cancel request, and"
                            + " sessions are ended through the admin API"));
        }
        if (caller.fullClearance()) {
            return Optional.of(allow(statement));
        }
        Catalog current = catalog.get();
        // Names as the lexer folded them: a quoted PostgreSQL "MyFunc" keeps its case, and is never taken for a
        // routine the policy lists (those match unquoted names, and MySQL's, which ignore case).
        Optional<String> routine = statement.identifierChains().stream()
                .map(chain -> chain.get(chain.size() - 1))
                .filter(name -> current.definesRoutine(name) || current.definesRoutine(name.toLowerCase(Locale.ROOT)))
                .filter(name -> !listed(role, name))
                .map(name -> name.toLowerCase(Locale.ROOT))
                .findFirst();
        if (routine.isPresent()) {
            return Optional.of(refuse(
                    statement,
                    "routine",
                    "custos: " + routine.get()
                            + " is a routine defined in the database and not listed for role " + role.name()
                            + "; routines are reserved to full clearance since what they read cannot be analysed"));
        }
        return Optional.empty();
    }

    // ---- MySQL

    private Decided decideMySql(LexedStatement statement, Caller caller, MySqlMode mode) {
        Optional<StatementVerdict> screened = screenMySql(statement, caller, mode);
        if (screened.isPresent()) {
            return Decided.of(screened.get());
        }
        Optional<PreparedStatementUse> prepare = statement.preparedStatement().filter(PreparedStatementUse::hasBody);
        if (prepare.isPresent()) {
            return prepareMySql(statement, prepare.get(), caller, mode);
        }
        if (explains(statement, MYSQL_EXPLAIN)) {
            String explained = statement.text().substring(statement.queryOffset());
            return explain(
                    statement,
                    caller,
                    MySqlLexer.split(explained, mode),
                    true,
                    inner -> decideMySql(inner, caller, mode));
        }
        if (mainVerb(statement) != StatementClass.READ) {
            return Decided.of(write(statement, caller, true));
        }
        boolean explainsStatement = statement.queryOffset() > 0;
        if (!explainsStatement
                && MYSQL_METADATA.matcher(statement.verbs().get(0).keywords()).matches()) {
            return Decided.of(allow(statement));
        }
        return maskMySql(statement, caller, mode);
    }

    /**
     * {@code PREPARE name FROM 'text'} is decided as the statement the text holds; where that statement is masked, the
     * literal is replaced by one holding the rewrite, so the server prepares the masked statement and every later
     * EXECUTE returns masked values.
     */
    private Decided prepareMySql(
            LexedStatement statement, PreparedStatementUse prepare, Caller caller, MySqlMode mode) {
        List<LexedStatement> inner = MySqlLexer.split(prepare.body(), mode);
        Optional<String> readDifferently =
                caller.fullClearance() ? Optional.empty() : MySqlLexer.readDifferently(prepare.body(), mode);
        if (readDifferently.isPresent()) {
            return Decided.of(refuseUnanalysable(statement, readDifferently.get()));
        }
        if (inner.size() != 1) {
            return Decided.of(unanalysable(statement, caller, "PREPARE of a text that is not one statement", true));
        }
        Decided decided = decideMySql(inner.get(0), caller, mode);
        StatementVerdict prepared = decided.verdict();
        StatementVerdict verdict =
                switch (prepared.decision()) {
                    case REFUSED -> refuse(statement, prepared.rule(), prepared.reason());
                    case ALLOWED -> allow(statement);
                    case REWRITTEN -> new StatementVerdict(
                            statement.statementClass(),
                            statement.normalized(),
                            statement.digest(),
                            Decision.REWRITTEN,
                            statement.text().substring(0, prepare.bodyStart())
                                    + mySqlString(prepared.sql(), mode)
                                    + statement.text().substring(prepare.bodyEnd()),
                            prepared.maskedColumns(),
                            null,
                            null);
                };
        return new Decided(verdict, decided.cacheable());
    }

    /** {@code text} as a MySQL string literal that the server reads back as {@code text} under {@code mode}. */
    static String mySqlString(String text, MySqlMode mode) {
        String escaped = mode.noBackslashEscapes() ? text : text.replace("\\", "\\\\");
        return "'" + escaped.replace("'", "''") + "'";
    }

    /** The MySQL checks that need no analysis, in the order of {@link #screen}, with the dialect's side channels. */
    private Optional<StatementVerdict> screenMySql(LexedStatement statement, Caller caller, MySqlMode mode) {
        if (MYSQL_KILL.matcher(statement.normalized()).find()
                || statement.verbs().stream()
                        .anyMatch(verb -> MYSQL_KILL.matcher(verb.keywords()).find())) {
            // The session answers a KILL sent on its own, for the caller's own connections only. One that reaches
            // the gate was hidden (an executable comment, a later statement of the message, a prepared text) and
            // would run with the gateway's account, which may end every session's backend thread.
            return Optional.of(refuse(
                    statement,
                    "kill",
                    "custos: KILL must be sent on its own, naming one of the caller's own connection ids"));
        }
        Optional<StatementVerdict> rights = rights(statement, caller);
        if (rights.isPresent()) {
            return rights;
        }
        if (statement.verbs().stream().anyMatch(verb -> verb.keywords().equals(MySqlLexer.SET_STATEMENT_READING))) {
            // The server would read the statement after FOR under another sql_mode or character set than the gate.
            return Optional.of(refuse(
                    statement,
                    "session-change",
                    "custos: SET STATEMENT may not change sql_mode or the character set below full clearance"));
        }
        if (MYSQL_DIAGNOSTICS.matcher(statement.normalized()).lookingAt()) {
            // Warnings quote the values a conversion failed on ("Truncated incorrect DECIMAL value: '1322…'"), and
            // the note of EXPLAIN EXTENDED holds the row a primary-key lookup found.
            return Optional.of(refuse(
                    statement,
                    "diagnostics",
                    "custos: warnings and diagnostics may quote protected values and are reserved to full clearance"));
        }
        if (statement.sqlTextFunction().isPresent()) {
            return Optional.of(refuseUnanalysable(
                    statement, statement.sqlTextFunction().get() + " runs SQL given as text, out of sight"));
        }
        String keywords = statement.verbs().get(0).keywords();
        if (MYSQL_ROUTINES.contains(keywords) && !listedCall(statement, caller, true)) {
            return Optional.of(refuse(
                    statement,
                    "routine",
                    "custos: code run by the database (CALL, stored procedures, functions, triggers, events, compound"
                            + " statements) is reserved to full clearance: its body cannot be analysed"));
        }
        boolean namesClassifiedTable = namesClassifiedTable(statement, caller.classification(), true);
        if (keywords.equals("DO")) {
            return Optional.of(
                    namesClassifiedTable
                            ? refuse(
                                    statement,
                                    "routine",
                                    "custos: DO evaluates expressions for their effects, which no mask reaches; over a"
                                            + " table with classified columns it is reserved to full clearance")
                            : allow(statement));
        }
        Optional<String> revealing = mySqlValueRevealing(statement, caller);
        if (revealing.isPresent()) {
            return Optional.of(refuse(
                    statement,
                    "catalog-values",
                    "custos: " + revealing.get()
                            + " shows column values or other sessions' statements and is reserved to full clearance"));
        }
        Optional<StatementVerdict> sideChannel = mySqlSideChannel(statement, caller, mode);
        if (sideChannel.isPresent()) {
            return sideChannel;
        }
        if (statement.importExport().isPresent() && namesClassifiedTable) {
            return Optional.of(refuseUnanalysable(
                    statement, statement.importExport().get() + " would move classified columns unmasked"));
        }
        if (statement.malformed()) {
            return Optional.of(unanalysable(statement, caller, "the statement is malformed", true));
        }
        return Optional.empty();
    }

    /**
     * A user variable assigned in or from a query keeps its value for later statements, which read it unmasked; an
     * XPath function quotes its argument in the error it raises. Either is refused when the statement names a table
     * holding columns above the caller's clearance.
     */
    private Optional<StatementVerdict> mySqlSideChannel(LexedStatement statement, Caller caller, MySqlMode mode) {
        Set<String> hiddenTables = reaching(
                hiddenRules(caller).stream()
                        .map(rule -> fold(rule.table(), true))
                        .collect(Collectors.toUnmodifiableSet()),
                true);
        if (hiddenTables.isEmpty() || !namesTable(statement, hiddenTables)) {
            return Optional.empty();
        }
        MySqlSideChannels channels = MySqlSideChannels.of(statement.text(), mode);
        boolean setFromQuery = statement.verbs().get(0).keywords().equals("SET") && statement.embedsQuery();
        if (channels.assignsUserVariable() || setFromQuery) {
            return Optional.of(refuse(
                    statement,
                    "laundering",
                    "custos: statement may copy classified data above the caller's clearance into a variable"));
        }
        if (channels.valueEchoingFunction().isPresent()) {
            return Optional.of(refuseUnanalysable(
                    statement,
                    channels.valueEchoingFunction().get() + " quotes its argument in error messages, where no mask"
                            + " reaches it"));
        }
        return Optional.empty();
    }

    /**
     * The first system table or SHOW statement that shows other sessions' statements or values of other tables'
     * columns. A name without a database is looked up in the current one.
     */
    private static Optional<String> mySqlValueRevealing(LexedStatement statement, Caller caller) {
        String keywords = statement.verbs().get(0).keywords();
        if (MYSQL_VALUE_REVEALING_SHOW.contains(keywords)) {
            return Optional.of(keywords);
        }
        if (OTHER_CONNECTION.matcher(statement.normalized()).matches()) {
            return Optional.of("EXPLAIN FOR CONNECTION");
        }
        String current =
                caller.searchPath().isEmpty() ? "" : caller.searchPath().get(0).toLowerCase(Locale.ROOT);
        for (List<String> chain : statement.identifierChains()) {
            for (int index = 0; index < chain.size(); index++) {
                String database = index == 0 ? current : chain.get(index - 1);
                String name = chain.get(index);
                if (revealsValues(database, name)) {
                    return Optional.of(database + "." + name);
                }
            }
        }
        return Optional.empty();
    }

    private static boolean revealsValues(String database, String name) {
        if (database.equals("sys")) {
            return true;
        }
        if (database.equals("performance_schema") && name.startsWith("events_statements_")) {
            return true;
        }
        return MYSQL_VALUE_REVEALING_RELATIONS.getOrDefault(database, Set.of()).contains(name);
    }

    private Decided maskMySql(LexedStatement statement, Caller caller, MySqlMode mode) {
        Optional<StatementVerdict> bounds = beyondBounds(statement);
        if (bounds.isPresent()) {
            return Decided.of(bounds.get());
        }
        int offset = statement.queryOffset();
        String text = statement.text().substring(offset);
        String calciteText = statement.calciteText().substring(offset);
        Decided decided = analysed(statement, caller, true, () -> masker.maskMySql(text, calciteText, caller, mode));
        if (decided.verdict().decision() == Decision.REWRITTEN && intoVariables(statement)) {
            // SELECT … INTO @v: a variable keeps the value for later statements, where no mask reaches it.
            return Decided.of(refuse(
                    statement,
                    "laundering",
                    "custos: statement may copy classified data above the caller's clearance into a variable"));
        }
        return decided;
    }

    private static boolean intoVariables(LexedStatement statement) {
        return statement.verbs().stream().anyMatch(verb -> verb.keywords().equals("SELECT INTO"));
    }

    /**
     * Runs the masker on an analysis thread. A query naming a table or column the catalog lacks makes the catalog
     * reload once, and is analysed again if that changed it. A failure inside the analysis must not let the statement
     * through unexamined, nor be remembered.
     */
    private Decided analysed(
            LexedStatement statement, Caller caller, boolean foldCase, Supplier<MaskOutcome> analysis) {
        AnalysisThreads.Outcome<MaskOutcome> run = AnalysisThreads.run(analysis);
        if (run instanceof AnalysisThreads.Done<MaskOutcome> done
                && done.value() instanceof MaskOutcome.Unanalysable unanalysable) {
            Matcher unknown = UNKNOWN_NAME.matcher(unanalysable.reason());
            if (unknown.find() && refreshForUnknownName.test(unknown.group(1))) {
                run = AnalysisThreads.run(analysis);
            }
        }
        if (run instanceof AnalysisThreads.Failed<MaskOutcome> failed) {
            if (failed.cause() instanceof StackOverflowError) {
                log.warn("Analysis ran out of stack; treating the statement as unanalysable");
                return new Decided(
                        unanalysable(statement, caller, "the statement nests too deeply to analyse", foldCase), false);
            }
            log.warn("Analysis failed; treating the statement as unanalysable", failed.cause());
            return new Decided(unanalysable(statement, caller, "analysis failed", foldCase), false);
        }
        MaskOutcome outcome = ((AnalysisThreads.Done<MaskOutcome>) run).value();
        if (outcome == null) {
            log.warn("Analysis returned nothing; treating the statement as unanalysable");
            return new Decided(unanalysable(statement, caller, "analysis failed", foldCase), false);
        }
        return Decided.of(afterMasking(statement, caller, outcome, foldCase));
    }

    // ---- shared

    /** Statements other than queries, below full clearance. */
    private StatementVerdict write(LexedStatement statement, Caller caller) {
        return write(statement, caller, false);
    }

    /** {@code foldCase}: table names compare in lower case (MySQL, whose lexer folds every name). */
    private StatementVerdict write(LexedStatement statement, Caller caller, boolean foldCase) {
        boolean namesClassifiedTable = namesClassifiedTable(statement, caller.classification(), foldCase);
        if (WRITES.contains(statement.statementClass())
                && statement.hasReturning()
                && namesTable(statement, hiddenTables(caller, foldCase))) {
            // RETURNING is not analysed: refused when it could name a column the caller may not see.
            return refuse(
                    statement,
                    "returning",
                    "custos: RETURNING from a table with columns above the caller's clearance is not allowed");
        }
        if (statement.statementClass() == StatementClass.IMPORT_EXPORT && namesClassifiedTable) {
            return refuseUnanalysable(statement, "COPY would export classified columns unmasked");
        }
        if (mainVerb(statement) == StatementClass.DDL
                && RENAMING.matcher(statement.normalized()).find()) {
            Set<String> hiddenTables = reaching(
                    hiddenRules(caller).stream()
                            .map(rule -> fold(rule.table(), foldCase))
                            .collect(Collectors.toUnmodifiableSet()),
                    foldCase);
            if (namesTable(statement, hiddenTables)) {
                // The classification names tables and columns: one renamed or moved to another schema leaves it.
                return refuse(
                        statement,
                        "laundering",
                        "custos: renaming or moving a table or column that holds data above the caller's clearance"
                                + " would take it out of its classification");
            }
        }
        boolean definesFromData =
                (mainVerb(statement) == StatementClass.DDL || createsTable(statement)) && statement.embedsQuery();
        if (WRITES.contains(mainVerb(statement)) || definesFromData) {
            Optional<String> laundered = launderedSource(statement, caller, foldCase);
            if (laundered.isPresent() && readsOnlyItsTarget(statement, caller, foldCase)) {
                Optional<StatementVerdict> analysed = analysedWrite(statement, caller, foldCase);
                if (analysed.isPresent()) {
                    return analysed.get();
                }
            }
            if (laundered.isPresent()) {
                return refuse(
                        statement,
                        "laundering",
                        "custos: statement may copy or test classified data above the caller's clearance ("
                                + laundered.get() + ")");
            }
        }
        if (mainVerb(statement) == StatementClass.DDL
                && !CREATE_TABLE.matcher(statement.normalized()).lookingAt()) {
            // A new table's definition reads no stored value, even when its names are those of a classified table.
            Optional<String> column = hiddenColumnNamed(statement, caller, foldCase);
            if (column.isPresent()) {
                // Whether ADD CONSTRAINT … CHECK (account_no LIKE '6217%') succeeds answers a question about the
                // values; a new type, a USING expression or an index expression reads them too.
                return refuse(
                        statement,
                        "laundering",
                        "custos: DDL naming " + column.get() + ", a column above the caller's clearance, may test or"
                                + " change its values (CHECK, USING, a new type, an index) and is reserved to callers"
                                + " cleared for it");
            }
        }
        return allow(statement);
    }

    /**
     * A write or a definition from data must not read what the caller may not see: it would store it where the
     * caller can read it unmasked, or reveal it through the rows it touches. Returns the first name that would, as
     * {@code table} or {@code table.column}: a table holding columns above the caller's clearance named anywhere but
     * as the write's target, or such a column of the target read or tested rather than assigned.
     */
    private Optional<String> launderedSource(LexedStatement statement, Caller caller, boolean foldCase) {
        List<ColumnRule> hidden = hiddenRules(caller);
        Set<String> hiddenBaseTables =
                hidden.stream().map(rule -> fold(rule.table(), foldCase)).collect(Collectors.toUnmodifiableSet());
        Set<String> hiddenTables = reaching(hiddenBaseTables, foldCase);
        for (List<String> chain : statement.sourceChains()) {
            Optional<String> table = namedTable(chain, hiddenTables);
            if (table.isPresent()) {
                return table;
            }
        }
        Optional<String> target = statement.writeTarget().flatMap(chain -> namedTable(chain, hiddenTables));
        if (target.isEmpty()) {
            return Optional.empty();
        }
        if (!hiddenBaseTables.contains(target.get())) {
            // Which of a view's columns are the hidden ones would take an analysis of the write; writes through such a
            // view are refused instead.
            return Optional.of(target.get() + ", a view over columns above the caller's clearance");
        }
        Set<String> hiddenColumns = hidden.stream()
                .filter(rule -> fold(rule.table(), foldCase).equals(target.get()))
                .map(rule -> fold(rule.column(), foldCase))
                .collect(Collectors.toUnmodifiableSet());
        return statement.sourceChains().stream()
                .map(chain -> chain.get(chain.size() - 1))
                .filter(hiddenColumns::contains)
                .findFirst()
                .map(column -> target.get() + "." + column);
    }

    /**
     * Whether an UPDATE or DELETE names no table holding columns above the caller's clearance but its own target: then
     * only the target's columns can be read, and the analysis tells a value assigned from one (laundering) from one
     * tested in WHERE (a predicate, which the column's filter may permit).
     */
    private static boolean readsOnlyItsTarget(LexedStatement statement, Caller caller, boolean foldCase) {
        StatementClass verb = mainVerb(statement);
        if (verb != StatementClass.UPDATE && verb != StatementClass.DELETE) {
            return false;
        }
        Set<String> hiddenTables = hiddenRules(caller).stream()
                .map(rule -> fold(rule.table(), foldCase))
                .collect(Collectors.toUnmodifiableSet());
        Optional<String> target = statement.writeTarget().flatMap(chain -> namedTable(chain, hiddenTables));
        return target.isPresent()
                && statement.sourceChains().stream()
                        .map(chain -> namedTable(chain, hiddenTables))
                        .flatMap(Optional::stream)
                        .allMatch(target.get()::equals);
    }

    /**
     * The analysed verdict on an UPDATE or DELETE that tests or reads its target's protected columns: refused by the
     * predicate or laundering rule, or allowed; empty when the analysis cannot tell, and the statement is refused as
     * laundering without it.
     */
    private Optional<StatementVerdict> analysedWrite(LexedStatement statement, Caller caller, boolean foldCase) {
        int offset = statement.queryOffset();
        String text = statement.text().substring(offset);
        String calciteText = statement.calciteText().substring(offset);
        AnalysisThreads.Outcome<MaskOutcome> run = AnalysisThreads.run(() -> foldCase
                ? masker.checkWriteMySql(text, calciteText, caller)
                : masker.checkWrite(text, calciteText, caller));
        if (!(run instanceof AnalysisThreads.Done<MaskOutcome> done)) {
            log.warn(
                    "Analysis of a write failed; refusing it as laundering",
                    ((AnalysisThreads.Failed<MaskOutcome>) run).cause());
            return Optional.empty();
        }
        MaskOutcome outcome = done.value();
        if (outcome instanceof MaskOutcome.Refused refused) {
            return Optional.of(refuse(statement, refused.rule(), refused.reason()));
        }
        if (outcome instanceof MaskOutcome.Unchanged) {
            return Optional.of(allow(statement));
        }
        return Optional.empty();
    }

    private static Set<String> hiddenTables(Caller caller, boolean foldCase) {
        return hiddenRules(caller).stream()
                .map(rule -> fold(rule.table(), foldCase))
                .collect(Collectors.toUnmodifiableSet());
    }

    private static List<ColumnRule> hiddenRules(Caller caller) {
        int clearance = caller.role().clearance();
        return caller.classification().rules().stream()
                .filter(rule -> rule.level() > clearance)
                .toList();
    }

    /**
     * A column above the caller's clearance that the statement names together with its table, as
     * {@code table.column}.
     */
    private static Optional<String> hiddenColumnNamed(LexedStatement statement, Caller caller, boolean foldCase) {
        Set<String> named = statement.identifierChains().stream()
                .map(chain -> fold(chain.get(chain.size() - 1), foldCase))
                .collect(Collectors.toUnmodifiableSet());
        return hiddenRules(caller).stream()
                .filter(rule -> named.contains(fold(rule.column(), foldCase)))
                .filter(rule -> namesTable(statement, Set.of(fold(rule.table(), foldCase))))
                .map(rule -> rule.table() + "." + rule.column())
                .findFirst();
    }

    /**
     * A {@code CALL} of a procedure the policy lists for the caller's role, whose arguments name no table holding
     * columns above the caller's clearance (a value read there would reach the procedure, which may store it).
     */
    private boolean listedCall(LexedStatement statement, Caller caller, boolean foldCase) {
        Matcher call = CALL.matcher(statement.normalized());
        if (!call.lookingAt()) {
            return false;
        }
        String name = call.group(1);
        String bare = name.startsWith("\"") || name.startsWith("`") ? name.substring(1, name.length() - 1) : name;
        boolean caseKept = name.startsWith("\"") || !foldCase;
        return (caseKept ? listed(caller.role(), bare) : caller.role().mayCall(bare))
                && !namesTable(statement, hiddenTables(caller, foldCase));
    }

    /** A routine named as PostgreSQL folds names is listed only when it is in lower case, as unquoted names are. */
    private static boolean listed(Role role, String name) {
        return name.equals(name.toLowerCase(Locale.ROOT)) && role.mayCall(name);
    }

    private static String fold(String name, boolean foldCase) {
        return foldCase ? name.toLowerCase(Locale.ROOT) : name;
    }

    private static Optional<String> namedTable(List<String> chain, Set<String> tables) {
        String last = chain.get(chain.size() - 1);
        if (tables.contains(last)) {
            return Optional.of(last);
        }
        if (chain.size() >= 2 && tables.contains(chain.get(chain.size() - 2))) {
            return Optional.of(chain.get(chain.size() - 2));
        }
        return Optional.empty();
    }

    /** The class of the statement itself, before the verbs its WITH queries add. */
    private static StatementClass mainVerb(LexedStatement statement) {
        return statement.verbs().get(0).statementClass();
    }

    private Decided mask(LexedStatement statement, Caller caller) {
        Optional<StatementVerdict> bounds = beyondBounds(statement);
        if (bounds.isPresent()) {
            return Decided.of(bounds.get());
        }
        int offset = statement.queryOffset();
        String text = statement.text().substring(offset);
        String calciteText = statement.calciteText().substring(offset);
        return analysed(statement, caller, false, () -> masker.mask(text, calciteText, caller));
    }

    private StatementVerdict afterMasking(
            LexedStatement statement, Caller caller, MaskOutcome outcome, boolean foldCase) {
        int offset = statement.queryOffset();
        if (outcome instanceof MaskOutcome.Rewritten && !foldCase && namesWithUnicodeEscapes(statement)) {
            // Calcite reads a U&"…" name as the shorter plain name it denotes, padded with spaces; a masked output's
            // span would end inside the original name, and the rewrite would splice half of it into the SQL sent.
            return unanalysable(
                    statement,
                    caller,
                    "a U&\"…\" name in a statement whose outputs are masked is not supported",
                    false);
        }
        if (outcome instanceof MaskOutcome.Rewritten rewritten) {
            return new StatementVerdict(
                    statement.statementClass(),
                    statement.normalized(),
                    statement.digest(),
                    Decision.REWRITTEN,
                    statement.text().substring(0, offset) + rewritten.sql(),
                    rewritten.maskedColumns(),
                    null,
                    null);
        }
        if (outcome instanceof MaskOutcome.Refused refused) {
            return refuse(statement, refused.rule(), refused.reason());
        }
        if (outcome instanceof MaskOutcome.Unanalysable unanalysable) {
            return unanalysable(statement, caller, unanalysable.reason(), foldCase);
        }
        return allow(statement);
    }

    /**
     * Whether the statement has a PostgreSQL {@code U&"…"} name: the Calcite text holds a plain quoted name there.
     */
    private static boolean namesWithUnicodeEscapes(LexedStatement statement) {
        String text = statement.text();
        String calcite = statement.calciteText();
        for (int i = text.indexOf('&'); i > 0; i = text.indexOf('&', i + 1)) {
            if ((text.charAt(i - 1) == 'U' || text.charAt(i - 1) == 'u')
                    && i + 1 < text.length()
                    && text.charAt(i + 1) == '"'
                    && calcite.charAt(i - 1) == '"') {
                return true;
            }
        }
        return false;
    }

    private StatementVerdict unanalysable(LexedStatement statement, Caller caller, String reason) {
        return unanalysable(statement, caller, reason, false);
    }

    private StatementVerdict unanalysable(LexedStatement statement, Caller caller, String reason, boolean foldCase) {
        if (namesClassifiedTable(statement, caller.classification(), foldCase) || namesUnknownRelation(reason)) {
            return refuseUnanalysable(statement, reason);
        }
        return allow(statement);
    }

    /**
     * A relation the catalog does not know yet (a view or table created since the last refresh, or one the gateway's
     * account cannot see) could read anything; the system catalogs, which the catalog leaves out on purpose, are the
     * exception, since drivers and tools query them for metadata.
     */
    private static boolean namesUnknownRelation(String reason) {
        Matcher matcher = UNKNOWN_OBJECT.matcher(reason);
        while (matcher.find()) {
            String name = matcher.group(1).toLowerCase(Locale.ROOT);
            if (!name.startsWith("pg_") && !SYSTEM_SCHEMAS.contains(name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether any dotted name could denote a table with classified columns: its last part (a table) or, for a chain
     * of two or more, its last but one (the table of {@code t.column}). Names compare as PostgreSQL folded them, so
     * {@code "Customer"} is not {@code customer}; schemas are ignored, which errs on the side of refusing.
     */
    private boolean namesClassifiedTable(LexedStatement statement, Classification classification, boolean foldCase) {
        Set<String> tables = classification.tables().stream()
                .map(table -> fold(table.table(), foldCase))
                .collect(Collectors.toUnmodifiableSet());
        return namesTable(statement, reaching(tables, foldCase));
    }

    /**
     * A column the policy classifies on a table the statement names, which the catalog knows without it: the column
     * may have been added since the catalog was read (by DDL that did not pass through the gateway).
     */
    private Optional<String> lacksClassifiedColumn(LexedStatement statement, Caller caller, boolean foldCase) {
        Catalog current = catalog.get();
        for (ColumnRule rule : hiddenRules(caller)) {
            Set<String> table = Set.of(fold(rule.table(), foldCase));
            if (!namesTable(statement, table)) {
                continue;
            }
            Optional<CatalogTable> known = current.table(rule.schema(), rule.table());
            if (known.isEmpty() && foldCase) {
                known = current.tables().stream()
                        .filter(candidate -> candidate.schema().equalsIgnoreCase(rule.schema())
                                && candidate.name().equalsIgnoreCase(rule.table()))
                        .findFirst();
            }
            if (known.isPresent()
                    && known.get().columns().stream()
                            .noneMatch(column -> foldCase
                                    ? column.name().equalsIgnoreCase(rule.column())
                                    : column.name().equals(rule.column()))) {
                return Optional.of(rule.schema() + "." + rule.table() + "." + rule.column());
            }
        }
        return Optional.empty();
    }

    /**
     * {@code tables} and the names of every view that may show their columns: a view whose definition names one of
     * them or such a view, at any depth, and a view whose definition the gateway cannot see. Names as the dialect
     * folds them ({@code foldCase} for MySQL); schemas are ignored, which errs on the side of refusing.
     */
    private Set<String> reaching(Set<String> tables, boolean foldCase) {
        ViewReferences references = viewReferences(foldCase);
        if (tables.isEmpty() || references.isEmpty()) {
            return tables;
        }
        return references.reaching(tables);
    }

    private ViewReferences viewReferences(boolean foldCase) {
        Catalog current = catalog.get();
        AtomicReference<ViewReferences> reference = foldCase ? mySqlViews : postgresViews;
        ViewReferences cached = reference.get();
        if (cached != null && cached.version() == current.version()) {
            return cached;
        }
        ViewReferences built = ViewReferences.of(current, foldCase);
        reference.set(built);
        return built;
    }

    private static boolean namesTable(LexedStatement statement, Set<String> tables) {
        return statement.identifierChains().stream()
                .anyMatch(chain -> namedTable(chain, tables).isPresent());
    }

    private static StatementVerdict allow(LexedStatement statement) {
        return new StatementVerdict(
                statement.statementClass(),
                statement.normalized(),
                statement.digest(),
                Decision.ALLOWED,
                statement.text(),
                List.of(),
                null,
                null);
    }

    private static StatementVerdict refuseUnanalysable(LexedStatement statement, String why) {
        return refuse(
                statement,
                "unanalysable",
                "custos: statement could not be analysed and may read classified data: " + why);
    }

    private static StatementVerdict refuse(LexedStatement statement, String rule, String reason) {
        return new StatementVerdict(
                statement.statementClass(),
                statement.normalized(),
                statement.digest(),
                Decision.REFUSED,
                statement.text(),
                List.of(),
                rule,
                reason);
    }
}
