package io.custos.rewrite.analysis;

import static java.util.Objects.requireNonNull;

import io.custos.policy.Classification;
import io.custos.policy.ColumnRule;
import io.custos.policy.Filter;
import io.custos.policy.Mask;
import io.custos.policy.Role;
import io.custos.rewrite.Caller;
import io.custos.rewrite.Catalog;
import io.custos.rewrite.CatalogColumn;
import io.custos.rewrite.CatalogTable;
import io.custos.rewrite.MySqlMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.calcite.jdbc.CalciteSchema;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.runtime.CalciteException;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlDelete;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.SqlUpdate;
import org.apache.calcite.sql.parser.SqlAbstractParserImpl;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.type.SqlTypeUtil;
import org.apache.calcite.sql.validate.SqlValidator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Masks the outputs of a query that derive from columns above the caller's clearance, by editing only the spans of
 * the client's text that must change.
 *
 * <p>Design: Calcite parses the lexer's prepared text and validates it against a Calcite schema built from the
 * catalog (cached per catalog version). {@link Lineage} traces each output column of the top-level result to its
 * source columns. For every output position with a protected source, the output's expression is wrapped in the mask
 * of the highest-level protected source, in each branch of a set operation by that branch's own sources; a {@code *}
 * that contains a masked
 * column is replaced by its explicit column list. Edits are spliced into the client's text by offset, so literals,
 * placeholders, comments and layout elsewhere stay byte for byte. The wrapped spans that are more than a column
 * reference are parsed once more, on their own, as a check that the positions were read right.
 *
 * <p>Before any rewrite, {@link PredicateCheck} looks at where the query uses protected columns other than as outputs:
 * predicates and orderings follow each column's {@code filter}, and a forbidden use refuses the query.
 *
 * <p>Two dialects: PostgreSQL ({@link #mask}) and MySQL or MariaDB ({@link #maskMySql}). They differ in how names are
 * quoted and matched, how outputs are named (a wrapped output is given the name the client would have seen), which
 * functions resolve, and how masks are written ({@link MaskSql}, {@link MySqlMaskSql}); the lineage and the rules of
 * what is masked are the same.
 *
 * <p>Thread safety: instances are safe for concurrent use; each call builds its own validator.
 */
public final class QueryMasker {
    private static final Logger log = LoggerFactory.getLogger(QueryMasker.class);

    private static final Pattern PLAIN = Pattern.compile("[a-z_][a-z0-9_$]*");
    /** PostgreSQL's reserved key words: a column reference spelled like one must be quoted. */
    private static final Set<String> RESERVED =
            Set.of(("all analyse analyze and any array as asc asymmetric both case cast check collate column "
                            + "constraint create current_catalog current_date current_role current_time "
                            + "current_timestamp current_user default deferrable desc distinct do else end except "
                            + "false fetch for foreign from grant group having in initially intersect into lateral "
                            + "leading limit localtime localtimestamp not null offset on only or order placing primary "
                            + "references returning select session_user some symmetric system_user table then to "
                            + "trailing true union unique user using variadic when where window with")
                    .split(" "));

    private static final Pattern COLUMN_REFERENCE =
            Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*(\\s*\\.\\s*[A-Za-z_][A-Za-z0-9_$]*){0,2}");
    private static final Set<String> SQL_KEYWORDS = SqlAbstractParserImpl.getSql92ReservedWords();

    private final Supplier<Catalog> catalog;
    private final AtomicReference<Snapshot> snapshot = new AtomicReference<>();
    private final AtomicReference<Snapshot> mySqlSnapshot = new AtomicReference<>();

    public QueryMasker(Supplier<Catalog> catalog) {
        this.catalog = requireNonNull(catalog, "catalog is null");
    }

    /**
     * Parses and validates one query on a tiny catalog, so that Calcite's one-time start-up cost (about a second) is
     * paid at start rather than by the first client.
     */
    public static void warmUp() {
        Catalog tiny = Catalog.of(
                List.of(new CatalogTable(
                        "public",
                        "warm_up",
                        List.of(
                                new CatalogColumn("id", "bigint", false),
                                new CatalogColumn("label", "character varying(10)", true)))),
                0);
        Classification classification = new Classification(
                List.of(new ColumnRule("public", "warm_up", "label", 1, new Mask.Partial(1, 1, "*"), Filter.ALLOW)));
        Caller caller = new Caller(
                "warm-up", new Role("warm-up", 0, Set.of(), false), classification, "warm-up", List.of("public"));
        String sql = "WITH w AS (SELECT id, label FROM warm_up) SELECT upper(label), count(*) FROM w GROUP BY 1";
        QueryMasker masker = new QueryMasker(() -> tiny);
        MaskOutcome outcome = masker.mask(sql, sql, caller);
        if (!(outcome instanceof MaskOutcome.Rewritten)) {
            throw new IllegalStateException("warm-up query was not rewritten: " + outcome);
        }
        String mySql = "SELECT `id`, label FROM warm_up WHERE id = ? LIMIT 1, 2";
        MaskOutcome mySqlOutcome = masker.maskMySql(mySql, mySql, caller, MySqlMode.DEFAULT);
        if (!(mySqlOutcome instanceof MaskOutcome.Rewritten)) {
            throw new IllegalStateException("MySQL warm-up query was not rewritten: " + mySqlOutcome);
        }
    }

    /**
     * @param statement the client's text of one statement
     * @param calciteText the same statement prepared by the dialect lexer for Calcite: same length, every offset the
     *     same as in {@code statement}
     */
    public MaskOutcome mask(String statement, String calciteText, Caller caller) {
        return mask(statement, calciteText, caller, Dialect.POSTGRESQL, true);
    }

    /**
     * A MySQL or MariaDB query. Unqualified tables resolve against the caller's current database, the one entry of
     * its search path; with none selected they resolve nowhere and the query is unanalysable.
     *
     * @param statement the client's text of one statement
     * @param calciteText the statement as the MySQL lexer prepared it for Calcite: same length, every offset the same
     * @param mode the session's sql_mode flags: the rewrite writes its literals for them
     */
    public MaskOutcome maskMySql(String statement, String calciteText, Caller caller, MySqlMode mode) {
        requireNonNull(mode, "mode is null");
        return mask(statement, calciteText, caller, Dialect.MYSQL, !mode.noBackslashEscapes());
    }

    private MaskOutcome mask(
            String statement, String calciteText, Caller caller, Dialect dialect, boolean backslashEscapes) {
        requireNonNull(statement, "statement is null");
        requireNonNull(calciteText, "calciteText is null");
        requireNonNull(caller, "caller is null");
        if (statement.length() != calciteText.length()) {
            return new MaskOutcome.Unanalysable("the prepared text does not match the statement");
        }
        if (caller.classification().rules().stream().noneMatch(rule -> isProtected(rule, caller))) {
            return new MaskOutcome.Unchanged();
        }

        Catalog current = requireNonNull(catalog.get(), "catalog supplied is null");
        SqlNode parsed;
        try {
            parsed = SqlParser.create(calciteText, CalciteSetup.parser(dialect)).parseQuery();
        } catch (SqlParseException e) {
            return new MaskOutcome.Unanalysable(firstLine(e.getMessage(), "the query could not be parsed"));
        }
        if (dialect == Dialect.POSTGRESQL) {
            try {
                parsed = InfixCasts.regroup(parsed, calciteText);
            } catch (LineageException e) {
                return new MaskOutcome.Unanalysable(e.getMessage());
            }
        }
        if (!Lineage.isQuery(parsed)) {
            return new MaskOutcome.Unanalysable("not a query");
        }

        Snapshot snapshot = snapshot(current, dialect);
        SqlValidator validator = CalciteSetup.validator(snapshot.root(), caller.searchPath(), dialect);
        SqlNode validated;
        try {
            validated = validator.validate(parsed);
        } catch (CalciteException e) {
            return new MaskOutcome.Unanalysable(firstLine(e.getMessage(), "the query could not be validated"));
        } catch (RuntimeException e) {
            // Anything else is a failure inside Calcite (a null operand, an unknown character set); its message
            // speaks of Calcite's own classes and is no use to the client.
            log.debug("Validation failed inside Calcite", e);
            return new MaskOutcome.Unanalysable("the query could not be validated");
        }

        Lineage lineage = dialect == Dialect.MYSQL
                ? new Lineage(validator, current, statement, calciteText)
                : new Lineage(validator, current);
        try {
            Map<Integer, List<SqlNode>> distinctOn =
                    dialect == Dialect.POSTGRESQL ? DistinctOn.find(calciteText) : Map.of();
            Spans selects = new Spans(statement);
            Set<Integer> checked = new HashSet<>();
            PredicateCheck.Refusal refusal = new PredicateCheck(
                            validator, lineage, caller, dialect, snapshot.views(), select -> {
                                if (distinctOn.isEmpty() || select.getParserPosition() == SqlParserPos.ZERO) {
                                    return List.of();
                                }
                                int offset = selects.startOf(select.getParserPosition());
                                checked.add(offset);
                                return distinctOn.getOrDefault(offset, List.of());
                            })
                    .check(validated);
            if (refusal != null) {
                return new MaskOutcome.Refused(refusal.rule(), refusal.reason());
            }
            if (!checked.containsAll(distinctOn.keySet())) {
                // A DISTINCT ON list no SELECT of the tree claimed would go unchecked.
                return new MaskOutcome.Unanalysable("DISTINCT ON could not be placed in the query");
            }
            return new Rewrite(
                            statement,
                            calciteText,
                            caller,
                            lineage,
                            snapshot.views(),
                            validator,
                            dialect,
                            backslashEscapes)
                    .run(validated);
        } catch (LineageException e) {
            return new MaskOutcome.Unanalysable(e.getMessage());
        }
    }

    /**
     * Checks how an UPDATE or DELETE of one table uses columns above the caller's clearance: its WHERE, with every
     * subquery in it, follows the predicate rules of a query ({@code WHERE mobile = ?} where the column's filter is
     * {@code equality}), and no value it assigns may derive from such a column, which would copy it where the caller
     * can read it. {@link MaskOutcome.Unchanged} when the statement may run as it is; {@link MaskOutcome.Refused}
     * naming the rule; {@link MaskOutcome.Unanalysable} for anything else (a multi-table form, RETURNING, a clause
     * Calcite does not read), which the gate refuses as it did before.
     *
     * @param statement the client's text of the UPDATE or DELETE
     * @param calciteText the same prepared by the PostgreSQL lexer for Calcite, offsets unchanged
     */
    public MaskOutcome checkWrite(String statement, String calciteText, Caller caller) {
        return checkWrite(statement, calciteText, caller, Dialect.POSTGRESQL);
    }

    /** {@link #checkWrite} for MySQL and MariaDB; {@code calciteText} as the MySQL lexer prepared it. */
    public MaskOutcome checkWriteMySql(String statement, String calciteText, Caller caller) {
        return checkWrite(statement, calciteText, caller, Dialect.MYSQL);
    }

    private MaskOutcome checkWrite(String statement, String calciteText, Caller caller, Dialect dialect) {
        requireNonNull(statement, "statement is null");
        requireNonNull(calciteText, "calciteText is null");
        requireNonNull(caller, "caller is null");
        if (statement.length() != calciteText.length()) {
            return new MaskOutcome.Unanalysable("the prepared text does not match the statement");
        }
        if (dialect == Dialect.POSTGRESQL && DistinctOn.present(calciteText)) {
            return new MaskOutcome.Unanalysable("DISTINCT ON in a write is not analysed");
        }
        Catalog current = requireNonNull(catalog.get(), "catalog supplied is null");
        SqlNode parsed;
        try {
            parsed = SqlParser.create(calciteText, CalciteSetup.parser(dialect)).parseStmt();
        } catch (SqlParseException e) {
            return new MaskOutcome.Unanalysable(firstLine(e.getMessage(), "the statement could not be parsed"));
        }
        if (!(parsed instanceof SqlUpdate) && !(parsed instanceof SqlDelete)) {
            return new MaskOutcome.Unanalysable("not an UPDATE or DELETE");
        }
        Snapshot snapshot = snapshot(current, dialect);
        SqlValidator validator = CalciteSetup.validator(snapshot.root(), caller.searchPath(), dialect);
        SqlNode validated;
        try {
            validated = validator.validate(parsed);
        } catch (RuntimeException e) {
            return new MaskOutcome.Unanalysable(firstLine(e.getMessage(), "the statement could not be validated"));
        }
        SqlSelect source = validated instanceof SqlUpdate update
                ? update.getSourceSelect()
                : ((SqlDelete) validated).getSourceSelect();
        if (source == null) {
            return new MaskOutcome.Unanalysable("the statement could not be validated");
        }
        Lineage lineage = dialect == Dialect.MYSQL
                ? new Lineage(validator, current, statement, calciteText)
                : new Lineage(validator, current);
        try {
            PredicateCheck.Refusal refusal =
                    new PredicateCheck(validator, lineage, caller, dialect, snapshot.views()).checkWrite(source);
            return refusal == null
                    ? new MaskOutcome.Unchanged()
                    : new MaskOutcome.Refused(refusal.rule(), refusal.reason());
        } catch (LineageException e) {
            return new MaskOutcome.Unanalysable(e.getMessage());
        }
    }

    private Snapshot snapshot(Catalog current, Dialect dialect) {
        AtomicReference<Snapshot> reference = dialect == Dialect.MYSQL ? mySqlSnapshot : snapshot;
        Snapshot cached = reference.get();
        if (cached != null && cached.version() == current.version()) {
            return cached;
        }
        CalciteSchema root = CalciteSetup.schema(current, dialect);
        Snapshot built = new Snapshot(current.version(), root, new ViewLineage(current, root, dialect));
        reference.set(built);
        return built;
    }

    private static boolean isProtected(ColumnRule rule, Caller caller) {
        return rule.level() > caller.role().clearance();
    }

    private static String firstLine(String message, String fallback) {
        if (message == null || message.isBlank()) {
            return fallback;
        }
        int end = message.indexOf('\n');
        return (end < 0 ? message : message.substring(0, end)).strip();
    }

    /**
     * A label after AS: quoted unless it is a plain lower-case identifier. Key words are quoted too; PostgreSQL would
     * take most of them bare after AS, but the quoted form means the same and every parser reads it.
     */
    static String quoteLabel(String name) {
        return PLAIN.matcher(name).matches() && !isKeyword(name) ? name : quote(name);
    }

    private static boolean isKeyword(String name) {
        return RESERVED.contains(name) || SQL_KEYWORDS.contains(name.toUpperCase(Locale.ROOT));
    }

    /** An identifier in a column reference: also quoted when it is a reserved word. */
    static String quoteIdentifier(String name) {
        return PLAIN.matcher(name).matches() && !isKeyword(name) ? name : quote(name);
    }

    private static String quote(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /** A MySQL name: always back-quoted, which every sql_mode reads the same way. */
    static String backQuote(String name) {
        return '`' + name.replace("`", "``") + '`';
    }

    /**
     * The rule of a source column; for MySQL the names match without case, as the server matches them (the catalog
     * spells them as created, the policy as its author wrote them).
     */
    static Optional<ColumnRule> rule(Caller caller, Lineage.Source source, Dialect dialect) {
        Optional<ColumnRule> exact = caller.classification().rule(source.schema(), source.table(), source.column());
        if (exact.isPresent() || dialect != Dialect.MYSQL) {
            return exact;
        }
        return caller.classification().rules().stream()
                .filter(rule -> rule.schema().equalsIgnoreCase(source.schema())
                        && rule.table().equalsIgnoreCase(source.table())
                        && rule.column().equalsIgnoreCase(source.column()))
                .findFirst();
    }

    /**
     * A classified column an output derives from, with its rule; {@code computed} when a view on the way computes
     * the value from the column rather than showing it.
     */
    record Classified(Lineage.Source source, ColumnRule rule, boolean computed) {}

    /**
     * The classified columns behind {@code origin}: the column itself when the policy classifies it (a rule written
     * for a view column wins over what the view derives from), else for a column of a view the classified columns
     * behind each column it derives from, at any depth of views over views.
     *
     * @throws LineageException when a view cannot be analysed or views nest too deep
     */
    static List<Classified> classified(
            Lineage.Source origin, Caller caller, ViewLineage views, Dialect dialect, int depth) {
        Optional<ColumnRule> own = rule(caller, origin, dialect);
        if (own.isPresent()) {
            return List.of(new Classified(origin, own.get(), false));
        }
        Optional<CatalogTable> view = views.view(origin);
        if (view.isEmpty()) {
            return List.of();
        }
        if (depth >= ViewLineage.MAX_VIEW_DEPTH) {
            throw new LineageException("views nest deeper than " + ViewLineage.MAX_VIEW_DEPTH + " levels");
        }
        List<Classified> found = new ArrayList<>();
        ViewLineage.Derivation derivation = views.sources(view.get(), origin.column());
        for (Lineage.Source source : derivation.sources()) {
            for (Classified classified : classified(source, caller, views, dialect, depth + 1)) {
                found.add(
                        derivation.bare() ? classified : new Classified(classified.source(), classified.rule(), true));
            }
        }
        return found;
    }

    private record Snapshot(long version, CalciteSchema root, ViewLineage views) {}

    private record Edit(int start, int end, String statementText) {}

    /** One rewrite of one statement. */
    private static final class Rewrite {
        private final String statement;
        private final String calciteText;
        private final Caller caller;
        private final Lineage lineage;
        private final ViewLineage views;
        private final SqlValidator validator;
        private final Spans spans;
        private final List<Edit> edits = new ArrayList<>();
        private final Map<SqlIdentifier, Map<Integer, Mask>> starMasks = new IdentityHashMap<>();
        private final Map<SqlIdentifier, SqlSelect> starSelects = new IdentityHashMap<>();
        private final Set<String> masked = new TreeSet<>();
        private final List<String> complexSpans = new ArrayList<>();
        /** Outputs of each branch whose protected value a view computes: masked as NULL, like any computed value. */
        private final Map<SqlNode, Set<Integer>> computed = new IdentityHashMap<>();

        private final Dialect dialect;
        private final boolean backslashEscapes;

        Rewrite(
                String statement,
                String calciteText,
                Caller caller,
                Lineage lineage,
                ViewLineage views,
                SqlValidator validator,
                Dialect dialect,
                boolean backslashEscapes) {
            this.statement = statement;
            this.calciteText = calciteText;
            this.caller = caller;
            this.lineage = lineage;
            this.views = views;
            this.validator = validator;
            this.spans = new Spans(calciteText);
            this.dialect = dialect;
            this.backslashEscapes = backslashEscapes;
        }

        MaskOutcome run(SqlNode query) {
            List<SqlNode> leaves = lineage.leaves(query);
            int columns = validator.getValidatedNodeType(query).getFieldCount();
            // Each branch of a set operation is masked by its own sources: a branch with none is left alone, one with
            // some gets the mask of its highest-level one. That shows no more than the branches run one by one, which
            // the caller may do: every row of UNION, INTERSECT or EXCEPT is a row of one branch, and the set operation
            // compares and removes duplicates of values already masked in their branch, never of the protected values
            // themselves. Each mask keeps its branch's type (a text mask is cast back to the column's declared type, a
            // computed value becomes NULL of its own type), so the branches still agree as the server resolved them.
            for (int index = 0; index < columns; index++) {
                for (int leaf = 0; leaf < leaves.size(); leaf++) {
                    Mask mask = maskFor(leaves.get(leaf), index);
                    if (mask != null) {
                        maskLeaf(leaves.get(leaf), index, mask, leaf == 0);
                    }
                }
            }
            starMasks.forEach(this::expandStar);
            neutraliseInnerComputations(query, leaves);
            if (edits.isEmpty()) {
                return new MaskOutcome.Unchanged();
            }
            checkExpressions();
            String sql = apply(statement);
            return new MaskOutcome.Rewritten(sql, List.copyOf(masked));
        }

        /**
         * Replaces every output of an inner query (a derived table, a CTE, a subquery) that computes on a protected
         * column by a NULL of its type, its label kept. The database would evaluate such an expression even though
         * its value never reaches the caller masked, and its errors and effects would escape the masks:
         * {@code SELECT count(*) FROM (SELECT nextval(mobile) FROM customer OFFSET 0) t} makes the server report
         * {@code relation "13800000000" does not exist}. Its value could not be read anyway: an outer output derived
         * from it is masked as computed, and a predicate or ordering on it is refused. Outputs inside an expression
         * the result masks already are left alone, since that whole expression is never evaluated.
         */
        private void neutraliseInnerComputations(SqlNode query, List<SqlNode> leaves) {
            Set<SqlNode> topLevel = Collections.newSetFromMap(new IdentityHashMap<>());
            topLevel.addAll(leaves);
            List<SqlSelect> inner = new ArrayList<>();
            collectSelects(query, topLevel, inner);
            for (SqlSelect select : inner) {
                List<Lineage.Output> outputs = lineage.outputs(select);
                for (int index = 0; index < outputs.size(); index++) {
                    if (!(outputs.get(index) instanceof Lineage.ExpressionOutput expression)
                            || expression.expression() instanceof SqlIdentifier) {
                        continue;
                    }
                    Mask mask = innerMask(expression);
                    if (mask == null) {
                        continue;
                    }
                    Spans.Span span = spans.ofExpression(expression.expression());
                    if (insideEdit(span)) {
                        continue;
                    }
                    String label = expression.alias() == null ? lineage.label(expression) : null;
                    wrap(span, mask, textual(lineage.type(select, index)), null, label);
                }
            }
        }

        /** The mask of the highest-level protected source of an inner output; null if none. */
        private Mask innerMask(Lineage.ExpressionOutput output) {
            ColumnRule chosen = null;
            for (Lineage.Source origin : lineage.origins(output)) {
                for (Classified classified : classified(origin, caller, views, dialect, 0)) {
                    ColumnRule rule = classified.rule();
                    if (isProtected(rule, caller)) {
                        masked.add(classified.source().toString());
                        if (chosen == null || rule.level() > chosen.level()) {
                            chosen = rule;
                        }
                    }
                }
            }
            return chosen == null ? null : chosen.mask();
        }

        /** Whether the span lies inside one already edited; a span that overlaps one only in part is a misreading. */
        private boolean insideEdit(Spans.Span span) {
            for (Edit edit : edits) {
                if (span.start() >= edit.start() && span.end() <= edit.end()) {
                    return true;
                }
                if (span.start() < edit.end() && edit.start() < span.end()) {
                    throw new LineageException("overlapping rewrites");
                }
            }
            return false;
        }

        /** The SELECTs of a query other than those whose outputs are its result, outermost first. */
        private static void collectSelects(SqlNode node, Set<SqlNode> topLevel, List<SqlSelect> found) {
            if (node == null) {
                return;
            }
            if (node instanceof SqlSelect select
                    && !topLevel.contains(select)
                    && select.getParserPosition().getLineNum() > 0) {
                found.add(select);
            }
            if (node instanceof SqlNodeList list) {
                for (SqlNode element : list) {
                    collectSelects(element, topLevel, found);
                }
            } else if (node instanceof SqlCall call) {
                for (SqlNode operand : call.getOperandList()) {
                    collectSelects(operand, topLevel, found);
                }
            }
        }

        /** The mask of the highest-level protected source of one branch's output; null if none. */
        private Mask maskFor(SqlNode leaf, int index) {
            ColumnRule chosen = null;
            List<String> sources = new ArrayList<>();
            for (Lineage.Source origin : lineage.origins(leaf, index)) {
                for (Classified classified : classified(origin, caller, views, dialect, 0)) {
                    ColumnRule rule = classified.rule();
                    if (!isProtected(rule, caller)) {
                        continue;
                    }
                    sources.add(classified.source().toString());
                    if (classified.computed()) {
                        computed.computeIfAbsent(leaf, key -> new HashSet<>()).add(index);
                    }
                    if (chosen == null || rule.level() > chosen.level()) {
                        chosen = rule;
                    }
                }
            }
            if (chosen == null) {
                return null;
            }
            masked.addAll(sources);
            return chosen.mask();
        }

        private void maskLeaf(SqlNode leaf, int index, Mask mask, boolean labelled) {
            if (leaf.getKind() == SqlKind.VALUES) {
                for (SqlNode row : ((SqlCall) leaf).getOperandList()) {
                    SqlNode value = ((SqlCall) row).operand(index);
                    wrap(spans.ofNode(value), mask, textual(lineage.type(leaf, index)), null, null);
                }
                return;
            }
            Lineage.Output output = lineage.outputs((SqlSelect) leaf).get(index);
            if (output instanceof Lineage.StarOutput star) {
                starSelects.put(star.star(), (SqlSelect) leaf);
                starMasks
                        .computeIfAbsent(star.star(), s -> new LinkedHashMap<>())
                        .put(index, mask);
                return;
            }
            Lineage.ExpressionOutput expression = (Lineage.ExpressionOutput) output;
            CatalogColumn column = lineage.bareColumn(output);
            boolean textual = column != null ? column.textual() : textual(lineage.type(leaf, index));
            String label = labelled && expression.alias() == null ? lineage.label(output) : null;
            Spans.Span span = spans.ofExpression(expression.expression());
            wrap(span, mask, textual, column == null || computed(leaf, index) ? null : column.type(), label);
        }

        private boolean computed(SqlNode leaf, int index) {
            return computed.getOrDefault(leaf, Set.of()).contains(index);
        }

        /** Wraps a span in a mask; a value of VALUES is never widened over parentheses, which are its row's. */
        private void wrap(Spans.Span span, Mask mask, boolean textual, String declaredType, String label) {
            String prepared = calciteText.substring(span.start(), span.end());
            if (!COLUMN_REFERENCE.matcher(prepared).matches()) {
                complexSpans.add(prepared);
            }
            String suffix = label == null ? "" : " AS " + label(label);
            String original = statement.substring(span.start(), span.end());
            edits.add(new Edit(span.start(), span.end(), render(mask, original, textual, declaredType) + suffix));
        }

        private String render(Mask mask, String expression, boolean textual, String declaredType) {
            return dialect == Dialect.MYSQL
                    ? MySqlMaskSql.render(mask, expression, textual, declaredType, backslashEscapes)
                    : MaskSql.render(mask, expression, textual, declaredType);
        }

        private String label(String name) {
            return dialect == Dialect.MYSQL ? backQuote(name) : quoteLabel(name);
        }

        private String identifier(String name) {
            return dialect == Dialect.MYSQL ? backQuote(name) : quoteIdentifier(name);
        }

        /** Replaces a star by its columns in order, the masked ones wrapped and labelled with their names. */
        private void expandStar(SqlIdentifier star, Map<Integer, Mask> masks) {
            SqlSelect select = starSelects.get(star);
            List<Lineage.Output> outputs = lineage.outputs(select);
            List<String> columns = new ArrayList<>();
            for (int index = 0; index < outputs.size(); index++) {
                if (!(outputs.get(index) instanceof Lineage.StarOutput column) || column.star() != star) {
                    continue;
                }
                String name = lineage.label(column);
                String reference =
                        (column.qualifier() == null ? "" : identifier(column.qualifier()) + ".") + identifier(name);
                Mask mask = masks.get(index);
                if (mask == null) {
                    columns.add(reference);
                    continue;
                }
                CatalogColumn declared = lineage.bareColumn(column);
                boolean textual = declared != null ? declared.textual() : textual(lineage.type(select, index));
                String declaredType = declared == null || computed(select, index) ? null : declared.type();
                columns.add(render(mask, reference, textual, declaredType) + " AS " + label(name));
            }
            Spans.Span span = spans.ofNode(star);
            String text = String.join(", ", columns);
            edits.add(new Edit(span.start(), span.end(), text));
        }

        private static boolean textual(RelDataType type) {
            return type != null && SqlTypeUtil.inCharFamily(type);
        }

        private String apply(String text) {
            edits.sort(Comparator.comparingInt(Edit::start));
            StringBuilder out = new StringBuilder(text.length() + 256);
            int position = 0;
            for (Edit edit : edits) {
                if (edit.start() < position) {
                    throw new LineageException("overlapping rewrites");
                }
                out.append(text, position, edit.start()).append(edit.statementText());
                position = edit.end();
            }
            return out.append(text, position, text.length()).toString();
        }

        /**
         * Parses the wrapped spans that are more than a column reference, all in one statement: a span that is not
         * exactly one expression means the positions were misread, and the rewrite must not go out.
         */
        private void checkExpressions() {
            if (complexSpans.isEmpty()) {
                return;
            }
            StringBuilder check = new StringBuilder("SELECT ");
            for (int i = 0; i < complexSpans.size(); i++) {
                check.append(i == 0 ? "" : ", ")
                        .append('(')
                        .append(complexSpans.get(i))
                        .append(')');
            }
            try {
                SqlNode parsed = SqlParser.create(check.toString(), CalciteSetup.parser(dialect))
                        .parseQuery();
                if (parsed instanceof SqlSelect select
                        && select.getSelectList().size() == complexSpans.size()
                        && select.getSelectList().stream().noneMatch(item -> item.getKind() == SqlKind.ROW)) {
                    return;
                }
            } catch (SqlParseException e) {
                // reported below
            }
            throw new LineageException("could not delimit an output expression");
        }
    }
}
