package io.custos.rewrite.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.custos.policy.StatementClass;
import io.custos.rewrite.MySqlMode;
import io.custos.rewrite.postgres.LexedStatement;
import java.util.List;
import java.util.stream.Stream;
import org.apache.calcite.avatica.util.Casing;
import org.apache.calcite.avatica.util.Quoting;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql.parser.babel.SqlBabelParserImpl;
import org.apache.calcite.sql.validate.SqlConformanceEnum;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Everyday statements of a service-desk application: the text prepared for Calcite must parse with the babel parser
 * under MySQL's lexical rules, queries and writes alike.
 */
class MySqlCalciteTextTest {
    private static final SqlParser.Config PARSER = SqlParser.config()
            .withParserFactory(SqlBabelParserImpl.FACTORY)
            .withConformance(SqlConformanceEnum.BABEL)
            .withQuoting(Quoting.BACK_TICK)
            .withUnquotedCasing(Casing.UNCHANGED)
            .withQuotedCasing(Casing.UNCHANGED)
            .withCaseSensitive(false);

    static Stream<Arguments> everydayStatements() {
        return Stream.of(
                Arguments.of(
                        "SELECT t.id, t.status, c.name FROM service_ticket t "
                                + "JOIN customer c ON c.id = t.customer_id WHERE t.status = 'open' ORDER BY t.created_at DESC "
                                + "LIMIT 20, 10",
                        true),
                Arguments.of(
                        "select `id`, `name` from `custos_demo`.`customer` where `mobile` like '138%' limit 5", true),
                Arguments.of("SELECT * FROM customer WHERE id = ? FOR UPDATE", true),
                Arguments.of("select id from service_ticket where status = \"open\" lock in share mode", true),
                Arguments.of("select * from service_ticket use index (idx_status) where status = 'new'", true),
                Arguments.of(
                        "select * from customer force index for join (primary) "
                                + "join customer_asset a ignore key (idx_x) on a.customer_id = customer.id",
                        true),
                Arguments.of("select sql_no_cache sql_calc_found_rows id from project limit 10 offset 20", true),
                Arguments.of("select /*!40001 SQL_NO_CACHE */ * from project", true),
                Arguments.of(
                        "select id from customer where project_id = @project_id and created_at > @@session.time_zone",
                        true),
                Arguments.of(
                        "select c.name, count(*) as tickets from customer c left join service_ticket t "
                                + "on t.customer_id = c.id group by c.name having count(*) > 3",
                        true),
                Arguments.of("select content->'$.title', content->>'$.body' from service_ticket where id = 7", true),
                Arguments.of(
                        "select * from service_ticket where content like 'it\\'s %' and category = _utf8mb4'报修'", true),
                Arguments.of("SELECT id FROM project WHERE city IN ('上海', '北京') AND id > 0x10 # by city", true),
                Arguments.of(
                        "select high_priority distinctrow city from project straight_join customer "
                                + "on customer.project_id = project.id",
                        true),
                Arguments.of("select * from customer where id = ? for update skip locked", true),
                Arguments.of(
                        "select @rank := @rank + 1, name from customer where name regexp '^王' "
                                + "and id div 10 = 3 && project_id mod 2 = 0",
                        true),
                Arguments.of("select mobile into @m from customer where id = ?", true),
                Arguments.of("select city, count(*) from project group by city with rollup", true),
                Arguments.of("select name collate utf8mb4_bin from customer partition (p0) where !(id > 3)", true),
                Arguments.of(
                        "insert into service_ticket (customer_id, content) values (?, 'leaking tap') "
                                + "on duplicate key update content = values(content)",
                        false),
                Arguments.of("insert ignore into project (id, name, city) values (1, 'A', 'B')", false),
                Arguments.of("replace into project (id, name, city) values (1, 'A', 'B')", false),
                Arguments.of("update service_ticket set status = 'closed' where id = ?", false),
                Arguments.of("delete from service_ticket where created_at < now() - interval 1 year", false));
    }

    @ParameterizedTest
    @MethodSource("everydayStatements")
    void calciteText_parsesWithBabel(String statement, boolean query) {
        List<LexedStatement> statements = MySqlLexer.split(statement, MySqlMode.DEFAULT);
        assertThat(statements).hasSize(1);
        LexedStatement lexed = statements.get(0);

        assertThat(lexed.calciteText()).hasSameSizeAs(lexed.text());
        assertThat(lexed.verbs().get(0).statementClass() == StatementClass.READ).isEqualTo(query);
        assertThatCode(() -> SqlParser.create(lexed.calciteText(), PARSER).parseStmt())
                .as(lexed.calciteText())
                .doesNotThrowAnyException();
    }
}
