package io.custos.rewrite.analysis;

import io.custos.policy.ColumnRule;
import io.custos.policy.Filter;
import io.custos.rewrite.Caller;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.apache.calcite.sql.JoinConditionType;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlJoin;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlNumericLiteral;
import org.apache.calcite.sql.SqlOrderBy;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.SqlUnresolvedFunction;
import org.apache.calcite.sql.SqlWindow;
import org.apache.calcite.sql.SqlWith;
import org.apache.calcite.sql.SqlWithItem;
import org.apache.calcite.sql.fun.SqlQuantifyOperator;
import org.apache.calcite.sql.validate.SqlQualified;
import org.apache.calcite.sql.validate.SqlValidator;
import org.apache.calcite.sql.validate.SqlValidatorScope;

/**
 * Where a query may use columns above the caller's clearance other than as outputs, which the masks cover. A predicate
 * or an ordering computes on the real value inside the database, so each question it asks reveals part of the value:
 * {@code WHERE mobile LIKE '138%'}, {@code ORDER BY mobile LIMIT 1}.
 *
 * <p>Every SELECT of the statement is visited, at any depth (derived tables, CTEs, set operation branches, subqueries
 * in any clause), with its clauses in two kinds:
 *
 * <ul>
 *   <li><b>Predicates</b> (WHERE, JOIN ON, USING, NATURAL JOIN, HAVING, QUALIFY, an aggregate's FILTER): each
 *       comparison is taken apart down to its atoms. A column is <i>compared</i> when an operand of {@code =},
 *       {@code <>}, {@code IS [NOT] DISTINCT FROM}, {@code [NOT] IN}, {@code = ANY}, {@code <> ALL} or
 *       {@code IS [NOT] NULL} is the column itself (through aliases, derived tables, CTEs, set operations, or a
 *       subquery whose output is the column); in any other position (a function, cast, operator, LIKE, range, CASE,
 *       an aggregate) it is <i>computed</i>. A column's filter decides: {@code deny} permits neither, {@code equality}
 *       permits compared uses, {@code allow} both. The negations and {@code IS [NOT] NULL} count as compared: they
 *       reveal no more than the equality test, and presence is what every text mask shows anyway.
 *   <li><b>Result shaping</b> (GROUP BY with ROLLUP, CUBE and grouping sets, ORDER BY and PostgreSQL's DISTINCT ON
 *       also by output name or ordinal,
 *       window PARTITION BY and ORDER BY, an aggregate's ORDER BY or WITHIN GROUP): any use of a protected column is
 *       refused unless its filter is {@code allow}, since the order or grouping of rows is computed on the values.
 * </ul>
 *
 * <p>What the walk cannot follow throws {@link LineageException}, so that the statement fails closed. The first
 * forbidden use found is reported, naming the column, its level, the clause and the role.
 */
final class PredicateCheck {
    static final String PREDICATE = "predicate";
    static final String RESULT_SHAPING = "result-shaping";

    private final SqlValidator validator;
    private final Lineage lineage;
    private final Caller caller;
    private final Dialect dialect;
    private final ViewLineage views;
    private final Function<SqlSelect, List<SqlNode>> distinctOn;
    private final Set<SqlNode> visited = Collections.newSetFromMap(new IdentityHashMap<>());

    /** {@code views}: the columns of views, traced into their definitions, so a view column has its sources' rules. */
    PredicateCheck(SqlValidator validator, Lineage lineage, Caller caller, Dialect dialect, ViewLineage views) {
        this(validator, lineage, caller, dialect, views, select -> List.of());
    }

    /** {@code distinctOn}: the PostgreSQL DISTINCT ON list of each SELECT, checked as ORDER BY items are. */
    PredicateCheck(
            SqlValidator validator,
            Lineage lineage,
            Caller caller,
            Dialect dialect,
            ViewLineage views,
            Function<SqlSelect, List<SqlNode>> distinctOn) {
        this.validator = validator;
        this.lineage = lineage;
        this.caller = caller;
        this.dialect = dialect;
        this.views = views;
        this.distinctOn = distinctOn;
    }

    /** The forbidden use, with the rule that refuses it and the message for the client. */
    record Refusal(String rule, String reason) {}

    private static final class RefusalException extends RuntimeException {
        private final Refusal refusal;

        RefusalException(Refusal refusal) {
            super(refusal.reason(), null, false, false);
            this.refusal = refusal;
        }
    }

    private enum Use {
        COMPARED,
        COMPUTED,
        SHAPED
    }

    /** Checks a validated query; null if every use is permitted. */
    Refusal check(SqlNode query) {
        try {
            query(query);
            return null;
        } catch (RefusalException e) {
            return e.refusal;
        }
    }

    /**
     * Checks the validator's source query of an UPDATE or DELETE ({@code SELECT *, values… FROM target WHERE …}): its
     * WHERE as any predicate, and the values assigned, which must not derive from a protected column at all.
     */
    Refusal checkWrite(SqlSelect source) {
        try {
            SqlValidatorScope scope = validator.getSelectScope(source);
            for (SqlNode item : source.getSelectList()) {
                SqlNode value = item.getKind() == SqlKind.AS ? ((SqlCall) item).operand(0) : item;
                if (value instanceof SqlIdentifier id && id.isStar()) {
                    continue;
                }
                for (Lineage.Source origin : lineage.expressionOrigins(value, scope)) {
                    ColumnRule rule = protectedRule(origin);
                    if (rule != null) {
                        return new Refusal(
                                "laundering",
                                "custos: statement may copy or test classified data above the caller's clearance ("
                                        + rule.table() + "." + rule.column() + ")");
                    }
                }
            }
            select(source);
            return null;
        } catch (RefusalException e) {
            return e.refusal;
        }
    }

    // ---- queries

    private void query(SqlNode node) {
        if (!visited.add(node)) {
            return;
        }
        switch (node.getKind()) {
            case SELECT -> select((SqlSelect) node);
            case UNION, INTERSECT, EXCEPT -> {
                for (SqlNode operand : ((SqlCall) node).getOperandList()) {
                    query(operand);
                }
            }
            case ORDER_BY -> orderBy((SqlOrderBy) node);
            case WITH -> {
                SqlWith with = (SqlWith) node;
                for (SqlNode item : with.withList) {
                    query(((SqlWithItem) item).query);
                }
                query(with.body);
            }
            case VALUES -> {
                for (SqlNode row : ((SqlCall) node).getOperandList()) {
                    visit(row, null);
                }
            }
            default -> throw new LineageException("cannot check a query of kind " + node.getKind());
        }
    }

    private void select(SqlSelect select) {
        from(select.getFrom());
        SqlValidatorScope selectScope = validator.getSelectScope(select);
        for (SqlNode item : select.getSelectList()) {
            visit(item, selectScope);
        }
        if (select.getWhere() != null) {
            predicate(select.getWhere(), validator.getWhereScope(select), "WHERE");
        }
        if (select.getGroup() != null) {
            SqlValidatorScope groupScope = validator.getGroupScope(select);
            for (SqlNode item : select.getGroup()) {
                shaping(item, groupScope, "GROUP BY");
            }
        }
        if (select.getHaving() != null) {
            predicate(select.getHaving(), validator.getHavingScope(select), "HAVING");
        }
        if (select.getQualify() != null) {
            predicate(select.getQualify(), selectScope, "QUALIFY");
        }
        for (SqlNode window : select.getWindowList()) {
            window((SqlWindow) window, selectScope);
        }
        if (select.getOrderList() != null) {
            SqlValidatorScope orderScope = validator.getOrderScope(select);
            for (SqlNode item : select.getOrderList()) {
                orderItem(select, item, orderScope, "ORDER BY");
            }
        }
        List<SqlNode> distinct = distinctOn.apply(select);
        if (!distinct.isEmpty()) {
            // The validator makes an ORDER BY scope, which also sees the outputs' names, only for a SELECT with ORDER
            // BY; without one a DISTINCT ON item naming an output cannot be resolved, and fails closed.
            SqlValidatorScope scope = select.getOrderList() == null ? selectScope : validator.getOrderScope(select);
            for (SqlNode item : distinct) {
                orderItem(select, item, scope, "DISTINCT ON");
            }
        }
        if (select.getOffset() != null) {
            visit(select.getOffset(), selectScope);
        }
        if (select.getFetch() != null) {
            visit(select.getFetch(), selectScope);
        }
    }

    /** An ORDER BY the validator left around its query; its items can only name or number outputs. */
    private void orderBy(SqlOrderBy orderBy) {
        query(orderBy.query);
        for (SqlNode item : orderBy.orderList) {
            SqlNode key = sortKey(item);
            if (!(key instanceof SqlNumericLiteral)) {
                throw new LineageException("cannot resolve an ORDER BY item outside its query");
            }
            shapedOutput(orderBy.query, key, "ORDER BY");
        }
    }

    /**
     * An ORDER BY item (or a DISTINCT ON item, read by the same rules): an output ordinal, an output name or an
     * expression over the FROM items.
     */
    private void orderItem(SqlSelect select, SqlNode item, SqlValidatorScope scope, String clause) {
        SqlNode key = sortKey(item);
        if (key instanceof SqlNumericLiteral) {
            shapedOutput(select, key, clause);
            return;
        }
        int output = outputNamed(select, key, scope);
        if (output >= 0) {
            shapedOutput(select, output, clause);
            return;
        }
        shaping(key, scope, clause);
    }

    /**
     * The index of the output a bare name in ORDER BY designates, as the validator resolved it (an output name comes
     * before the columns of the FROM items, as in both databases); -1 when it names no output.
     */
    private int outputNamed(SqlSelect select, SqlNode key, SqlValidatorScope scope) {
        if (!(key instanceof SqlIdentifier id) || !id.isSimple()) {
            return -1;
        }
        SqlQualified qualified;
        try {
            qualified = scope.fullyQualify(id);
        } catch (RuntimeException e) {
            throw new LineageException("cannot resolve " + id);
        }
        if (qualified.namespace == null || qualified.namespace != validator.getNamespace(select)) {
            return -1;
        }
        RelDataTypeField field =
                qualified.namespace.getRowType().getField(id.getSimple(), dialect != Dialect.MYSQL, false);
        if (field == null) {
            throw new LineageException("cannot resolve " + id);
        }
        return field.getIndex();
    }

    private void shapedOutput(SqlNode query, SqlNode ordinal, String clause) {
        int position = ((SqlNumericLiteral) ordinal).intValue(true);
        int count = validator.getValidatedNodeType(query).getFieldCount();
        if (position < 1 || position > count) {
            throw new LineageException(clause + " position " + position + " is not in the select list");
        }
        shapedOutput(query, position - 1, clause);
    }

    private void shapedOutput(SqlNode query, int index, String clause) {
        for (Lineage.Source origin : lineage.origins(query, index)) {
            use(origin, Use.SHAPED, clause);
        }
    }

    private static SqlNode sortKey(SqlNode item) {
        SqlNode key = item;
        while (key.getKind() == SqlKind.DESCENDING
                || key.getKind() == SqlKind.NULLS_FIRST
                || key.getKind() == SqlKind.NULLS_LAST) {
            key = ((SqlCall) key).operand(0);
        }
        return key;
    }

    private void from(SqlNode from) {
        if (from == null) {
            return;
        }
        if (from instanceof SqlJoin join) {
            from(join.getLeft());
            from(join.getRight());
            join(join);
            return;
        }
        if (from instanceof SqlIdentifier) {
            return;
        }
        if (Lineage.isQuery(from)) {
            query(from);
            return;
        }
        if (from.getKind() == SqlKind.AS || from.getKind() == SqlKind.LATERAL) {
            from(((SqlCall) from).operand(0));
            return;
        }
        // A table function or UNNEST: its arguments may hold subqueries.
        visit(from, null);
    }

    private void join(SqlJoin join) {
        if (join.getConditionType() == JoinConditionType.ON) {
            predicate(join.getCondition(), validator.getJoinScope(join), "JOIN ON");
            return;
        }
        if (join.getConditionType() == JoinConditionType.USING) {
            for (SqlNode column : (SqlNodeList) join.getCondition()) {
                equated(join, ((SqlIdentifier) column).getSimple(), "USING");
            }
            return;
        }
        if (join.isNatural()) {
            Set<String> common = lineage.joinColumnNames(join.getLeft());
            common.retainAll(lineage.joinColumnNames(join.getRight()));
            for (String column : common) {
                equated(join, column, "NATURAL JOIN");
            }
        }
    }

    /** A column a join equates on both sides: an equality join between the two. */
    private void equated(SqlJoin join, String column, String clause) {
        uses(lineage.joinColumnUses(join.getLeft(), column), clause);
        uses(lineage.joinColumnUses(join.getRight(), column), clause);
    }

    // ---- clauses

    /** A predicate clause: its atoms, then what nests inside them. */
    private void predicate(SqlNode condition, SqlValidatorScope scope, String clause) {
        atoms(condition, scope, clause);
        visit(condition, scope);
    }

    private void atoms(SqlNode node, SqlValidatorScope scope, String clause) {
        if (!(node instanceof SqlCall call)) {
            compared(node, scope, clause);
            return;
        }
        switch (call.getKind()) {
            case AND, OR, NOT, IS_TRUE, IS_NOT_TRUE, IS_FALSE, IS_NOT_FALSE -> {
                for (SqlNode operand : call.getOperandList()) {
                    atoms(operand, scope, clause);
                }
            }
            case EQUALS, NOT_EQUALS, IS_DISTINCT_FROM, IS_NOT_DISTINCT_FROM, IN, NOT_IN, IS_NULL, IS_NOT_NULL -> {
                for (SqlNode operand : call.getOperandList()) {
                    compared(operand, scope, clause);
                }
            }
            case SOME, ALL -> {
                SqlKind comparison = ((SqlQuantifyOperator) call.getOperator()).comparisonKind;
                if (comparison == SqlKind.EQUALS || comparison == SqlKind.NOT_EQUALS) {
                    for (SqlNode operand : call.getOperandList()) {
                        compared(operand, scope, clause);
                    }
                } else {
                    computed(call, scope, clause);
                }
            }
            case EXISTS -> {
                // Whether a row exists depends on the subquery's own clauses, checked as it is visited.
            }
            default -> computed(call, scope, clause);
        }
    }

    /** An operand that is compared: a row or list of them is taken apart, each element compared on its own. */
    private void compared(SqlNode operand, SqlValidatorScope scope, String clause) {
        if (operand instanceof SqlNodeList list) {
            for (SqlNode element : list) {
                compared(element, scope, clause);
            }
            return;
        }
        if (operand.getKind() == SqlKind.ROW) {
            for (SqlNode element : ((SqlCall) operand).getOperandList()) {
                compared(element, scope, clause);
            }
            return;
        }
        uses(lineage.uses(operand, scope), clause);
    }

    private void uses(Lineage.Uses uses, String clause) {
        for (Lineage.Source source : uses.compared()) {
            use(source, Use.COMPARED, clause);
        }
        for (Lineage.Source source : uses.computed()) {
            use(source, Use.COMPUTED, clause);
        }
    }

    private void computed(SqlNode node, SqlValidatorScope scope, String clause) {
        for (Lineage.Source origin : lineage.expressionOrigins(node, scope)) {
            use(origin, Use.COMPUTED, clause);
        }
    }

    /** A result-shaping item: any use of a protected column. */
    private void shaping(SqlNode item, SqlValidatorScope scope, String clause) {
        SqlNode key = sortKey(item);
        for (Lineage.Source origin : lineage.expressionOrigins(key, scope)) {
            use(origin, Use.SHAPED, clause);
        }
        visit(key, scope);
    }

    private void window(SqlWindow window, SqlValidatorScope scope) {
        for (SqlNode item : window.getPartitionList()) {
            shaping(item, scope, "PARTITION BY");
        }
        for (SqlNode item : window.getOrderList()) {
            shaping(item, scope, "window ORDER BY");
        }
    }

    /**
     * Looks inside an expression for what has clauses of its own: subqueries, an aggregate's FILTER and ORDER BY,
     * windows.
     */
    private void visit(SqlNode node, SqlValidatorScope scope) {
        if (node == null) {
            return;
        }
        if (node instanceof SqlNodeList list) {
            for (SqlNode element : list) {
                visit(element, scope);
            }
            return;
        }
        if (Lineage.isQuery(node)) {
            query(node);
            return;
        }
        if (node instanceof SqlWindow window) {
            window(window, scope);
            return;
        }
        if (!(node instanceof SqlCall call)) {
            return;
        }
        switch (call.getKind()) {
            case FILTER -> {
                visit(call.operand(0), scope);
                predicate(call.operand(1), scope, "FILTER");
            }
            case WITHIN_GROUP -> {
                visit(call.operand(0), scope);
                for (SqlNode item : (SqlNodeList) call.operand(1)) {
                    shaping(item, scope, "WITHIN GROUP");
                }
            }
            default -> {
                boolean ordered =
                        call.getOperator().isAggregator() || call.getOperator() instanceof SqlUnresolvedFunction;
                for (SqlNode operand : call.getOperandList()) {
                    if (ordered && operand instanceof SqlNodeList orderList) {
                        // string_agg(x, ',' ORDER BY y), GROUP_CONCAT(x ORDER BY y): the order of the values.
                        for (SqlNode item : orderList) {
                            shaping(item, scope, "an aggregate's ORDER BY");
                        }
                    } else {
                        visit(operand, scope);
                    }
                }
            }
        }
    }

    // ---- the policy

    private void use(Lineage.Source source, Use use, String clause) {
        for (QueryMasker.Classified classified : QueryMasker.classified(source, caller, views, dialect, 0)) {
            // A view column computed from a protected column is the column inside an expression, wherever it is used.
            use(classified.rule(), use == Use.COMPARED && classified.computed() ? Use.COMPUTED : use, clause);
        }
    }

    private void use(ColumnRule classified, Use use, String clause) {
        ColumnRule rule = classified.level() > caller.role().clearance() ? classified : null;
        if (rule == null || rule.filter() == Filter.ALLOW) {
            return;
        }
        if (use == Use.COMPARED && rule.filter() == Filter.EQUALITY) {
            return;
        }
        String column = rule.table() + "." + rule.column() + " (level " + rule.level() + ")";
        String role = " by role " + caller.role().name();
        if (use == Use.SHAPED) {
            throw new RefusalException(
                    new Refusal(RESULT_SHAPING, "custos: " + column + " may not be used in " + clause + role));
        }
        if (rule.filter() == Filter.EQUALITY) {
            throw new RefusalException(new Refusal(
                    PREDICATE, "custos: " + column + " may only be compared with = or IN in " + clause + role));
        }
        throw new RefusalException(
                new Refusal(PREDICATE, "custos: " + column + " may not be used in " + clause + role));
    }

    /** The rule of the first column above the caller's clearance behind {@code source}, through views; else null. */
    private ColumnRule protectedRule(Lineage.Source source) {
        return QueryMasker.classified(source, caller, views, dialect, 0).stream()
                .map(QueryMasker.Classified::rule)
                .filter(rule -> rule.level() > caller.role().clearance())
                .findFirst()
                .orElse(null);
    }
}
