package io.custos.rewrite.analysis;

import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.sql.SqlBasicCall;
import org.apache.calcite.sql.SqlBinaryOperator;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlOperator;
import org.apache.calcite.sql.SqlPrefixOperator;
import org.apache.calcite.sql.fun.SqlBetweenOperator;
import org.apache.calcite.sql.fun.SqlLikeOperator;
import org.apache.calcite.sql.parser.SqlParserPos;

/**
 * Regroups what Calcite's babel parser builds around PostgreSQL's {@code ::} cast. The parser applies the cast to the
 * whole expression read so far and ends the operator chain there: {@code a AND b::int > 0} comes out as
 * {@code CAST(a AND b AS int) > 0}, where PostgreSQL reads {@code a AND (CAST(b AS int) > 0)}, since {@code ::} binds
 * tighter than every operator but {@code .} and {@code []}.
 *
 * <p>Two steps, bottom-up, each only where the text shows no parentheses that would make the parser's grouping right:
 * a cast of an operator expression is pushed down to that expression's last operand; then an operator whose left
 * operand is an operator expression binding more loosely is rotated, {@code P(Q(x, y), z)} becoming
 * {@code Q(x, P(y, z))}. Nothing else of the tree changes.
 */
final class InfixCasts {
    private static final String INFIX_CAST = "::";

    private final Spans spans;
    private final String text;

    private InfixCasts(String text) {
        this.text = text;
        this.spans = new Spans(text);
    }

    /** The tree of {@code text}, regrouped where needed; {@code node} itself when the text holds no {@code ::}. */
    static SqlNode regroup(SqlNode node, String text) {
        if (!text.contains(INFIX_CAST)) {
            return node;
        }
        return new InfixCasts(text).walk(node);
    }

    private SqlNode walk(SqlNode node) {
        if (node instanceof SqlNodeList list) {
            for (int i = 0; i < list.size(); i++) {
                SqlNode element = list.get(i);
                SqlNode regrouped = element == null ? null : walk(element);
                if (regrouped != element) {
                    list.set(i, regrouped);
                }
            }
            return list;
        }
        if (!(node instanceof SqlCall call)) {
            return node;
        }
        List<SqlNode> operands = call.getOperandList();
        for (int i = 0; i < operands.size(); i++) {
            SqlNode operand = operands.get(i);
            SqlNode regrouped = operand == null ? null : walk(operand);
            if (regrouped != operand) {
                try {
                    call.setOperand(i, regrouped);
                } catch (UnsupportedOperationException e) {
                    throw new LineageException("cannot regroup a :: cast");
                }
            }
        }
        return rotate(pushDown(call));
    }

    /** {@code CAST(Q(x, y) AS t)} written {@code x Q y::t} becomes {@code Q(x, CAST(y AS t))}. */
    private SqlCall pushDown(SqlCall call) {
        if (!isInfixCast(call)) {
            return call;
        }
        SqlNode operand = call.operand(0);
        if (!(operand instanceof SqlBasicCall inner)
                || !isOperatorExpression(inner)
                || inner.getOperator().getRightPrec() >= call.getOperator().getLeftPrec()
                || closedBeforeNext(inner)) {
            return call;
        }
        List<SqlNode> innerOperands = new ArrayList<>(inner.getOperandList());
        int last = innerOperands.size() - 1;
        SqlCall cast = call.getOperator()
                .createCall(
                        SqlParserPos.sum(List.of(innerOperands.get(last), call.operand(1))),
                        innerOperands.get(last),
                        call.operand(1));
        innerOperands.set(last, pushDown(cast));
        return recreate(inner, innerOperands);
    }

    /** {@code P(Q(x, y), z)}, with Q binding more loosely than P and not in parentheses, becomes {@code Q(x, P(y, z))}. */
    private SqlCall rotate(SqlCall call) {
        if (!(call instanceof SqlBasicCall) || !takesLeftOperand(call.getOperator()) || call.operandCount() < 2) {
            return call;
        }
        if (!(call.operand(0) instanceof SqlBasicCall left)
                || !(left.getOperator() instanceof SqlBinaryOperator)
                || left.operandCount() != 2
                || isInfixCast(left)
                || left.getOperator().getRightPrec() >= call.getOperator().getLeftPrec()
                || closedBeforeNext(left)) {
            return call;
        }
        List<SqlNode> outerOperands = new ArrayList<>(call.getOperandList());
        outerOperands.set(0, left.operand(1));
        SqlCall lowered = rotate(recreate((SqlBasicCall) call, outerOperands));
        return recreate(left, List.of(left.operand(0), lowered));
    }

    private static boolean isInfixCast(SqlCall call) {
        return call.getKind() == SqlKind.CAST
                && INFIX_CAST.equals(call.getOperator().getName());
    }

    /** An expression written with an operator before its last operand: binary, or prefix like {@code -} and NOT. */
    private static boolean isOperatorExpression(SqlBasicCall call) {
        SqlOperator operator = call.getOperator();
        return (operator instanceof SqlBinaryOperator && call.operandCount() == 2 && !isInfixCast(call))
                || (operator instanceof SqlPrefixOperator && call.operandCount() == 1);
    }

    /** Operators written after their first operand, whose first operand the parser may have grouped too widely. */
    private static boolean takesLeftOperand(SqlOperator operator) {
        return operator instanceof SqlBinaryOperator
                || operator instanceof SqlLikeOperator
                || operator instanceof SqlBetweenOperator;
    }

    /**
     * Whether a parenthesis closes right after the operator expression's last operand, so that the parser's grouping
     * is the text's own. The expression's own position is no guide: the parser may stretch it over that parenthesis.
     */
    private boolean closedBeforeNext(SqlCall call) {
        SqlNode last = call.operand(call.operandCount() - 1);
        int end = spans.ofExpression(last).end();
        while (end < text.length() && Character.isWhitespace(text.charAt(end))) {
            end++;
        }
        return end < text.length() && text.charAt(end) == ')';
    }

    private static SqlCall recreate(SqlBasicCall call, List<SqlNode> operands) {
        List<SqlNode> present =
                operands.stream().filter(operand -> operand != null).toList();
        return call.getOperator()
                .createCall(call.getFunctionQuantifier(), SqlParserPos.sum(present), operands.toArray(new SqlNode[0]));
    }
}
