package io.custos.rewrite.analysis;

import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlSyntax;
import org.apache.calcite.sql.parser.SqlParserPos;

/**
 * Turns Calcite parser positions into offsets of the client's text. Positions are 1-based lines and columns counted
 * in chars, the end inclusive. They are not exact for every node: a call written as an infix or postfix operator gets
 * the span of its operands (and the {@code ::} cast of the babel parser starts one token too early), and parentheses
 * around an expression are never part of it. So a span is computed from the node's descendants, and then widened
 * until its parentheses balance.
 */
final class Spans {
    private final String text;
    private final int[] lineStarts;

    Spans(String text) {
        this.text = text;
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || (c == '\r' && (i + 1 >= text.length() || text.charAt(i + 1) != '\n'))) {
                starts.add(i + 1);
            }
        }
        this.lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The balanced span of an expression, widened over parentheses that enclose it alone. */
    Span ofExpression(SqlNode node) {
        Span span = balance(located(node));
        while (true) {
            int before = skipSpacesBackward(span.start() - 1);
            int after = skipSpacesForward(span.end());
            if (before < 0 || after >= text.length() || text.charAt(before) != '(' || text.charAt(after) != ')') {
                return span;
            }
            span = new Span(before, after + 1);
        }
    }

    /** The span of a node as the parser placed it, without widening over parentheses. */
    Span ofNode(SqlNode node) {
        return balance(located(node));
    }

    private Span located(SqlNode node) {
        Span span = raw(node);
        if (span == null) {
            throw new LineageException("no position for " + node.getKind());
        }
        return span;
    }

    /** The span of a node and its descendants; {@code null} for nodes the validator added, which have no position. */
    private Span raw(SqlNode node) {
        Span span = null;
        if (node instanceof SqlCall call) {
            for (SqlNode operand : call.getOperandList()) {
                span = union(span, operand == null ? null : raw(operand));
            }
            if (!startsWithOperand(call)) {
                span = union(span, own(node));
            } else if (span != null) {
                Span own = own(node);
                span = own == null ? span : new Span(span.start(), Math.max(span.end(), own.end()));
            }
        } else if (node instanceof SqlNodeList list) {
            for (SqlNode element : list) {
                span = union(span, element == null ? null : raw(element));
            }
            if (span == null) {
                span = own(node);
            }
        } else {
            span = own(node);
        }
        return span;
    }

    private static boolean startsWithOperand(SqlCall call) {
        if (call.operandCount() == 0) {
            return false;
        }
        SqlSyntax syntax = call.getOperator().getSyntax();
        if (syntax == SqlSyntax.BINARY || syntax == SqlSyntax.POSTFIX) {
            return true;
        }
        if (call.getKind() == SqlKind.CAST && "::".equals(call.getOperator().getName())) {
            return true;
        }
        return switch (call.getKind()) {
            case BETWEEN, LIKE, SIMILAR, ESCAPE, ITEM, DOT, AS, OVER, IN, NOT_IN, SOME, ALL -> true;
            default -> false;
        };
    }

    private Span own(SqlNode node) {
        SqlParserPos pos = node.getParserPosition();
        if (pos.getLineNum() <= 0 || pos.getEndLineNum() <= 0) {
            return null;
        }
        return new Span(
                offset(pos.getLineNum(), pos.getColumnNum()), offset(pos.getEndLineNum(), pos.getEndColumnNum()) + 1);
    }

    /** The offset where a parser position starts. */
    int startOf(SqlParserPos pos) {
        return offset(pos.getLineNum(), pos.getColumnNum());
    }

    private int offset(int line, int column) {
        if (line > lineStarts.length) {
            throw new LineageException("position beyond the text: line " + line);
        }
        int offset = lineStarts[line - 1] + column - 1;
        if (offset < 0 || offset > text.length()) {
            throw new LineageException("position beyond the text: line " + line + ", column " + column);
        }
        return offset;
    }

    private static Span union(Span a, Span b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return new Span(Math.min(a.start(), b.start()), Math.max(a.end(), b.end()));
    }

    /** Widens the span over the parentheses it opens or closes but does not contain. Literals are blanked already. */
    private Span balance(Span span) {
        int start = span.start();
        int end = span.end();
        int depth = 0;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
                if (depth < 0) {
                    start = skipSpacesBackward(start - 1);
                    if (start < 0 || text.charAt(start) != '(') {
                        throw new LineageException("unbalanced parentheses around an output");
                    }
                    depth = 0;
                }
            }
        }
        while (depth > 0) {
            end = skipSpacesForward(end);
            if (end >= text.length() || text.charAt(end) != ')') {
                throw new LineageException("unbalanced parentheses around an output");
            }
            end++;
            depth--;
        }
        return new Span(start, end);
    }

    private int skipSpacesBackward(int index) {
        while (index >= 0 && Character.isWhitespace(text.charAt(index))) {
            index--;
        }
        return index;
    }

    private int skipSpacesForward(int index) {
        while (index < text.length() && Character.isWhitespace(text.charAt(index))) {
            index++;
        }
        return index;
    }

    /** A half-open range of offsets. */
    record Span(int start, int end) {}
}
