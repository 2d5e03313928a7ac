package io.custos.rewrite.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParser;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each expression with {@code ::} casts, regrouped, must be the tree Calcite builds for the same expression with every
 * cast in parentheses, which leave it no choice of grouping.
 */
class InfixCastsTest {
    @ParameterizedTest
    @CsvSource(
            delimiterString = "=>",
            quoteCharacter = '"',
            value = {
                "a AND b::int > 0                 => a AND (b::int) > 0",
                "a OR b::int BETWEEN 1 AND 2      => a OR (b::int) BETWEEN 1 AND 2",
                "a AND b::text LIKE 'x%'          => a AND (b::text) LIKE 'x%'",
                "a OR b AND c::int > 0            => a OR b AND (c::int) > 0",
                "a + b::int * 2 = 7               => a + (b::int) * 2 = 7",
                "a = b::int AND c                 => a = (b::int) AND c",
                "x::date = d AND y::int IN (1, 2) => (x::date) = d AND (y::int) IN (1, 2)",
                "(a AND b)::int > 0               => ((a AND b)::int) > 0",
                "(a AND b::int > 0)               => (a AND (b::int) > 0)",
                "(a + b)::int * 2 > 1             => ((a + b)::int) * 2 > 1",
                "a AND (b)::int > 0               => a AND ((b)::int) > 0",
                "f(a, b::int) > 0 AND c           => f(a, (b::int)) > 0 AND c",
                "a || b::text = 'x'               => a || (b::text) = 'x'",
                "- a::int > 0                     => - (a::int) > 0"
            })
    void regroup_groupsCastsAsPostgreSql(String infix, String explicit) throws SqlParseException {
        String text = "SELECT 1 FROM t WHERE " + infix;

        SqlNode regrouped = InfixCasts.regroup(parse(text), text);

        assertThat(where(regrouped).toString())
                .isEqualTo(where(parse("SELECT 1 FROM t WHERE " + explicit)).toString());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {"a AND b > 0", "a + b * 2 = 7", "(a OR b) AND c"})
    void regroup_leavesTextWithoutCastsAlone(String expression) throws SqlParseException {
        String text = "SELECT 1 FROM t WHERE " + expression;
        SqlNode parsed = parse(text);

        assertThat(InfixCasts.regroup(parsed, text)).isSameAs(parsed);
    }

    private static SqlNode parse(String text) throws SqlParseException {
        return SqlParser.create(text, CalciteSetup.parser(Dialect.POSTGRESQL)).parseQuery();
    }

    private static SqlNode where(SqlNode query) {
        return ((SqlSelect) query).getWhere();
    }
}
