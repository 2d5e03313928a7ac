package io.custos.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.policy.Classification;
import io.custos.policy.ColumnRule;
import io.custos.policy.Filter;
import io.custos.policy.Mask;
import io.custos.policy.Role;
import io.custos.policy.StatementClass;
import io.custos.rewrite.analysis.QueryMasker;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The gate's rules for MySQL messages, with the real masker over the sample tables in database custos_demo. */
class StatementGateMySqlTest {
    private static final String DATABASE = "custos_demo";

    private static final Set<StatementClass> EVERYTHING =
            EnumSet.complementOf(EnumSet.of(StatementClass.IMPORT_EXPORT));

    private static final Map<String, Role> ROLES = Map.of(
            "it_engineer", new Role("it_engineer", 3, EVERYTHING, true),
            "info_clerk", new Role("info_clerk", 2, EVERYTHING, false),
            "exporter", new Role("exporter", 1, Set.of(StatementClass.READ, StatementClass.INSERT), true),
            "staff",
                    new Role(
                            "staff",
                            1,
                            Set.of(
                                    StatementClass.READ,
                                    StatementClass.INSERT,
                                    StatementClass.TRANSACTION,
                                    StatementClass.SESSION),
                            false),
            "contractor",
                    new Role(
                            "contractor",
                            0,
                            Set.of(StatementClass.READ, StatementClass.TRANSACTION, StatementClass.SESSION),
                            false),
            "updater",
                    new Role(
                            "updater",
                            0,
                            Set.of(StatementClass.READ, StatementClass.UPDATE, StatementClass.DELETE),
                            false));

    private static final Classification CLASSIFICATION = new Classification(List.of(
            rule("customer", "name", 1, new Mask.Partial(1, 0, "*")),
            rule("customer", "mobile", 1, new Mask.Partial(3, 4, "*"), Filter.EQUALITY),
            rule("customer_asset", "annual_income", 2, new Mask.Null()),
            rule("customer_bank", "account_no", 3, new Mask.Partial(0, 4, "*"))));

    private static final Catalog CATALOG = Catalog.of(
            List.of(
                    table("project", column("id", "bigint", false), column("name", "varchar(100)", true)),
                    table(
                            "customer",
                            column("id", "bigint", false),
                            column("name", "varchar(40)", true),
                            column("mobile", "varchar(11)", true)),
                    table(
                            "customer_asset",
                            column("customer_id", "bigint", false),
                            column("annual_income", "decimal(14,2)", false)),
                    table(
                            "customer_bank",
                            column("customer_id", "bigint", false),
                            column("bank_name", "varchar(60)", true),
                            column("account_no", "varchar(30)", true)),
                    table("service_ticket", column("id", "bigint", false), column("content", "text", true))),
            1);

    private static final String LAUNDERING = "custos: statement may copy or test classified data above the caller's";
    private static final String VARIABLE =
            "custos: statement may copy classified data above the caller's clearance into";
    private static final String UNANALYSABLE = "custos: statement could not be analysed and may read classified data: ";
    private static final String ROUTINE = "custos: code run by the database (CALL, stored procedures";
    private static final String MASKED_MOBILE = "CAST(CASE WHEN (mobile) IS NULL THEN NULL WHEN CHAR_LENGTH((mobile))"
            + " <= 7 THEN REPEAT('*', CHAR_LENGTH((mobile))) ELSE CONCAT(LEFT((mobile), 3), REPEAT('*',"
            + " CHAR_LENGTH((mobile)) - 3 - 4), RIGHT((mobile), 4)) END AS CHAR(11)) AS `mobile`";

    private final AtomicLong catalogVersion = new AtomicLong(1);
    private final StatementGate gate = new StatementGate(new QueryMasker(() -> CATALOG), catalogVersion::get, 100);

    static Stream<Arguments> decisions() {
        return Stream.of(
                // Import and export.
                Arguments.of(
                        "info_clerk",
                        "LOAD DATA INFILE '/tmp/t.csv' INTO TABLE project",
                        Decision.REFUSED,
                        "import-export",
                        "custos: role info_clerk may not import or export data (LOAD DATA)"),
                Arguments.of(
                        "info_clerk",
                        "select id into outfile '/tmp/p' from project",
                        Decision.REFUSED,
                        "import-export",
                        "custos: role info_clerk may not import or export data (INTO OUTFILE)"),
                Arguments.of(
                        "staff",
                        "select load_file('/etc/passwd')",
                        Decision.REFUSED,
                        "import-export",
                        "custos: role staff may not import or export data (load_file)"),
                Arguments.of("it_engineer", "select load_file('/etc/passwd')", Decision.ALLOWED, null, null),
                // Text the server and the analysis would read differently is not decided on below full clearance.
                Arguments.of(
                        "contractor",
                        "PREPARE s FROM 'SELECT 1 /*!99999 \\' */, mobile FROM customer -- \\' */'",
                        Decision.REFUSED,
                        "unanalysable",
                        UNANALYSABLE + "a versioned executable comment is run or skipped"),
                Arguments.of(
                        "staff",
                        "select U&'1' from (select mobile as u from customer) t",
                        Decision.REFUSED,
                        "unanalysable",
                        UNANALYSABLE + "a name written against &'…'"),
                Arguments.of(
                        "it_engineer",
                        "SELECT 1 /*!99999 ' */, mobile FROM customer -- ' */",
                        Decision.ALLOWED,
                        null,
                        null),
                // DDL naming a column above the caller's clearance; LOCK TABLES and locking reads need more than read.
                Arguments.of(
                        "info_clerk",
                        "ALTER TABLE customer_bank ADD CONSTRAINT o1 CHECK (customer_id <> 1 OR account_no LIKE"
                                + " '6217%')",
                        Decision.REFUSED,
                        "laundering",
                        "custos: DDL naming customer_bank.account_no, a column above the caller's clearance"),
                Arguments.of(
                        "info_clerk",
                        "alter table Customer_Bank modify ACCOUNT_NO int",
                        Decision.REFUSED,
                        "laundering",
                        "custos: DDL naming customer_bank.account_no"),
                Arguments.of(
                        "info_clerk",
                        "alter table customer_bank add constraint o2 check (customer_id > 0)",
                        Decision.ALLOWED,
                        null,
                        null),
                Arguments.of(
                        "contractor",
                        "LOCK TABLES customer WRITE",
                        Decision.REFUSED,
                        "role-permission",
                        "custos: role contractor may not run LOCK TABLES"),
                Arguments.of("contractor", "UNLOCK TABLES", Decision.ALLOWED, null, null),
                Arguments.of(
                        "contractor",
                        "XA ROLLBACK 'adm1'",
                        Decision.REFUSED,
                        "role-permission",
                        "custos: role contractor may not run XA ROLLBACK"),
                Arguments.of(
                        "staff",
                        "select id from customer where id = 1 for update",
                        Decision.REFUSED,
                        "role-permission",
                        "custos: role staff may not run SELECT … FOR UPDATE"),
                Arguments.of(
                        "contractor",
                        "select id from project where id = 1 lock in share mode",
                        Decision.REFUSED,
                        "role-permission",
                        "custos: role contractor may not run SELECT … LOCK IN SHARE MODE"),
                Arguments.of(
                        "info_clerk", "select id from project where id = 1 for share", Decision.ALLOWED, null, null),
                Arguments.of(
                        "exporter",
                        "select mobile from customer into outfile '/tmp/c'",
                        Decision.REFUSED,
                        "unanalysable",
                        UNANALYSABLE + "INTO OUTFILE would move classified columns unmasked"),
                Arguments.of(
                        "exporter",
                        "LOAD DATA LOCAL INFILE 'c.csv' INTO TABLE customer",
                        Decision.REFUSED,
                        "unanalysable",
                        UNANALYSABLE + "LOAD DATA would move classified columns unmasked"),
                Arguments.of("exporter", "select id from project into outfile '/tmp/p'", Decision.ALLOWED, null, null),
                // Role permissions.
                Arguments.of(
                        "staff",
                        "update customer set name = 'x'",
                        Decision.REFUSED,
                        "role-permission",
                        "custos: role staff may not run UPDATE"),
                Arguments.of(
                        "staff",
                        "replace into project (id, name) values (1, 'x')",
                        Decision.REFUSED,
                        "role-permission",
                        "custos: role staff may not run REPLACE"),
                Arguments.of(
                        "staff",
                        "insert into project (id) values (1) on duplicate key update name = 'y'",
                        Decision.REFUSED,
                        "role-permission",
                        "custos: role staff may not run INSERT ON DUPLICATE KEY UPDATE"),
                Arguments.of(
                        "contractor",
                        "drop table project",
                        Decision.REFUSED,
                        "role-permission",
                        "custos: role contractor may not run DROP TABLE"),
                Arguments.of("staff", "insert into project (id, name) values (1, 'x')", Decision.ALLOWED, null, null),
                Arguments.of("staff", "set names utf8mb4", Decision.ALLOWED, null, null),
                Arguments.of("staff", "start transaction", Decision.ALLOWED, null, null),
                // Full clearance passes unchanged.
                Arguments.of("it_engineer", "select * from customer_bank", Decision.ALLOWED, null, null),
                Arguments.of("it_engineer", "call refresh_report()", Decision.ALLOWED, null, null),
                Arguments.of("it_engineer", "show processlist", Decision.ALLOWED, null, null),
                Arguments.of(
                        "it_engineer", "select mobile into @m from customer limit 1", Decision.ALLOWED, null, null),
                // Fail closed.
                Arguments.of(
                        "staff",
                        "select * from customer where name = 'unterminated",
                        Decision.REFUSED,
                        "unanalysable",
                        UNANALYSABLE + "the statement is malformed"),
                Arguments.of("staff", "select * from project where name = 'unterminated", Decision.ALLOWED, null, null),
                Arguments.of("staff", "handler customer read first", Decision.REFUSED, "unanalysable", UNANALYSABLE),
                Arguments.of(
                        "staff", "select * from other_db.customer", Decision.REFUSED, "unanalysable", UNANALYSABLE),
                Arguments.of(
                        "staff",
                        "select `name` from `Customer` c, missing m",
                        Decision.REFUSED,
                        "unanalysable",
                        UNANALYSABLE),
                Arguments.of(
                        "info_clerk",
                        "prepare s from @sql",
                        Decision.REFUSED,
                        "unanalysable",
                        UNANALYSABLE + "PREPARE FROM @var runs SQL given as text"),
                Arguments.of(
                        "info_clerk",
                        "execute immediate concat('select account_no from customer_', 'bank')",
                        Decision.REFUSED,
                        "unanalysable",
                        UNANALYSABLE + "EXECUTE IMMEDIATE runs SQL given as text"),
                Arguments.of(
                        "info_clerk",
                        "EXECUTE IMMEDIATE 'select 1'",
                        Decision.REFUSED,
                        "unanalysable",
                        UNANALYSABLE + "EXECUTE IMMEDIATE runs SQL given as text"),
                Arguments.of("it_engineer", "execute immediate 'select 1'", Decision.ALLOWED, null, null),
                // EXPLAIN of a statement other than a query needs that statement's rights.
                Arguments.of(
                        "staff",
                        "explain update customer set name = 'x'",
                        Decision.REFUSED,
                        "role-permission",
                        "custos: role staff may not run UPDATE"),
                Arguments.of("info_clerk", "explain update customer set name = 'x'", Decision.ALLOWED, null, null),
                Arguments.of("info_clerk", "execute s", Decision.ALLOWED, null, null),
                Arguments.of(
                        "staff",
                        "select sys.execute_prepared_stmt('select 1')",
                        Decision.REFUSED,
                        "unanalysable",
                        UNANALYSABLE + "execute_prepared_stmt runs SQL given as text"),
                Arguments.of(
                        "contractor",
                        "select count(*) from customer where extractvalue(1, concat('~', mobile)) is null",
                        Decision.REFUSED,
                        "unanalysable",
                        UNANALYSABLE + "extractvalue quotes its argument"),
                // PREPARE FROM a literal is decided as the statement the literal holds, masked inside it.
                Arguments.of(
                        "info_clerk",
                        "prepare s from 'select account_no from customer_bank'",
                        Decision.REWRITTEN,
                        null,
                        null),
                Arguments.of(
                        "contractor",
                        "prepare s from 'select id from customer where name like ''x%'''",
                        Decision.REFUSED,
                        "predicate",
                        "custos: customer.name (level 1) may not be used in WHERE by role contractor"),
                Arguments.of("info_clerk", "prepare s from 'select id from project'", Decision.ALLOWED, null, null),
                Arguments.of("staff", "select * from project", Decision.ALLOWED, null, null),
                Arguments.of("staff", "select 'customer_bank'", Decision.ALLOWED, null, null),
                Arguments.of("contractor", "show columns from customer", Decision.ALLOWED, null, null),
                Arguments.of("contractor", "describe customer_bank", Decision.ALLOWED, null, null),
                Arguments.of("contractor", "show create table customer", Decision.ALLOWED, null, null),
                // RETURNING (MariaDB).
                Arguments.of(
                        "staff",
                        "insert into customer (id, name) values (1, 'x') returning mobile",
                        Decision.ALLOWED,
                        null,
                        null),
                Arguments.of(
                        "staff",
                        "insert into customer_bank (customer_id) values (1) returning customer_id",
                        Decision.REFUSED,
                        "returning",
                        "custos: RETURNING from a table with columns above the caller's clearance is not allowed"),
                Arguments.of("staff", "insert into project (id) values (1) returning id", Decision.ALLOWED, null, null),
                // Writes that would launder or test what the caller may not see.
                Arguments.of(
                        "staff",
                        "insert into service_ticket (content) select account_no from customer_bank",
                        Decision.REFUSED,
                        "laundering",
                        LAUNDERING),
                Arguments.of(
                        "info_clerk",
                        "update customer_bank set bank_name = account_no where customer_id = 1",
                        Decision.REFUSED,
                        "laundering",
                        LAUNDERING),
                Arguments.of(
                        "info_clerk",
                        "create table t as select account_no from Customer_Bank",
                        Decision.REFUSED,
                        "laundering",
                        LAUNDERING),
                Arguments.of(
                        "info_clerk",
                        "update customer_bank set account_no = '1' where customer_id = 1",
                        Decision.ALLOWED,
                        null,
                        null),
                // User variables carry values out of the statement.
                Arguments.of(
                        "staff",
                        "select account_no into @a from customer_bank limit 1",
                        Decision.REFUSED,
                        "laundering",
                        VARIABLE),
                Arguments.of(
                        "contractor",
                        "select @m := mobile from customer limit 1",
                        Decision.REFUSED,
                        "laundering",
                        VARIABLE),
                Arguments.of(
                        "contractor",
                        "set @m = (select mobile from customer limit 1)",
                        Decision.REFUSED,
                        "laundering",
                        VARIABLE),
                Arguments.of("contractor", "select @r := @r + 1, id from project", Decision.ALLOWED, null, null),
                Arguments.of(
                        "contractor",
                        "select name into @n from customer limit 1",
                        Decision.REFUSED,
                        "laundering",
                        VARIABLE),
                Arguments.of(
                        "contractor", "select id into @i from customer where id = 1", Decision.ALLOWED, null, null),
                Arguments.of("contractor", "select count(mobile) from customer into @c", Decision.ALLOWED, null, null),
                Arguments.of(
                        "contractor",
                        "select id, upper(name) into @i, @n from customer where id = 1",
                        Decision.REFUSED,
                        "laundering",
                        VARIABLE),
                Arguments.of("staff", "select name into @n from customer limit 1", Decision.ALLOWED, null, null),
                Arguments.of("contractor", "set @m = (select name from project limit 1)", Decision.ALLOWED, null, null),
                // Routines.
                Arguments.of("info_clerk", "call refresh_report()", Decision.REFUSED, "routine", ROUTINE),
                Arguments.of(
                        "info_clerk",
                        "create procedure p() begin select account_no from customer_bank; end",
                        Decision.REFUSED,
                        "routine",
                        ROUTINE),
                Arguments.of(
                        "info_clerk",
                        "CREATE DEFINER = CURRENT_USER FUNCTION f() RETURNS INT RETURN 1",
                        Decision.REFUSED,
                        "routine",
                        ROUTINE),
                Arguments.of(
                        "info_clerk",
                        "create trigger t before insert on project for each row set new.name = 'x'",
                        Decision.REFUSED,
                        "routine",
                        ROUTINE),
                Arguments.of(
                        "info_clerk",
                        "create event e on schedule every 1 hour do delete from project",
                        Decision.REFUSED,
                        "routine",
                        ROUTINE),
                Arguments.of(
                        "info_clerk",
                        "begin not atomic select account_no from customer_bank; end",
                        Decision.REFUSED,
                        "routine",
                        ROUTINE),
                Arguments.of(
                        "info_clerk",
                        "do (select sleep(1) from customer_bank where account_no like '6%')",
                        Decision.REFUSED,
                        "routine",
                        "custos: DO evaluates expressions"),
                Arguments.of("info_clerk", "do sleep(1)", Decision.ALLOWED, null, null),
                // Other sessions' statements and column statistics.
                Arguments.of(
                        "info_clerk",
                        "show full processlist",
                        Decision.REFUSED,
                        "catalog-values",
                        "custos: SHOW PROCESSLIST shows"),
                Arguments.of(
                        "info_clerk",
                        "show engine innodb status",
                        Decision.REFUSED,
                        "catalog-values",
                        "custos: SHOW ENGINE shows"),
                Arguments.of(
                        "info_clerk",
                        "select info from information_schema.PROCESSLIST",
                        Decision.REFUSED,
                        "catalog-values",
                        "custos: information_schema.processlist shows"),
                Arguments.of(
                        "info_clerk",
                        "select sql_text from performance_schema.events_statements_history_long",
                        Decision.REFUSED,
                        "catalog-values",
                        "custos: performance_schema.events_statements_history_long shows"),
                Arguments.of(
                        "info_clerk",
                        "select * from sys.statement_analysis",
                        Decision.REFUSED,
                        "catalog-values",
                        "custos: sys.statement_analysis shows"),
                Arguments.of(
                        "info_clerk",
                        "select histogram from information_schema.column_statistics",
                        Decision.REFUSED,
                        "catalog-values",
                        "custos: information_schema.column_statistics shows"),
                Arguments.of(
                        "info_clerk",
                        "select min_value from mysql.column_stats",
                        Decision.REFUSED,
                        "catalog-values",
                        "custos: mysql.column_stats shows"),
                Arguments.of(
                        "info_clerk",
                        "explain for connection 12",
                        Decision.REFUSED,
                        "catalog-values",
                        "custos: EXPLAIN FOR CONNECTION shows"),
                Arguments.of(
                        "info_clerk", "select table_name from information_schema.tables", Decision.ALLOWED, null, null),
                // A KILL the session did not see on its own would run with the gateway's account.
                Arguments.of("it_engineer", "/*!KILL 5*/", Decision.REFUSED, "kill", KILL),
                Arguments.of("it_engineer", "prepare s from 'kill query 5'", Decision.REFUSED, "kill", KILL),
                Arguments.of("staff", "kill connection 12", Decision.REFUSED, "kill", KILL),
                // Warnings quote the values a conversion failed on.
                Arguments.of("contractor", "show warnings", Decision.REFUSED, "diagnostics", DIAGNOSTICS),
                Arguments.of("staff", "SHOW ERRORS LIMIT 5", Decision.REFUSED, "diagnostics", DIAGNOSTICS),
                Arguments.of(
                        "info_clerk",
                        "get diagnostics condition 1 @m = MESSAGE_TEXT",
                        Decision.REFUSED,
                        "diagnostics",
                        DIAGNOSTICS),
                Arguments.of("it_engineer", "show warnings", Decision.ALLOWED, null, null));
    }

    private static final String KILL = "custos: KILL must be sent on its own";
    private static final String DIAGNOSTICS = "custos: warnings and diagnostics may quote protected values";

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SET sql_mode = 'NO_BACKSLASH_ESCAPES'; select 'a\\', mobile, '#' from customer where id = 1",
                "set session sql_mode='ANSI_QUOTES'; select \"mobile\" from customer",
                "SET NAMES gbk; select 1",
                "/*!40101 SET NAMES utf8mb4 */; select mobile from customer",
                "EXECUTE s; select mobile from customer",
            })
    void checkMySql_modeChangeBeforeAnotherStatement_refusesTheMessage(String message) {
        Verdict verdict = gate.checkMySql(message, caller("it_engineer"), MySqlMode.DEFAULT);

        assertThat(verdict.refused()).isTrue();
        assertThat(verdict.refusal().orElseThrow().rule()).isEqualTo("session-change");
    }

    @ParameterizedTest
    @ValueSource(strings = {"SET sql_mode = 'ANSI_QUOTES'", "select 1; SET NAMES utf8mb4"})
    void checkMySql_modeChangeLastOrAlone_passes(String message) {
        assertThat(gate.checkMySql(message, caller("it_engineer"), MySqlMode.DEFAULT)
                        .refused())
                .isFalse();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "select name into outfile '/tmp/a' from customer",
                "select name from customer into outfile '/tmp/a'",
                "select name from customer limit 1 into outfile '/tmp/a'",
                "select name from customer where id = 1 into dumpfile '/tmp/a'",
                "select id from project union select id from project into outfile '/tmp/a'",
                "(select id from project into outfile '/tmp/a')",
                "select 1 /*! into outfile '/tmp/a' */",
                "prepare s from 'select id from project into outfile ''/tmp/a'''",
                "select 1; select id from project into outfile '/tmp/a'",
                "SELECT id FROM project INTO\nOUTFILE '/tmp/a'",
            })
    void checkMySql_intoOutfileInEveryPosition_refusedWithoutImportExport(String message) {
        Verdict verdict = gate.checkMySql(message, caller("info_clerk"), MySqlMode.DEFAULT);

        assertThat(verdict.refused()).as(message).isTrue();
        assertThat(verdict.refusal().orElseThrow().rule()).isEqualTo("import-export");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '#',
            value = {
                "CALL month_end(2026, 11)                                       # ALLOWED #",
                "call Custos_Demo.`Month_End`(2026, 11)                         # ALLOWED #",
                "CALL month_end((SELECT MAX(account_no) FROM customer_bank))    # REFUSED # routine",
                "CALL year_end(2026)                                            # REFUSED # routine",
            })
    void checkMySql_callsOfProceduresListedForTheRole(String sql, Decision decision, String rule) {
        Role reporter = new Role(
                "reporter", 1, Set.of(StatementClass.READ, StatementClass.OTHER), false, false, Set.of("MONTH_END"));
        Caller caller = new Caller("user_reporter", reporter, CLASSIFICATION, "v1", List.of(DATABASE));

        StatementVerdict verdict =
                gate.checkMySql(sql, caller, MySqlMode.DEFAULT).statements().get(0);

        assertThat(verdict.decision()).as(verdict.reason()).isEqualTo(decision);
        assertThat(verdict.rule()).isEqualTo(rule);
    }

    @ParameterizedTest
    @MethodSource("decisions")
    void checkMySql_decides(String role, String statement, Decision decision, String rule, String reason) {
        Verdict verdict = gate.checkMySql(statement, caller(role), MySqlMode.DEFAULT);

        assertThat(verdict.statements()).hasSize(1);
        StatementVerdict only = verdict.statements().get(0);
        assertThat(only.decision()).as(only.reason()).isEqualTo(decision);
        assertThat(only.rule()).isEqualTo(rule);
        if (reason == null) {
            assertThat(only.reason()).isNull();
        } else {
            assertThat(only.reason()).startsWith(reason);
        }
        if (decision == Decision.ALLOWED) {
            assertThat(verdict.sql()).isEqualTo(statement);
        }
    }

    @Test
    void checkMySql_masksQueriesAndKeepsEveryOtherByte() {
        String message = "/* app */ select id, mobile from customer where id = ? ;\n# next\nselect 'a;b' ; ";

        Verdict verdict = gate.checkMySql(message, caller("contractor"), MySqlMode.DEFAULT);

        assertThat(verdict.refused()).isFalse();
        assertThat(verdict.statements())
                .extracting(StatementVerdict::decision)
                .containsExactly(Decision.REWRITTEN, Decision.ALLOWED);
        assertThat(verdict.statements().get(0).maskedColumns()).containsExactly("custos_demo.customer.mobile");
        assertThat(verdict.sql())
                .isEqualTo("/* app */ select id, " + MASKED_MOBILE + " from customer where id = ? ;\n# next\n"
                        + "select 'a;b' ; ");
    }

    @Test
    void checkMySql_masksTheQueryOfExplain() {
        Verdict verdict =
                gate.checkMySql("explain select mobile from customer", caller("contractor"), MySqlMode.DEFAULT);

        assertThat(verdict.statements().get(0).decision()).isEqualTo(Decision.REWRITTEN);
        assertThat(verdict.sql()).isEqualTo("explain select " + MASKED_MOBILE + " from customer");
    }

    private static final String MOBILE_EQUALITY_ONLY =
            "custos: customer.mobile (level 1) may only be compared with = or IN in WHERE by role ";

    static Stream<Arguments> predicateDecisions() {
        return Stream.of(
                Arguments.of(
                        "contractor", "select id, name from customer where mobile = ?", Decision.REWRITTEN, null, null),
                Arguments.of(
                        "contractor",
                        "select id from customer where mobile in (?, ?) or mobile <=> ?",
                        Decision.ALLOWED,
                        null,
                        null),
                Arguments.of(
                        "contractor",
                        "select id from customer where mobile like '138%'",
                        Decision.REFUSED,
                        "predicate",
                        MOBILE_EQUALITY_ONLY + "contractor"),
                Arguments.of(
                        "contractor",
                        "select id from Customer where MOBILE rlike '^138'",
                        Decision.REFUSED,
                        "predicate",
                        MOBILE_EQUALITY_ONLY + "contractor"),
                Arguments.of(
                        "contractor",
                        "select id from customer where name = 'x'",
                        Decision.REFUSED,
                        "predicate",
                        "custos: customer.name (level 1) may not be used in WHERE by role contractor"),
                Arguments.of(
                        "staff",
                        "select customer_id from customer_asset where annual_income > 100000",
                        Decision.REFUSED,
                        "predicate",
                        "custos: customer_asset.annual_income (level 2) may not be used in WHERE by role staff"),
                Arguments.of(
                        "staff",
                        "select id from customer where name like 'x%' order by mobile",
                        Decision.ALLOWED,
                        null,
                        null),
                Arguments.of(
                        "contractor",
                        "select id from customer order by mobile limit 1",
                        Decision.REFUSED,
                        "result-shaping",
                        "custos: customer.mobile (level 1) may not be used in ORDER BY by role contractor"),
                Arguments.of(
                        "contractor",
                        "select name, count(*) from customer group by name with rollup",
                        Decision.REFUSED,
                        "result-shaping",
                        "custos: customer.name (level 1) may not be used in GROUP BY by role contractor"),
                Arguments.of(
                        "staff",
                        "(select customer_id from customer_bank order by account_no limit 1) union (select id from"
                                + " project)",
                        Decision.REFUSED,
                        "result-shaping",
                        "custos: customer_bank.account_no (level 3) may not be used in ORDER BY by role staff"),
                // EXPLAIN and DESCRIBE of a statement are decided as the statement; ANALYZE runs it.
                Arguments.of(
                        "contractor",
                        "explain select id from customer where mobile like '1%'",
                        Decision.REFUSED,
                        "predicate",
                        MOBILE_EQUALITY_ONLY + "contractor"),
                Arguments.of(
                        "contractor",
                        "describe format=json select id from customer order by name",
                        Decision.REFUSED,
                        "result-shaping",
                        "custos: customer.name (level 1) may not be used in ORDER BY by role contractor"),
                Arguments.of(
                        "contractor", "explain select id from customer where mobile = ?", Decision.ALLOWED, null, null),
                Arguments.of(
                        "contractor",
                        "explain delete from project",
                        Decision.REFUSED,
                        "role-permission",
                        "custos: role contractor may not run DELETE"),
                Arguments.of(
                        "staff",
                        "explain update project set name = 'x' where id = 1",
                        Decision.REFUSED,
                        "role-permission",
                        "custos: role staff may not run UPDATE"),
                Arguments.of("info_clerk", "explain update project set name = 'x'", Decision.ALLOWED, null, null),
                Arguments.of("contractor", "explain customer", Decision.ALLOWED, null, null),
                Arguments.of(
                        "contractor",
                        "analyze select id from customer where mobile like '1%'",
                        Decision.REFUSED,
                        "predicate",
                        MOBILE_EQUALITY_ONLY + "contractor"),
                Arguments.of(
                        "contractor",
                        "explain analyze select id from customer order by mobile",
                        Decision.REFUSED,
                        "result-shaping",
                        "custos: customer.mobile (level 1) may not be used in ORDER BY by role contractor"),
                // Writes.
                Arguments.of(
                        "updater", "update customer set name = 'x' where mobile = ?", Decision.ALLOWED, null, null),
                Arguments.of("updater", "delete from Customer where MOBILE in (?, ?)", Decision.ALLOWED, null, null),
                Arguments.of(
                        "updater",
                        "update customer set name = 'x' where mobile like '1%'",
                        Decision.REFUSED,
                        "predicate",
                        MOBILE_EQUALITY_ONLY + "updater"),
                Arguments.of(
                        "updater",
                        "delete from customer where name = 'x'",
                        Decision.REFUSED,
                        "predicate",
                        "custos: customer.name (level 1) may not be used in WHERE by role updater"),
                Arguments.of(
                        "updater",
                        "update customer set name = mobile where mobile = ?",
                        Decision.REFUSED,
                        "laundering",
                        LAUNDERING),
                Arguments.of(
                        "info_clerk",
                        "update customer_bank set bank_name = 'x' where account_no = ?",
                        Decision.REFUSED,
                        "predicate",
                        "custos: customer_bank.account_no (level 3) may not be used in WHERE by role info_clerk"),
                Arguments.of(
                        "updater",
                        "update customer set name = 'x' where mobile = ? order by id limit 1",
                        Decision.REFUSED,
                        "laundering",
                        LAUNDERING),
                Arguments.of(
                        "updater",
                        "update customer c join project p on p.id = c.id set c.name = 'x' where c.mobile = ?",
                        Decision.REFUSED,
                        "laundering",
                        LAUNDERING));
    }

    @ParameterizedTest
    @MethodSource("predicateDecisions")
    void checkMySql_predicatesAndResultShapingFollowTheFilters(
            String role, String statement, Decision decision, String rule, String reason) {
        StatementVerdict only = gate.checkMySql(statement, caller(role), MySqlMode.DEFAULT)
                .statements()
                .get(0);

        assertThat(only.decision()).as(only.reason()).isEqualTo(decision);
        assertThat(only.rule()).isEqualTo(rule);
        if (reason == null) {
            assertThat(only.reason()).isNull();
        } else {
            assertThat(only.reason()).startsWith(reason);
        }
        if (decision == Decision.ALLOWED) {
            assertThat(only.sql()).isEqualTo(statement);
        }
    }

    /** MariaDB Connector/J sends every statement with a query timeout as SET STATEMENT max_statement_time=n FOR …. */
    @Test
    void checkMySql_masksTheStatementOfSetStatement() {
        String message = "SET STATEMENT max_statement_time=20, long_query_time = 'x' FOR select mobile from customer";

        Verdict verdict = gate.checkMySql(message, caller("contractor"), MySqlMode.DEFAULT);

        assertThat(verdict.statements().get(0).decision()).isEqualTo(Decision.REWRITTEN);
        assertThat(verdict.sql())
                .isEqualTo("SET STATEMENT max_statement_time=20, long_query_time = 'x' FOR select " + MASKED_MOBILE
                        + " from customer");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "set statement max_statement_time=1 for update customer set name = 'x'",
                "set statement max_statement_time=1 for select account_no into @m from customer_bank",
                "set statement max_statement_time=1 for select mobile from customer into outfile '/tmp/m'",
                "set statement sql_mode='ANSI_QUOTES' for select \"mobile\" from customer",
                "set statement character_set_client=big5 for select id from customer",
                "set statement max_statement_time=(select mobile from customer limit 1) for select 1 from customer",
                "set statement max_statement_time=@v for select id from customer",
                "set statement max_statement_time=1 select id from customer"
            })
    void checkMySql_refusesWhatSetStatementRunsOrChanges(String statement) {
        Verdict verdict = gate.checkMySql(statement, caller("staff"), MySqlMode.DEFAULT);

        assertThat(verdict.refused()).as(statement).isTrue();
    }

    @Test
    void checkMySql_refusesWholeMessageForOneRefusedStatement() {
        Verdict verdict = gate.checkMySql(
                "select 1; update project set name = 'x'; select 2", caller("staff"), MySqlMode.DEFAULT);

        assertThat(verdict.refused()).isTrue();
        assertThat(verdict.statements())
                .extracting(StatementVerdict::decision)
                .containsExactly(Decision.ALLOWED, Decision.REFUSED, Decision.ALLOWED);
    }

    @Test
    void checkMySql_noDatabaseSelected_failsClosedOnClassifiedTables() {
        Caller noDatabase = caller("contractor", List.of());

        assertThat(gate.checkMySql("select mobile from customer", noDatabase, MySqlMode.DEFAULT)
                        .refusal()
                        .orElseThrow()
                        .rule())
                .isEqualTo("unanalysable");
        assertThat(gate.checkMySql("select mobile from custos_demo.customer", noDatabase, MySqlMode.DEFAULT)
                        .statements()
                        .get(0)
                        .decision())
                .isEqualTo(Decision.REWRITTEN);
        assertThat(gate.checkMySql("select 1", noDatabase, MySqlMode.DEFAULT).refused())
                .isFalse();
    }

    @Test
    void checkMySql_readsTextUnderTheSessionMode() {
        String message = "select \"mobile\" from customer";

        Verdict quotes = gate.checkMySql(message, caller("contractor"), MySqlMode.DEFAULT);
        Verdict ansi = gate.checkMySql(message, caller("contractor"), new MySqlMode(true, false));

        assertThat(quotes.statements().get(0).decision()).isEqualTo(Decision.ALLOWED);
        assertThat(ansi.statements().get(0).decision()).isEqualTo(Decision.REWRITTEN);
    }

    @Test
    void checkMySql_cacheSeparatesDialects() {
        String statement = "select mobile from customer";
        Caller postgresCaller = new Caller("u", ROLES.get("contractor"), CLASSIFICATION, "v1", List.of(DATABASE));

        Verdict mysql = gate.checkMySql(statement, caller("contractor"), MySqlMode.DEFAULT);
        Verdict postgres = gate.check(statement, postgresCaller, true);
        Verdict mysqlAgain = gate.checkMySql(statement, caller("contractor"), MySqlMode.DEFAULT);

        assertThat(mysql.sql()).contains("AS `mobile`");
        assertThat(postgres.sql()).contains("AS mobile").doesNotContain("`");
        assertThat(mysqlAgain.sql()).isEqualTo(mysql.sql());
    }

    @Test
    void checkMySql_cacheSeparatesModes() {
        Classification backslash = new Classification(
                List.of(new ColumnRule(DATABASE, "customer", "mobile", 1, new Mask.Full("\\"), Filter.ALLOW)));
        Caller caller = new Caller("u", ROLES.get("contractor"), backslash, "v2", List.of(DATABASE));
        String statement = "select mobile from customer";

        String escaping = gate.checkMySql(statement, caller, MySqlMode.DEFAULT).sql();
        String plain =
                gate.checkMySql(statement, caller, new MySqlMode(false, true)).sql();

        assertThat(escaping).contains("ELSE '\\\\' END");
        assertThat(plain).contains("ELSE '\\' END");
    }

    private static Caller caller(String role) {
        return caller(role, List.of(DATABASE));
    }

    private static Caller caller(String role, List<String> searchPath) {
        return new Caller("user_" + role, ROLES.get(role), CLASSIFICATION, "v1", searchPath);
    }

    private static CatalogTable table(String name, CatalogColumn... columns) {
        return new CatalogTable(DATABASE, name, List.of(columns));
    }

    private static CatalogColumn column(String name, String type, boolean textual) {
        return new CatalogColumn(name, type, textual);
    }

    /** The demo policy's filters: deny, the default, but equality for mobile. */
    private static ColumnRule rule(String table, String column, int level, Mask mask) {
        return rule(table, column, level, mask, Filter.DENY);
    }

    private static ColumnRule rule(String table, String column, int level, Mask mask, Filter filter) {
        return new ColumnRule(DATABASE, table, column, level, mask, filter);
    }
}
