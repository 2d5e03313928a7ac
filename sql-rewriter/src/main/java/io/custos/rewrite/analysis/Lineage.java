package io.custos.rewrite.analysis;

import io.custos.rewrite.Catalog;
import io.custos.rewrite.CatalogColumn;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.apache.calcite.sql.JoinConditionType;
import org.apache.calcite.sql.SqlBasicTypeNameSpec;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlDataTypeSpec;
import org.apache.calcite.sql.SqlDynamicParam;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlIntervalQualifier;
import org.apache.calcite.sql.SqlJoin;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlOrderBy;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.SqlSyntax;
import org.apache.calcite.sql.SqlWindow;
import org.apache.calcite.sql.SqlWith;
import org.apache.calcite.sql.SqlWithItem;
import org.apache.calcite.sql.fun.SqlTrimFunction;
import org.apache.calcite.sql.type.SqlTypeFamily;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.sql.validate.SqlQualified;
import org.apache.calcite.sql.validate.SqlValidator;
import org.apache.calcite.sql.validate.SqlValidatorImpl;
import org.apache.calcite.sql.validate.SqlValidatorNamespace;
import org.apache.calcite.sql.validate.SqlValidatorScope;
import org.apache.calcite.sql.validate.SqlValidatorTable;

/**
 * Lineage and output names over a validated tree. Each output of a query is traced to the table columns it derives
 * from by walking its expression; identifiers are resolved through the validator's scopes, and a column of a derived
 * table, a CTE or a set operation is traced into the query that defines it, by position. Output names follow
 * PostgreSQL's rules (FigureColname), or MySQL's (an expression is named by its text as written), since those are what
 * the client sees, not Calcite's {@code EXPR$n}.
 *
 * <p>Anything the walk does not understand throws {@link LineageException}: an output of unknown origin must fail
 * closed rather than pass unmasked.
 */
final class Lineage {
    private static final String NO_NAME = "?column?";
    /** MySQL cuts the name it makes from an expression's text to this many characters, the longest alias. */
    static final int MYSQL_MAX_NAME_CHARS = 256;

    private final SqlValidator validator;
    private final Catalog catalog;
    /** For MySQL: the client's text and its spans, which unaliased expressions are named after; else null. */
    private final String statement;

    private final Spans spans;
    private final Map<SqlSelect, List<Output>> outputs = new IdentityHashMap<>();

    /** PostgreSQL names and matching. */
    Lineage(SqlValidator validator, Catalog catalog) {
        this.validator = validator;
        this.catalog = catalog;
        this.statement = null;
        this.spans = null;
    }

    /** MySQL names and matching, for {@code statement} and its text prepared for Calcite. */
    Lineage(SqlValidator validator, Catalog catalog, String statement, String calciteText) {
        this.validator = validator;
        this.catalog = catalog;
        this.statement = statement;
        this.spans = new Spans(calciteText);
    }

    private boolean mysql() {
        return statement != null;
    }

    /** A table column an output derives from. */
    record Source(String schema, String table, String column) {
        @Override
        public String toString() {
            return schema + "." + table + "." + column;
        }
    }

    /** One output column of a SELECT: an expression of its select list, or one column of a star. */
    sealed interface Output {}

    record ExpressionOutput(SqlNode expression, SqlIdentifier alias, SqlValidatorScope scope) implements Output {}

    record StarOutput(SqlIdentifier star, String qualifier, SqlValidatorNamespace namespace, int index)
            implements Output {}

    private record FromItem(String name, SqlValidatorNamespace namespace) {}

    private record Named(String name, int strength) {}

    // ---- structure of queries

    static boolean isQuery(SqlNode node) {
        return switch (node.getKind()) {
            case SELECT, UNION, INTERSECT, EXCEPT, ORDER_BY, WITH, VALUES -> true;
            default -> false;
        };
    }

    /** The SELECTs and VALUES whose outputs make up the result of a query, first branch first. */
    List<SqlNode> leaves(SqlNode query) {
        List<SqlNode> leaves = new ArrayList<>();
        collectLeaves(query, leaves);
        return leaves;
    }

    private void collectLeaves(SqlNode query, List<SqlNode> leaves) {
        switch (query.getKind()) {
            case SELECT -> {
                SqlSelect select = (SqlSelect) query;
                if (isWrapper(select)) {
                    collectLeaves(select.getFrom(), leaves);
                } else {
                    leaves.add(select);
                }
            }
            case UNION, INTERSECT, EXCEPT -> {
                for (SqlNode operand : ((SqlCall) query).getOperandList()) {
                    collectLeaves(operand, leaves);
                }
            }
            case ORDER_BY -> collectLeaves(((SqlOrderBy) query).query, leaves);
            case WITH -> collectLeaves(((SqlWith) query).body, leaves);
            case VALUES -> leaves.add(query);
            default -> throw new LineageException("unsupported query form " + query.getKind());
        }
    }

    /** The validator wraps a set operation with ORDER BY in {@code SELECT * FROM (...)} that has no position. */
    private static boolean isWrapper(SqlSelect select) {
        return select.getParserPosition().getLineNum() == 0
                && select.getSelectList().size() == 1
                && select.getSelectList().get(0) instanceof SqlIdentifier id
                && id.isStar()
                && select.getFrom() != null
                && isQuery(select.getFrom());
    }

    List<Output> outputs(SqlSelect select) {
        List<Output> cached = outputs.get(select);
        if (cached != null) {
            return cached;
        }
        List<Output> list = new ArrayList<>();
        SqlValidatorScope scope = validator.getSelectScope(select);
        for (SqlNode item : select.getSelectList()) {
            if (item instanceof SqlIdentifier id && id.isStar()) {
                expandStar(select, id, list);
            } else if (item.getKind() == SqlKind.AS && !isImplicit(item)) {
                SqlCall as = (SqlCall) item;
                list.add(
                        new ExpressionOutput(withoutImplicitCast(as.operand(0)), (SqlIdentifier) as.operand(1), scope));
            } else {
                list.add(new ExpressionOutput(withoutImplicitCast(item), null, scope));
            }
        }
        int expected = validator.getValidatedNodeType(select).getFieldCount();
        if (list.size() != expected) {
            throw new LineageException(
                    "could not expand the select list: " + list.size() + " of " + expected + " columns");
        }
        outputs.put(select, list);
        return list;
    }

    /**
     * Type coercion rewrites a branch of a set operation in place, as {@code CAST(x AS t) AS x}; the alias it adds has
     * the position of the expression or none, the type no position.
     */
    private static boolean isImplicit(SqlNode item) {
        SqlNode alias = ((SqlCall) item).operand(1);
        SqlNode expression = ((SqlCall) item).operand(0);
        return alias.getParserPosition().getLineNum() == 0
                || alias.getParserPosition().equals(expression.getParserPosition());
    }

    static SqlNode withoutImplicitCast(SqlNode node) {
        SqlNode current = node.getKind() == SqlKind.AS && isImplicit(node) ? ((SqlCall) node).operand(0) : node;
        while (current.getKind() == SqlKind.CAST
                && ((SqlCall) current).operand(1).getParserPosition().getLineNum() == 0) {
            current = ((SqlCall) current).operand(0);
        }
        return current;
    }

    private void expandStar(SqlSelect select, SqlIdentifier star, List<Output> list) {
        List<FromItem> items = new ArrayList<>();
        if (collectFromItems(select.getFrom(), items) && star.names.size() == 1) {
            throw new LineageException("* over a join with USING or NATURAL");
        }
        String qualifier = star.names.size() > 1 ? star.names.get(star.names.size() - 2) : null;
        boolean found = false;
        for (FromItem item : items) {
            if (qualifier != null && !sameName(qualifier, item.name())) {
                continue;
            }
            found = true;
            String name = item.name() != null && item.name().startsWith("EXPR$") ? null : item.name();
            if (name == null && items.size() > 1) {
                throw new LineageException("* over a subquery without alias");
            }
            int count = item.namespace().getRowType().getFieldCount();
            for (int i = 0; i < count; i++) {
                list.add(new StarOutput(star, name, item.namespace(), i));
            }
        }
        if (!found) {
            throw new LineageException("cannot expand " + star);
        }
    }

    private boolean sameName(String a, String b) {
        return mysql() ? a.equalsIgnoreCase(b) : a.equals(b);
    }

    /** Collects the FROM items left to right; says whether a join merges columns (USING or NATURAL). */
    private boolean collectFromItems(SqlNode from, List<FromItem> items) {
        if (from == null) {
            return false;
        }
        if (from instanceof SqlJoin join) {
            boolean merged = join.isNatural() || join.getConditionType() == JoinConditionType.USING;
            merged |= collectFromItems(join.getLeft(), items);
            merged |= collectFromItems(join.getRight(), items);
            return merged;
        }
        SqlValidatorNamespace namespace = validator.getNamespace(from);
        if (namespace == null) {
            throw new LineageException("cannot resolve a FROM item");
        }
        String name = null;
        if (from.getKind() == SqlKind.AS) {
            name = ((SqlIdentifier) ((SqlCall) from).operand(1)).getSimple();
        } else if (from instanceof SqlIdentifier id) {
            name = id.names.get(id.names.size() - 1);
        }
        items.add(new FromItem(name, namespace));
        return false;
    }

    // ---- origins

    Set<Source> origins(SqlNode query, int index) {
        switch (query.getKind()) {
            case SELECT -> {
                SqlSelect select = (SqlSelect) query;
                if (isWrapper(select)) {
                    return origins(select.getFrom(), index);
                }
                return origins(outputs(select).get(index));
            }
            case UNION, INTERSECT, EXCEPT -> {
                Set<Source> sources = new LinkedHashSet<>();
                for (SqlNode operand : ((SqlCall) query).getOperandList()) {
                    sources.addAll(origins(operand, index));
                }
                return sources;
            }
            case ORDER_BY -> {
                return origins(((SqlOrderBy) query).query, index);
            }
            case WITH -> {
                return origins(((SqlWith) query).body, index);
            }
            case VALUES -> {
                Set<Source> sources = new LinkedHashSet<>();
                for (SqlNode row : ((SqlCall) query).getOperandList()) {
                    sources.addAll(expressionOrigins(((SqlCall) row).operand(index), null));
                }
                return sources;
            }
            default -> throw new LineageException("unsupported query form " + query.getKind());
        }
    }

    Set<Source> origins(Output output) {
        if (output instanceof ExpressionOutput expression) {
            return expressionOrigins(expression.expression(), expression.scope());
        }
        StarOutput star = (StarOutput) output;
        return namespaceOrigins(star.namespace(), star.index());
    }

    /** The table columns an expression derives from, resolved in {@code scope}. */
    Set<Source> expressionOrigins(SqlNode node, SqlValidatorScope scope) {
        Set<Source> sources = new LinkedHashSet<>();
        collectOrigins(node, scope, sources);
        return sources;
    }

    private void collectOrigins(SqlNode node, SqlValidatorScope scope, Set<Source> sources) {
        if (node == null
                || node instanceof SqlLiteral
                || node instanceof SqlDynamicParam
                || node instanceof SqlDataTypeSpec
                || node instanceof SqlIntervalQualifier
                || node instanceof SqlWindow) {
            return;
        }
        if (node instanceof SqlIdentifier id) {
            sources.addAll(identifierOrigins(id, scope));
            return;
        }
        if (node instanceof SqlNodeList list) {
            for (SqlNode element : list) {
                collectOrigins(element, scope, sources);
            }
            return;
        }
        if (isQuery(node)) {
            int count = validator.getValidatedNodeType(node).getFieldCount();
            for (int i = 0; i < count; i++) {
                sources.addAll(origins(node, i));
            }
            return;
        }
        if (node.getKind() == SqlKind.EXISTS) {
            // Whether a row exists depends on the subquery's predicates, not on the values of its outputs.
            return;
        }
        if (node instanceof SqlCall call) {
            boolean count = call.getKind() == SqlKind.COUNT;
            for (SqlNode operand : call.getOperandList()) {
                if (count && operand instanceof SqlIdentifier) {
                    // COUNT of a column, DISTINCT or not, says how many values there are, not what they are; an
                    // expression inside COUNT is traced, since it may test the values.
                    continue;
                }
                collectOrigins(operand, scope, sources);
            }
            return;
        }
        throw new LineageException("cannot trace " + node.getKind());
    }

    private Set<Source> identifierOrigins(SqlIdentifier id, SqlValidatorScope scope) {
        if (scope == null) {
            throw new LineageException("cannot resolve " + id);
        }
        if (id.isStar()) {
            throw new LineageException("cannot trace " + id + " in an expression");
        }
        SqlQualified qualified = qualify(id, scope);
        if (qualified == null) {
            return Set.of();
        }
        if (qualified.suffix().isEmpty()) {
            Set<Source> sources = new LinkedHashSet<>();
            int count = qualified.namespace.getRowType().getFieldCount();
            for (int i = 0; i < count; i++) {
                sources.addAll(namespaceOrigins(qualified.namespace, i));
            }
            return sources;
        }
        return namespaceOrigins(qualified.namespace, fieldIndex(qualified));
    }

    /** Resolves a column reference; {@code null} for a function written without parentheses, like current_date. */
    private SqlQualified qualify(SqlIdentifier id, SqlValidatorScope scope) {
        if (id.names.size() == 1 && validator instanceof SqlValidatorImpl impl && impl.makeNullaryCall(id) != null) {
            return null;
        }
        SqlQualified qualified;
        try {
            qualified = scope.fullyQualify(id);
        } catch (RuntimeException e) {
            throw new LineageException("cannot resolve " + id);
        }
        if (qualified.namespace == null) {
            throw new LineageException("cannot resolve " + id);
        }
        // Calcite shortens schema.table.column to table.column but keeps the prefix length of the long form.
        int dropped = id.names.size() - qualified.identifier.names.size();
        if (dropped > 0 && qualified.prefixLength > dropped) {
            return SqlQualified.create(
                    scope, qualified.prefixLength - dropped, qualified.namespace, qualified.identifier);
        }
        return qualified;
    }

    private int fieldIndex(SqlQualified qualified) {
        String column = qualified.suffix().get(0);
        RelDataTypeField field = qualified.namespace.getRowType().getField(column, !mysql(), false);
        if (field == null) {
            throw new LineageException("cannot resolve " + qualified.identifier);
        }
        return field.getIndex();
    }

    private Set<Source> namespaceOrigins(SqlValidatorNamespace namespace, int index) {
        SqlValidatorTable table = namespace.getTable();
        if (table != null) {
            List<String> name = table.getQualifiedName();
            String column = namespace.getRowType().getFieldList().get(index).getName();
            return Set.of(new Source(name.get(name.size() - 2), name.get(name.size() - 1), column));
        }
        SqlValidatorNamespace renamed = renamedTable(namespace);
        return renamed != null ? namespaceOrigins(renamed, index) : origins(definition(namespace), index);
    }

    /** The query that defines a derived table, CTE reference or aliased FROM item. */
    private SqlNode definition(SqlValidatorNamespace namespace) {
        SqlNode node = namespace.resolve().getNode();
        if (node instanceof SqlWithItem withItem) {
            return withItem.query;
        }
        if (node != null && node.getKind() == SqlKind.AS && isQuery(((SqlCall) node).operand(0))) {
            return ((SqlCall) node).operand(0);
        }
        if (node != null && isQuery(node)) {
            return node;
        }
        throw new LineageException("cannot trace the columns of a FROM item");
    }

    /** For a table renamed with a column list, {@code t AS x (a, b)}, the table's own namespace; else null. */
    private SqlValidatorNamespace renamedTable(SqlValidatorNamespace namespace) {
        SqlNode node = namespace.resolve().getNode();
        if (node == null || node.getKind() != SqlKind.AS || isQuery(((SqlCall) node).operand(0))) {
            return null;
        }
        SqlValidatorNamespace inner = validator.getNamespace(((SqlCall) node).operand(0));
        return inner == null || inner == namespace ? null : inner;
    }

    // ---- uses in comparisons

    /**
     * How an operand of a comparison uses table columns: {@code compared} holds the columns it is, as they are (a
     * column reference, through derived tables, CTEs and set operations, or a subquery whose output is one);
     * {@code computed} those it derives from through any computation.
     */
    record Uses(Set<Source> compared, Set<Source> computed) {
        static final Uses NONE = new Uses(Set.of(), Set.of());

        Uses merge(Uses other) {
            Set<Source> bare = new LinkedHashSet<>(compared);
            bare.addAll(other.compared);
            Set<Source> derived = new LinkedHashSet<>(computed);
            derived.addAll(other.computed);
            return new Uses(bare, derived);
        }
    }

    /** How {@code operand}, resolved in {@code scope}, uses table columns; casts the validator added are looked through. */
    Uses uses(SqlNode operand, SqlValidatorScope scope) {
        SqlNode node = withoutImplicitCast(operand);
        if (node.getKind() == SqlKind.SCALAR_QUERY) {
            node = ((SqlCall) node).operand(0);
        }
        if (node instanceof SqlIdentifier id && !id.isStar()) {
            if (scope == null) {
                throw new LineageException("cannot resolve " + id);
            }
            SqlQualified qualified = qualify(id, scope);
            if (qualified == null) {
                return Uses.NONE;
            }
            if (qualified.suffix().size() != 1) {
                return new Uses(Set.of(), identifierOrigins(id, scope));
            }
            return namespaceUses(qualified.namespace, fieldIndex(qualified));
        }
        if (isQuery(node)) {
            Uses uses = Uses.NONE;
            int count = validator.getValidatedNodeType(node).getFieldCount();
            for (int i = 0; i < count; i++) {
                uses = uses.merge(queryUses(node, i));
            }
            return uses;
        }
        return new Uses(Set.of(), expressionOrigins(node, scope));
    }

    private Uses namespaceUses(SqlValidatorNamespace namespace, int index) {
        if (namespace.getTable() != null) {
            return new Uses(namespaceOrigins(namespace, index), Set.of());
        }
        SqlValidatorNamespace renamed = renamedTable(namespace);
        return renamed != null ? namespaceUses(renamed, index) : queryUses(definition(namespace), index);
    }

    private Uses queryUses(SqlNode query, int index) {
        switch (query.getKind()) {
            case SELECT -> {
                SqlSelect select = (SqlSelect) query;
                if (isWrapper(select)) {
                    return queryUses(select.getFrom(), index);
                }
                Output output = outputs(select).get(index);
                if (output instanceof StarOutput star) {
                    return namespaceUses(star.namespace(), star.index());
                }
                ExpressionOutput expression = (ExpressionOutput) output;
                return uses(expression.expression(), expression.scope());
            }
            case UNION, INTERSECT, EXCEPT -> {
                Uses uses = Uses.NONE;
                for (SqlNode operand : ((SqlCall) query).getOperandList()) {
                    uses = uses.merge(queryUses(operand, index));
                }
                return uses;
            }
            case ORDER_BY -> {
                return queryUses(((SqlOrderBy) query).query, index);
            }
            case WITH -> {
                return queryUses(((SqlWith) query).body, index);
            }
            default -> {
                return new Uses(Set.of(), origins(query, index));
            }
        }
    }

    /**
     * How the columns named {@code column} of the FROM items in {@code side} of a join are used when the join
     * equates them with the other side's (USING, NATURAL).
     */
    Uses joinColumnUses(SqlNode side, String column) {
        List<FromItem> items = new ArrayList<>();
        collectFromItems(side, items);
        Uses uses = Uses.NONE;
        for (FromItem item : items) {
            RelDataTypeField field = item.namespace().getRowType().getField(column, !mysql(), false);
            if (field != null) {
                uses = uses.merge(namespaceUses(item.namespace(), field.getIndex()));
            }
        }
        return uses;
    }

    /** The column names of the FROM items in {@code side} of a join, as the database matches them. */
    Set<String> joinColumnNames(SqlNode side) {
        List<FromItem> items = new ArrayList<>();
        collectFromItems(side, items);
        Set<String> names = new LinkedHashSet<>();
        for (FromItem item : items) {
            for (RelDataTypeField field : item.namespace().getRowType().getFieldList()) {
                names.add(mysql() ? field.getName().toLowerCase(Locale.ROOT) : field.getName());
            }
        }
        return names;
    }

    // ---- declared columns

    /** The catalog column an output is a bare reference to, through derived tables and CTEs; else {@code null}. */
    CatalogColumn bareColumn(Output output) {
        if (output instanceof StarOutput star) {
            return namespaceColumn(star.namespace(), star.index());
        }
        ExpressionOutput expression = (ExpressionOutput) output;
        if (!(expression.expression() instanceof SqlIdentifier id) || id.isStar()) {
            return null;
        }
        SqlQualified qualified = qualify(id, expression.scope());
        if (qualified == null || qualified.suffix().size() != 1) {
            return null;
        }
        return namespaceColumn(qualified.namespace, fieldIndex(qualified));
    }

    private CatalogColumn namespaceColumn(SqlValidatorNamespace namespace, int index) {
        SqlValidatorTable table = namespace.getTable();
        if (table != null) {
            List<String> name = table.getQualifiedName();
            String column = namespace.getRowType().getFieldList().get(index).getName();
            return catalog.table(name.get(name.size() - 2), name.get(name.size() - 1))
                    .flatMap(t -> t.columns().stream()
                            .filter(c -> c.name().equals(column))
                            .findFirst())
                    .orElse(null);
        }
        SqlValidatorNamespace renamed = renamedTable(namespace);
        if (renamed != null) {
            return namespaceColumn(renamed, index);
        }
        SqlNode query = definition(namespace);
        while (query.getKind() == SqlKind.ORDER_BY || query.getKind() == SqlKind.WITH) {
            query = query instanceof SqlOrderBy orderBy ? orderBy.query : ((SqlWith) query).body;
        }
        if (query instanceof SqlSelect select && !isWrapper(select)) {
            return bareColumn(outputs(select).get(index));
        }
        return null;
    }

    /** The type Calcite derived for an output of a query. */
    RelDataType type(SqlNode query, int index) {
        return validator.getValidatedNodeType(query).getFieldList().get(index).getType();
    }

    // ---- names

    /** The name the database gives an output. */
    String label(Output output) {
        if (output instanceof ExpressionOutput expression) {
            if (expression.alias() != null) {
                return expression.alias().getSimple();
            }
            return mysql()
                    ? mySqlName(expression.expression())
                    : figure(expression.expression()).name();
        }
        StarOutput star = (StarOutput) output;
        return columnName(star.namespace(), star.index());
    }

    private String columnName(SqlValidatorNamespace namespace, int index) {
        if (namespace.getTable() != null) {
            return namespace.getRowType().getFieldList().get(index).getName();
        }
        SqlNode node = namespace.resolve().getNode();
        if (node instanceof SqlWithItem withItem && withItem.columnList != null) {
            return ((SqlIdentifier) withItem.columnList.get(index)).getSimple();
        }
        if (node != null && node.getKind() == SqlKind.AS && ((SqlCall) node).operandCount() > 2) {
            return ((SqlIdentifier) ((SqlCall) node).operand(2 + index)).getSimple();
        }
        return queryLabel(definition(namespace), index);
    }

    String queryLabel(SqlNode query, int index) {
        return switch (query.getKind()) {
            case SELECT -> {
                SqlSelect select = (SqlSelect) query;
                yield isWrapper(select)
                        ? queryLabel(select.getFrom(), index)
                        : label(outputs(select).get(index));
            }
            case UNION, INTERSECT, EXCEPT -> queryLabel(((SqlCall) query).operand(0), index);
            case ORDER_BY -> queryLabel(((SqlOrderBy) query).query, index);
            case WITH -> queryLabel(((SqlWith) query).body, index);
            case VALUES -> mysql() ? "column_" + index : "column" + (index + 1);
            default -> throw new LineageException("unsupported query form " + query.getKind());
        };
    }

    /**
     * MySQL's name for an unaliased select item: a column reference is named by the column as written, a string
     * literal by its value, anything else by its text as the client wrote it, parentheses around it included, cut to
     * {@value #MYSQL_MAX_NAME_CHARS} characters.
     */
    private String mySqlName(SqlNode expression) {
        if (expression instanceof SqlIdentifier id && !id.isStar()) {
            return id.names.get(id.names.size() - 1);
        }
        Spans.Span span = spans.ofExpression(expression);
        String text = statement.substring(span.start(), span.end());
        if (expression instanceof SqlLiteral literal && literal.getTypeName().getFamily() == SqlTypeFamily.CHARACTER) {
            text = stringValue(text);
        }
        return text.length() > MYSQL_MAX_NAME_CHARS ? text.substring(0, MYSQL_MAX_NAME_CHARS) : text;
    }

    /** The value of a plain {@code '…'} literal; anything harder to read is not guessed at. */
    private static String stringValue(String text) {
        boolean plain = text.length() >= 2
                && text.charAt(0) == '\''
                && text.charAt(text.length() - 1) == '\''
                && text.indexOf('\\') < 0;
        if (!plain) {
            throw new LineageException("cannot name a string literal output");
        }
        return text.substring(1, text.length() - 1).replace("''", "'");
    }

    /** PostgreSQL's FigureColname: a name and how strongly it holds (2 names, 1 a fallback, 0 none). */
    private Named figure(SqlNode node) {
        if (node instanceof SqlIdentifier id) {
            return new Named(id.names.get(id.names.size() - 1), 2);
        }
        if (isQuery(node)) {
            return new Named(queryLabel(node, 0), 2);
        }
        if (!(node instanceof SqlCall call)) {
            return new Named(NO_NAME, 0);
        }
        return switch (call.getKind()) {
            case CAST -> {
                Named operand = figure(call.operand(0));
                yield operand.strength() > 1 ? operand : new Named(typeName(call.operand(1)), 1);
            }
            case CASE -> new Named("case", 1);
            case EXISTS -> new Named("exists", 2);
            case ARRAY_QUERY_CONSTRUCTOR -> new Named("array", 2);
            case ARRAY_VALUE_CONSTRUCTOR -> new Named("array", 1);
            case ROW -> new Named("row", 1);
            case OVER, FILTER, WITHIN_GROUP, AS, SCALAR_QUERY -> figure(call.operand(0));
            case TRIM -> new Named(trimName(call), 2);
            default -> functionName(call);
        };
    }

    private static Named functionName(SqlCall call) {
        SqlSyntax syntax = call.getOperator().getSyntax();
        if (syntax != SqlSyntax.FUNCTION
                && syntax != SqlSyntax.FUNCTION_ID
                && syntax != SqlSyntax.FUNCTION_STAR
                && syntax != SqlSyntax.ORDERED_FUNCTION
                && call.getKind() != SqlKind.EXTRACT
                && call.getKind() != SqlKind.POSITION) {
            return new Named(NO_NAME, 0);
        }
        String name = call.getOperator().getName();
        if (call.getOperator().getNameAsId().isSimple() && name.equals(name.toUpperCase(Locale.ROOT))) {
            name = name.toLowerCase(Locale.ROOT);
        }
        return new Named(name, 2);
    }

    private static String trimName(SqlCall call) {
        if (call.operand(0) instanceof SqlLiteral flag && flag.getValue() instanceof SqlTrimFunction.Flag value) {
            return switch (value) {
                case LEADING -> "ltrim";
                case TRAILING -> "rtrim";
                case BOTH -> "btrim";
            };
        }
        return "btrim";
    }

    /** The name PostgreSQL uses for a cast's type when the operand gives no name ({@code 'x'::integer} → int4). */
    private static String typeName(SqlNode node) {
        if (!(node instanceof SqlDataTypeSpec spec)) {
            return NO_NAME;
        }
        SqlIdentifier name = spec.getTypeName();
        String last = name.names.get(name.names.size() - 1);
        SqlTypeName basic = SqlTypeName.get(last.toUpperCase(Locale.ROOT));
        if (spec.getTypeNameSpec() instanceof SqlBasicTypeNameSpec && basic != null) {
            return switch (basic) {
                case VARCHAR -> "varchar";
                case CHAR -> "bpchar";
                case INTEGER -> "int4";
                case BIGINT -> "int8";
                case SMALLINT -> "int2";
                case DECIMAL -> "numeric";
                case BOOLEAN -> "bool";
                case REAL -> "float4";
                case DOUBLE, FLOAT -> "float8";
                case TIMESTAMP_WITH_LOCAL_TIME_ZONE, TIMESTAMP_TZ -> "timestamptz";
                default -> basic.getName().toLowerCase(Locale.ROOT);
            };
        }
        return last.toLowerCase(Locale.ROOT);
    }
}
