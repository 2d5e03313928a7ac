package io.custos.rewrite;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.custos.policy.Classification;
import io.custos.policy.ColumnRule;
import io.custos.policy.Role;
import io.custos.policy.StatementClass;
import io.custos.rewrite.analysis.MaskOutcome;
import io.custos.rewrite.analysis.QueryMasker;
import io.custos.rewrite.postgres.LexedStatement;
import io.custos.rewrite.postgres.LexedStatement.Verb;
import io.custos.rewrite.postgres.PostgresLexer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what happens to each statement of a PostgreSQL client message.
 *
 * <p>Per statement, in order: import and export need the role's import/export right; every verb of the statement
 * needs the role's permission; a caller with full clearance then passes unchanged; a statement that runs SQL given as
 * text is refused, since nothing can see into it; a malformed statement naming a classified table is refused, other
 * malformed statements go to the server to fail; a query goes to the masker, and if the masker cannot analyse it and
 * it names a classified table it is refused; a write with RETURNING from a classified table is refused; a write, or a
 * DDL statement defining something from a query, that reads or tests a table holding columns above the caller's
 * clearance is refused (it would launder them into a place the caller can read, or infer them); everything else
 * passes. A refusal of any statement refuses the whole message.
 *
 * <p>Verdicts are cached per statement, keyed on everything they depend on: the text, standard_conforming_strings,
 * whether the lexer found it malformed, the role, the policy version, the catalog version and the search path. The
 * user's name is not part of the key. The gate is safe for concurrent use.
 */
public final class StatementGate {
    private static final Logger log = LoggerFactory.getLogger(StatementGate.class);

    private static final Set<StatementClass> WRITES =
            Set.of(StatementClass.INSERT, StatementClass.UPDATE, StatementClass.DELETE);

    /**
     * Statements that define or run code inside the database. The body is text the gate cannot see into, and once
     * defined a routine reads whatever the gateway's own database account may read.
     */
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

    private final QueryMasker masker;
    private final LongSupplier catalogVersion;
    private final Cache<CacheKey, StatementVerdict> cache;

    public StatementGate(QueryMasker masker, LongSupplier catalogVersion, int cacheSize) {
        this.masker = requireNonNull(masker, "masker is null");
        this.catalogVersion = requireNonNull(catalogVersion, "catalogVersion is null");
        if (cacheSize < 0) {
            throw new IllegalArgumentException("cacheSize: " + cacheSize + " (expected: >= 0)");
        }
        this.cache = Caffeine.newBuilder().maximumSize(cacheSize).build();
    }

    /** A simple-query message: zero or more statements. */
    public Verdict check(String message, Caller caller, boolean standardConformingStrings) {
        requireNonNull(message, "message is null");
        requireNonNull(caller, "caller is null");
        List<LexedStatement> statements = PostgresLexer.split(message, standardConformingStrings);
        List<StatementVerdict> verdicts = new ArrayList<>(statements.size());
        StringBuilder sql = new StringBuilder(message.length());
        int copied = 0;
        for (LexedStatement statement : statements) {
            StatementVerdict verdict = cachedVerdict(statement, caller, standardConformingStrings);
            verdicts.add(verdict);
            if (verdict.decision() == Decision.REWRITTEN) {
                sql.append(message, copied, statement.start()).append(verdict.sql());
                copied = statement.end();
            }
        }
        sql.append(message, copied, message.length());
        return new Verdict(verdicts, sql.toString());
    }

    /**
     * An extended-protocol Parse message, which the server accepts with one statement at most. Should the text hold
     * several, each is checked all the same and the server reports the error.
     */
    public Verdict checkSingle(String statement, Caller caller, boolean standardConformingStrings) {
        return check(statement, caller, standardConformingStrings);
    }

    /**
     * A MySQL COM_QUERY or COM_STMT_PREPARE text. The MySQL dialect is not analysed yet: callers with full clearance
     * pass, everyone else is refused, as the fail-closed rule asks for a statement the gateway cannot analyse.
     */
    public Verdict checkMySql(String message, Caller caller, MySqlMode mode) {
        requireNonNull(message, "message is null");
        requireNonNull(caller, "caller is null");
        requireNonNull(mode, "mode is null");
        String normalized = "<mysql statement>";
        String digest = Digests.sha256Hex(normalized);
        if (caller.fullClearance()) {
            return new Verdict(
                    List.of(new StatementVerdict(
                            StatementClass.OTHER,
                            normalized,
                            digest,
                            Decision.ALLOWED,
                            message,
                            List.of(),
                            null,
                            null)),
                    message);
        }
        return new Verdict(
                List.of(new StatementVerdict(
                        StatementClass.OTHER,
                        normalized,
                        digest,
                        Decision.REFUSED,
                        message,
                        List.of(),
                        "unanalysable",
                        "custos: statement could not be analysed and may read classified data: "
                                + "MySQL statements are not analysed yet")),
                message);
    }

    private StatementVerdict cachedVerdict(LexedStatement statement, Caller caller, boolean standardConformingStrings) {
        CacheKey key = new CacheKey(
                statement.text(),
                standardConformingStrings,
                statement.malformed(),
                caller.role().name(),
                caller.policyVersion(),
                catalogVersion.getAsLong(),
                caller.searchPath());
        StatementVerdict cached = cache.getIfPresent(key);
        if (cached != null) {
            return cached;
        }
        Decided decided = decide(statement, caller);
        if (decided.cacheable()) {
            cache.put(key, decided.verdict());
        }
        return decided.verdict();
    }

    /** A verdict reached after the analysis failed is not cached: the failure may pass. */
    private record Decided(StatementVerdict verdict, boolean cacheable) {
        static Decided of(StatementVerdict verdict) {
            return new Decided(verdict, true);
        }
    }

    private record CacheKey(
            String text,
            boolean standardConformingStrings,
            boolean malformed,
            String role,
            String policyVersion,
            long catalogVersion,
            List<String> searchPath) {}

    private Decided decide(LexedStatement statement, Caller caller) {
        Optional<StatementVerdict> screened = screen(statement, caller);
        if (screened.isPresent()) {
            return Decided.of(screened.get());
        }
        if (mainVerb(statement) == StatementClass.READ) {
            return mask(statement, caller);
        }
        return Decided.of(write(statement, caller));
    }

    /** The checks that need no analysis: rights, full clearance, and what no analysis could see into. */
    private static Optional<StatementVerdict> screen(LexedStatement statement, Caller caller) {
        Role role = caller.role();
        if (statement.importExport().isPresent() && !role.importExport()) {
            return Optional.of(refuse(
                    statement,
                    "import-export",
                    "custos: role " + role.name() + " may not import or export data ("
                            + statement.importExport().get() + ")"));
        }
        for (Verb verb : statement.verbs()) {
            if (verb.statementClass() != StatementClass.IMPORT_EXPORT && !role.may(verb.statementClass())) {
                String what = verb.keywords().isEmpty() ? "this statement" : verb.keywords();
                return Optional.of(
                        refuse(statement, "role-permission", "custos: role " + role.name() + " may not run " + what));
            }
        }
        if (caller.fullClearance()) {
            return Optional.of(allow(statement));
        }
        if (statement.sqlTextFunction().isPresent()) {
            return Optional.of(refuseUnanalysable(
                    statement,
                    statement.sqlTextFunction().get()
                            + " runs SQL given as text or carries values where no mask reaches them"));
        }
        if (ROUTINE_DEFINITION.matcher(statement.normalized()).lookingAt()) {
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

    /** Statements other than queries, below full clearance. */
    private static StatementVerdict write(LexedStatement statement, Caller caller) {
        boolean namesClassifiedTable = namesClassifiedTable(statement, caller.classification());
        if (WRITES.contains(statement.statementClass()) && statement.hasReturning() && namesClassifiedTable) {
            return refuse(
                    statement,
                    "returning",
                    "custos: RETURNING from a table with classified columns is not allowed below full clearance");
        }
        if (statement.statementClass() == StatementClass.IMPORT_EXPORT && namesClassifiedTable) {
            return refuseUnanalysable(statement, "COPY would export classified columns unmasked");
        }
        boolean definesFromData = mainVerb(statement) == StatementClass.DDL && statement.embedsQuery();
        if (WRITES.contains(mainVerb(statement)) || definesFromData) {
            Optional<String> laundered = launderedSource(statement, caller);
            if (laundered.isPresent()) {
                return refuse(
                        statement,
                        "laundering",
                        "custos: statement may copy or test classified data above the caller's clearance ("
                                + laundered.get() + ")");
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
    static Optional<String> launderedSource(LexedStatement statement, Caller caller) {
        int clearance = caller.role().clearance();
        List<ColumnRule> hidden = caller.classification().rules().stream()
                .filter(rule -> rule.level() > clearance)
                .toList();
        Set<String> hiddenTables = hidden.stream().map(ColumnRule::table).collect(Collectors.toUnmodifiableSet());
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
        Set<String> hiddenColumns = hidden.stream()
                .filter(rule -> rule.table().equals(target.get()))
                .map(ColumnRule::column)
                .collect(Collectors.toUnmodifiableSet());
        return statement.sourceChains().stream()
                .map(chain -> chain.get(chain.size() - 1))
                .filter(hiddenColumns::contains)
                .findFirst()
                .map(column -> target.get() + "." + column);
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
        int offset = statement.queryOffset();
        MaskOutcome outcome;
        try {
            outcome = masker.mask(
                    statement.text().substring(offset), statement.calciteText().substring(offset), caller);
            requireNonNull(outcome, "masker returned null");
        } catch (RuntimeException e) {
            // A failure inside the analysis must not let a statement through unexamined, nor be remembered.
            log.warn("Analysis failed; treating the statement as unanalysable", e);
            return new Decided(unanalysable(statement, caller, "analysis failed"), false);
        }
        if (outcome instanceof MaskOutcome.Rewritten rewritten) {
            return Decided.of(new StatementVerdict(
                    statement.statementClass(),
                    statement.normalized(),
                    statement.digest(),
                    Decision.REWRITTEN,
                    statement.text().substring(0, offset) + rewritten.sql(),
                    rewritten.maskedColumns(),
                    null,
                    null));
        }
        if (outcome instanceof MaskOutcome.Unanalysable unanalysable) {
            return Decided.of(unanalysable(statement, caller, unanalysable.reason()));
        }
        return Decided.of(allow(statement));
    }

    private static StatementVerdict unanalysable(LexedStatement statement, Caller caller, String reason) {
        return namesClassifiedTable(statement, caller.classification())
                ? refuseUnanalysable(statement, reason)
                : allow(statement);
    }

    /**
     * Whether any dotted name could denote a table with classified columns: its last part (a table) or, for a chain
     * of two or more, its last but one (the table of {@code t.column}). Names compare as PostgreSQL folded them, so
     * {@code "Customer"} is not {@code customer}; schemas are ignored, which errs on the side of refusing.
     */
    static boolean namesClassifiedTable(LexedStatement statement, Classification classification) {
        Set<String> tables = classification.tables().stream()
                .map(Classification.TableKey::table)
                .collect(Collectors.toUnmodifiableSet());
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
