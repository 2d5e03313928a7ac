package io.custos.rewrite.analysis;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParser;

/**
 * PostgreSQL's {@code SELECT DISTINCT ON (list)}, which Calcite does not parse: the PostgreSQL lexer hands Calcite a
 * comment in its place holding the list as prepared for Calcite ({@code PostgresLexer.calciteText}), and this reads
 * the lists back, by the offset of the SELECT they follow, so that {@link PredicateCheck} checks them as it checks
 * ORDER BY (PostgreSQL reads them by the same rules). Every other comment of the client's text is blanked by then, so
 * each comment of the prepared text outside a quoted identifier is one of these.
 */
final class DistinctOn {
    private DistinctOn() {}

    /** Whether the prepared text holds a DISTINCT ON. */
    static boolean present(String calciteText) {
        return commentStart(calciteText, 0) >= 0;
    }

    /**
     * The next {@code /*} at or after {@code from} outside a quoted identifier (whose name may hold one; string
     * constants are blanks between their quotes by then); -1 if none.
     */
    private static int commentStart(String text, int from) {
        boolean quoted = false;
        for (int index = 0; index + 1 < text.length(); index++) {
            char c = text.charAt(index);
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && index >= from && c == '/' && text.charAt(index + 1) == '*') {
                return index;
            }
        }
        return -1;
    }

    /**
     * The lists, parsed, by the offset of the SELECT key word each follows.
     *
     * @throws LineageException when a list cannot be parsed or follows no SELECT
     */
    static Map<Integer, List<SqlNode>> find(String calciteText) {
        Map<Integer, List<SqlNode>> lists = new HashMap<>();
        int from = 0;
        while (true) {
            int start = commentStart(calciteText, from);
            if (start < 0) {
                return lists;
            }
            int end = calciteText.indexOf("*/", start + 2);
            if (end < 0) {
                throw new LineageException("DISTINCT ON could not be read");
            }
            lists.put(selectBefore(calciteText, start), parse(calciteText.substring(start + 2, end)));
            from = end + 2;
        }
    }

    private static int selectBefore(String text, int offset) {
        int end = offset;
        while (end > 0 && Character.isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        int start = end - "select".length();
        if (start < 0 || !text.substring(start, end).toLowerCase(Locale.ROOT).equals("select")) {
            throw new LineageException("DISTINCT ON follows no SELECT");
        }
        return start;
    }

    private static List<SqlNode> parse(String list) {
        try {
            SqlNode query = SqlParser.create("SELECT " + list, CalciteSetup.parser(Dialect.POSTGRESQL))
                    .parseQuery();
            if (!(query instanceof SqlSelect select) || select.getFrom() != null) {
                throw new LineageException("DISTINCT ON list could not be read");
            }
            return select.getSelectList().getList();
        } catch (SqlParseException e) {
            throw new LineageException("DISTINCT ON list could not be parsed");
        }
    }
}
