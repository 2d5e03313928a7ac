package io.custos.rewrite.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.custos.policy.StatementClass;
import io.custos.rewrite.MySqlMode;
import io.custos.rewrite.postgres.LexedStatement;
import io.custos.rewrite.postgres.LexedStatement.Verb;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MySqlLexerTest {
    private static final MySqlMode DEFAULT = MySqlMode.DEFAULT;
    private static final MySqlMode ANSI_QUOTES = new MySqlMode(true, false);
    private static final MySqlMode NO_BACKSLASH_ESCAPES = new MySqlMode(false, true);

    static Stream<Arguments> splits() {
        return Stream.of(
                Arguments.of("select 1; select 2", DEFAULT, List.of("select 1", "select 2")),
                Arguments.of("select ';'; select 2", DEFAULT, List.of("select ';'", "select 2")),
                Arguments.of("select 'it''s;'; select 2", DEFAULT, List.of("select 'it''s;'", "select 2")),
                Arguments.of("select 'a\\';'; select 2", DEFAULT, List.of("select 'a\\';'", "select 2")),
                Arguments.of("select 'a\\';'; select 2", NO_BACKSLASH_ESCAPES, List.of("select 'a\\'", "'; select 2")),
                Arguments.of(
                        "select \"a\\\";select 1\"; select 2",
                        DEFAULT,
                        List.of("select \"a\\\";select 1\"", "select 2")),
                Arguments.of("select \"a\\\";select 1", NO_BACKSLASH_ESCAPES, List.of("select \"a\\\"", "select 1")),
                Arguments.of("select \"a\\\";select 1", ANSI_QUOTES, List.of("select \"a\\\"", "select 1")),
                Arguments.of(
                        "select \"a;b\" from t; select 2", ANSI_QUOTES, List.of("select \"a;b\" from t", "select 2")),
                Arguments.of("select `a;b` from t; select 2", DEFAULT, List.of("select `a;b` from t", "select 2")),
                Arguments.of("select `a``;b` from t; select 2", DEFAULT, List.of("select `a``;b` from t", "select 2")),
                Arguments.of("select /* ; */ 1; select 2", DEFAULT, List.of("select /* ; */ 1", "select 2")),
                Arguments.of("select /* /* ; */ 1; select 2", DEFAULT, List.of("select /* /* ; */ 1", "select 2")),
                Arguments.of("select 1 # ; comment\n; select 2", DEFAULT, List.of("select 1", "select 2")),
                Arguments.of("select 1 -- ; comment\n; select 2", DEFAULT, List.of("select 1", "select 2")),
                Arguments.of("select 1 --;select 2", DEFAULT, List.of("select 1 --", "select 2")),
                Arguments.of("select 1--\t;\n; select 2", DEFAULT, List.of("select 1", "select 2")),
                Arguments.of("select 1 # c\r; select 2\n; select 3", DEFAULT, List.of("select 1", "select 3")),
                Arguments.of("select (1; 2); select 3", DEFAULT, List.of("select (1", "2)", "select 3")),
                Arguments.of("/*!40101 set names utf8 */; select 2", DEFAULT, List.of("set names utf8", "select 2")),
                Arguments.of("select 1 /*!; select 2 */", DEFAULT, List.of("select 1", "select 2")),
                Arguments.of(";;  ; select 1 ;; ", DEFAULT, List.of("select 1")),
                Arguments.of("  /* only */ # comments\n ; ", DEFAULT, List.of()),
                Arguments.of("", DEFAULT, List.of()),
                Arguments.of("select X'3B'; select 2", DEFAULT, List.of("select X'3B'", "select 2")),
                Arguments.of("select _utf8mb4';' ; select 2", DEFAULT, List.of("select _utf8mb4';'", "select 2")),
                Arguments.of("select @`a;b`; select 2", DEFAULT, List.of("select @`a;b`", "select 2")),
                Arguments.of("select @'a;b'; select 2", DEFAULT, List.of("select @'a;b'", "select 2")),
                Arguments.of("begin; select 1; commit;", DEFAULT, List.of("begin", "select 1", "commit")),
                Arguments.of(
                        "create procedure p() begin select 1; if a then delete from t; end if; end; select 2",
                        DEFAULT,
                        List.of(
                                "create procedure p() begin select 1; if a then delete from t; end if; end",
                                "select 2")),
                Arguments.of(
                        "create definer = `root`@`%` trigger g before insert on t for each row begin "
                                + "set new.a = case when new.b then 1 else 2 end; end; select 2",
                        DEFAULT,
                        List.of(
                                "create definer = `root`@`%` trigger g before insert on t for each row begin "
                                        + "set new.a = case when new.b then 1 else 2 end; end",
                                "select 2")),
                Arguments.of(
                        "create trigger g before insert on t for each row set new.a = 1; select 2",
                        DEFAULT,
                        List.of("create trigger g before insert on t for each row set new.a = 1", "select 2")),
                Arguments.of(
                        "begin not atomic delete from t; select 1; end; select 2",
                        DEFAULT,
                        List.of("begin not atomic delete from t; select 1; end", "select 2")),
                Arguments.of(
                        "if 1 then delete from t; end if; select 2",
                        DEFAULT,
                        List.of("if 1 then delete from t; end if", "select 2")),
                Arguments.of(
                        "l: loop leave l; end loop l; select 2",
                        DEFAULT,
                        List.of("l: loop leave l; end loop l", "select 2")),
                Arguments.of("select 1 /* open ; select 2", DEFAULT, List.of("select 1")),
                Arguments.of(
                        "create table event (begin int); select 2",
                        DEFAULT,
                        List.of("create table event (begin int)", "select 2")),
                Arguments.of("select a-- b;\n;c", DEFAULT, List.of("select a", "c")),
                Arguments.of("select a--b;c", DEFAULT, List.of("select a--b", "c")));
    }

    @ParameterizedTest
    @MethodSource("splits")
    void split_statements(String message, MySqlMode mode, List<String> expected) {
        List<LexedStatement> statements = MySqlLexer.split(message, mode);

        assertThat(statements).extracting(LexedStatement::text).containsExactlyElementsOf(expected);
        for (LexedStatement statement : statements) {
            assertThat(message.substring(statement.start(), statement.end())).isEqualTo(statement.text());
            assertThat(statement.calciteText()).hasSameSizeAs(statement.text());
        }
    }

    static Stream<Arguments> classes() {
        return Stream.of(
                Arguments.of("select 1", StatementClass.READ),
                Arguments.of("SELECT * FROM customer", StatementClass.READ),
                Arguments.of("table customer", StatementClass.READ),
                Arguments.of("values row(1), row(2)", StatementClass.READ),
                Arguments.of("(select 1) union (select 2)", StatementClass.READ),
                Arguments.of("with x as (select 1) select * from x", StatementClass.READ),
                Arguments.of(
                        "with recursive r (n) as (select 1 union all select n + 1 from r) select * from r",
                        StatementClass.READ),
                Arguments.of("with x as (select 1) delete from t", StatementClass.DELETE),
                Arguments.of("show tables", StatementClass.READ),
                Arguments.of("show create table customer", StatementClass.READ),
                Arguments.of("show full columns from customer", StatementClass.READ),
                Arguments.of("describe customer", StatementClass.READ),
                Arguments.of("desc customer", StatementClass.READ),
                Arguments.of("explain select * from customer", StatementClass.READ),
                Arguments.of("explain format=json delete from t", StatementClass.READ),
                Arguments.of("explain for connection 12", StatementClass.READ),
                Arguments.of("explain analyze delete from t where a = 1", StatementClass.DELETE),
                Arguments.of("analyze update t set a = 1", StatementClass.UPDATE),
                Arguments.of("help 'select'", StatementClass.READ),
                Arguments.of("handler customer read first", StatementClass.READ),
                Arguments.of("insert into t values (1)", StatementClass.INSERT),
                Arguments.of("insert t set a = 1", StatementClass.INSERT),
                Arguments.of("insert ignore into t values (1)", StatementClass.INSERT),
                Arguments.of("insert into t values (1) on duplicate key update a = 2", StatementClass.INSERT),
                Arguments.of("replace into t values (1)", StatementClass.INSERT),
                Arguments.of("update t set a = 1", StatementClass.UPDATE),
                Arguments.of("update low_priority t join u on t.id = u.id set t.a = u.a", StatementClass.UPDATE),
                Arguments.of("delete from t", StatementClass.DELETE),
                Arguments.of("delete t1 from t1 join t2 on t1.id = t2.id", StatementClass.DELETE),
                Arguments.of("truncate table t", StatementClass.DELETE),
                Arguments.of("create table t (a int)", StatementClass.DDL),
                Arguments.of("create table t select * from customer", StatementClass.DDL),
                Arguments.of("alter table t add column b int", StatementClass.DDL),
                Arguments.of("drop table t", StatementClass.DDL),
                Arguments.of("rename table t to u", StatementClass.DDL),
                Arguments.of("grant select on t to 'u'@'%'", StatementClass.DDL),
                Arguments.of("revoke select on t from u", StatementClass.DDL),
                Arguments.of("analyze table t", StatementClass.DDL),
                Arguments.of("analyze no_write_to_binlog table t", StatementClass.DDL),
                Arguments.of("optimize table t", StatementClass.DDL),
                Arguments.of("repair table t", StatementClass.DDL),
                Arguments.of("create procedure p() begin select 1; end", StatementClass.DDL),
                Arguments.of("load data infile '/tmp/x' into table t", StatementClass.IMPORT_EXPORT),
                Arguments.of("load data local infile 'x.csv' replace into table t", StatementClass.IMPORT_EXPORT),
                Arguments.of("load xml infile 'x.xml' into table t", StatementClass.IMPORT_EXPORT),
                Arguments.of("select * from t into outfile '/tmp/x'", StatementClass.IMPORT_EXPORT),
                Arguments.of("select a into dumpfile '/tmp/x' from t", StatementClass.IMPORT_EXPORT),
                Arguments.of("select load_file('/etc/passwd')", StatementClass.IMPORT_EXPORT),
                Arguments.of("select a into @a from t", StatementClass.SESSION),
                Arguments.of("start transaction", StatementClass.TRANSACTION),
                Arguments.of("begin", StatementClass.TRANSACTION),
                Arguments.of("begin work", StatementClass.TRANSACTION),
                Arguments.of("commit", StatementClass.TRANSACTION),
                Arguments.of("rollback to savepoint s", StatementClass.TRANSACTION),
                Arguments.of("savepoint s", StatementClass.TRANSACTION),
                Arguments.of("release savepoint s", StatementClass.TRANSACTION),
                Arguments.of("xa start 'x'", StatementClass.OTHER),
                Arguments.of("lock tables t read", StatementClass.OTHER),
                Arguments.of("unlock tables", StatementClass.TRANSACTION),
                Arguments.of("set names utf8mb4", StatementClass.SESSION),
                Arguments.of("set @a = 1", StatementClass.SESSION),
                Arguments.of("set session transaction isolation level read committed", StatementClass.SESSION),
                Arguments.of("set global max_connections = 10", StatementClass.OTHER),
                Arguments.of("set @@global.max_connections = 10", StatementClass.OTHER),
                Arguments.of("use custos_demo", StatementClass.SESSION),
                Arguments.of("show variables like 'sql_mode'", StatementClass.SESSION),
                Arguments.of("show global status", StatementClass.SESSION),
                Arguments.of("kill 12", StatementClass.SESSION),
                Arguments.of("deallocate prepare s", StatementClass.SESSION),
                Arguments.of("drop prepare s", StatementClass.SESSION),
                Arguments.of("prepare s from 'select * from customer where id = ?'", StatementClass.READ),
                Arguments.of("prepare s from 'delete from customer'", StatementClass.DELETE),
                Arguments.of("prepare s from 'select load_file(''/etc/passwd'')'", StatementClass.IMPORT_EXPORT),
                Arguments.of("prepare s from @sql", StatementClass.OTHER),
                Arguments.of("execute s using @a", StatementClass.OTHER),
                Arguments.of("call p(1)", StatementClass.OTHER),
                Arguments.of("do sleep(1)", StatementClass.OTHER),
                Arguments.of("flush tables", StatementClass.OTHER),
                Arguments.of("reset master", StatementClass.OTHER),
                Arguments.of("checksum table t", StatementClass.OTHER),
                Arguments.of("load index into cache t", StatementClass.OTHER),
                Arguments.of("begin not atomic select 1; end", StatementClass.OTHER),
                Arguments.of("/*!40101 delete from t */", StatementClass.DELETE),
                Arguments.of("/*M!100100 update t set a = 1 */", StatementClass.UPDATE),
                Arguments.of("select 'unterminated", StatementClass.OTHER),
                Arguments.of("`select` 1", StatementClass.OTHER),
                Arguments.of("function f", StatementClass.OTHER),
                Arguments.of("create", StatementClass.DDL));
    }

    @ParameterizedTest
    @MethodSource("classes")
    void split_classifies(String statement, StatementClass expected) {
        assertThat(only(statement).statementClass()).isEqualTo(expected);
    }

    static Stream<Arguments> verbs() {
        return Stream.of(
                Arguments.of("DELETE FROM t", List.of(new Verb(StatementClass.DELETE, "DELETE"))),
                Arguments.of("truncate t", List.of(new Verb(StatementClass.DELETE, "TRUNCATE"))),
                Arguments.of(
                        "replace into t values (1)",
                        List.of(
                                new Verb(StatementClass.INSERT, "REPLACE"),
                                new Verb(StatementClass.DELETE, "REPLACE"))),
                Arguments.of(
                        "insert into t values (1) on duplicate key update a = values(a)",
                        List.of(
                                new Verb(StatementClass.INSERT, "INSERT"),
                                new Verb(StatementClass.UPDATE, "INSERT ON DUPLICATE KEY UPDATE"))),
                Arguments.of(
                        "create or replace definer = `u`@`%` sql security invoker view v as select 1",
                        List.of(new Verb(StatementClass.DDL, "CREATE VIEW"))),
                Arguments.of("drop temporary table if exists t", List.of(new Verb(StatementClass.DDL, "DROP TABLE"))),
                Arguments.of(
                        "start transaction read only",
                        List.of(new Verb(StatementClass.TRANSACTION, "START TRANSACTION"))),
                Arguments.of(
                        "select a into @a from t",
                        List.of(
                                new Verb(StatementClass.READ, "SELECT"),
                                new Verb(StatementClass.SESSION, "SELECT INTO"))),
                Arguments.of(
                        "select * into outfile '/tmp/x' from t",
                        List.of(
                                new Verb(StatementClass.READ, "SELECT"),
                                new Verb(StatementClass.IMPORT_EXPORT, "INTO OUTFILE"))),
                Arguments.of(
                        "load data local infile 'x' replace into table t",
                        List.of(
                                new Verb(StatementClass.IMPORT_EXPORT, "LOAD DATA"),
                                new Verb(StatementClass.INSERT, "LOAD DATA"),
                                new Verb(StatementClass.DELETE, "LOAD DATA"))),
                Arguments.of(
                        "if 1 then delete from t; insert into u values (1); end if",
                        List.of(
                                new Verb(StatementClass.OTHER, "IF"),
                                new Verb(StatementClass.DELETE, "DELETE"),
                                new Verb(StatementClass.INSERT, "INSERT"))));
    }

    @ParameterizedTest
    @MethodSource("verbs")
    void split_namesVerbs(String statement, List<Verb> expected) {
        assertThat(only(statement).verbs()).containsExactlyElementsOf(expected);
    }

    static Stream<Arguments> importExports() {
        return Stream.of(
                Arguments.of("select load_file('/etc/passwd')", "load_file"),
                Arguments.of("select LOAD_FILE ('/x')", "load_file"),
                Arguments.of("select `load_file`('/x')", "load_file"),
                Arguments.of("select load_file /* hidden */ ('/x')", "load_file"),
                Arguments.of("select load_file # hidden\n('/x')", "load_file"),
                Arguments.of("insert into t select load_file('/x')", "load_file"),
                Arguments.of("select /*! load_file('/x') */", "load_file"),
                Arguments.of("select /*!50001 load_file('/x') */", "load_file"),
                Arguments.of("select /*M!100100 load_file */ ('/x')", "load_file"),
                Arguments.of("select * from t /*!50001 into outfile '/tmp/x' */", "INTO OUTFILE"),
                Arguments.of("select * from t into dumpfile '/tmp/x'", "INTO DUMPFILE"),
                Arguments.of("/*!50001 load data infile '/x' into table t */", "LOAD DATA"),
                Arguments.of("load data local infile 'x' into table t", "LOAD DATA"),
                Arguments.of("LOAD XML INFILE 'x' INTO TABLE t", "LOAD XML"),
                Arguments.of("prepare s from 'select load_file(\\'/x\\')'", "load_file"),
                Arguments.of("select 'load_file(1)'", null),
                Arguments.of("select \"load_file(1)\"", null),
                Arguments.of("select load_file from t", null),
                Arguments.of("select 1 -- load_file(\n", null),
                Arguments.of("select 1 # load_file(\n", null),
                Arguments.of("select /* load_file( */ 1", null),
                Arguments.of("select /*+ load_file( */ 1", null),
                Arguments.of("select load_filer('x')", null),
                Arguments.of("select a into @outfile from t", null),
                Arguments.of("load index into cache t", null));
    }

    @ParameterizedTest
    @MethodSource("importExports")
    void split_findsImportExport(String statement, String expected) {
        LexedStatement lexed = only(statement);

        assertThat(lexed.importExport()).isEqualTo(Optional.ofNullable(expected));
        if (expected != null) {
            assertThat(lexed.statementClass()).isEqualTo(StatementClass.IMPORT_EXPORT);
        }
    }

    static Stream<Arguments> normalizations() {
        return Stream.of(
                Arguments.of(
                        "SELECT name FROM customer WHERE id = 42 AND mobile = '13800138000'",
                        DEFAULT,
                        "SELECT name FROM customer WHERE id = ? AND mobile = ?",
                        List.of("42", "13800138000")),
                Arguments.of(
                        "select \"dq secret\", N'nat', X'C0FFEE', x'BEEF', B'1011', b'0110', 0x1F2E, 0b1101 from t",
                        DEFAULT,
                        "SELECT ?, ?, ?, ?, ?, ?, ?, ? FROM t",
                        List.of("secret", "nat", "C0FFEE", "BEEF", "1011", "0110", "1F2E", "1101")),
                Arguments.of(
                        "select _utf8mb4'intro secret', _latin1 'spaced secret', _binary 0xABCD",
                        DEFAULT,
                        "SELECT ?, ?, ?",
                        List.of("intro", "spaced", "utf8mb4", "latin1", "ABCD")),
                Arguments.of("select 'it\\'s secret', 'a''b secret'", DEFAULT, "SELECT ?, ?", List.of("secret")),
                Arguments.of("select 'joined' ' secret'", DEFAULT, "SELECT ?", List.of("joined", "secret")),
                Arguments.of(
                        "select /* secret comment */ 1.5e3,  -7 # trailing secret\n, 2 -- dash secret",
                        DEFAULT,
                        "SELECT ?, -? , ?",
                        List.of("secret", "1.5", "7")),
                Arguments.of(
                        "select /*!50001 'exec secret' */ a /*+ hint secret */ from t",
                        DEFAULT,
                        "SELECT ? a FROM t",
                        List.of("secret", "50001")),
                Arguments.of(
                        "select /*M!100100 12345, 'mariadb secret' */ 1",
                        DEFAULT,
                        "SELECT ?, ? ?",
                        List.of("secret", "12345", "100100")),
                Arguments.of(
                        "Select Name From `Customer` where x = @Var and y = @@session.sql_mode and z = ?",
                        DEFAULT,
                        "SELECT Name FROM `Customer` WHERE x = @Var AND y = @@session.sql_mode AND z = ?",
                        List.of()),
                Arguments.of(
                        "select date '2024-01-01', interval 3 day, timestamp '2024-01-01 10:00:00'",
                        DEFAULT,
                        "SELECT DATE ?, INTERVAL ? DAY, TIMESTAMP ?",
                        List.of("2024", "3", "10")),
                Arguments.of("select \"ansi name\" from t", ANSI_QUOTES, "SELECT \"ansi name\" FROM t", List.of()),
                Arguments.of(
                        "select 'no\\' escapes secret'",
                        NO_BACKSLASH_ESCAPES,
                        "SELECT ? escapes secret?",
                        List.of("no")),
                Arguments.of("select 'unterminated secret", DEFAULT, "SELECT ?", List.of("secret")),
                Arguments.of("select `unterminated from t where x = 'secret'", DEFAULT, "SELECT ?", List.of("secret")),
                Arguments.of("select /*!50001 'unterminated secret", DEFAULT, "SELECT ?", List.of("secret")),
                Arguments.of(
                        "grant select on t to 'bob'@'localhost'",
                        DEFAULT,
                        "GRANT SELECT ON t TO ?@?",
                        List.of("bob", "localhost")),
                Arguments.of("select 1abc, 2e5, t.3x from t", DEFAULT, "SELECT 1abc, ?, t.3x FROM t", List.of("2e5")));
    }

    @ParameterizedTest
    @MethodSource("normalizations")
    void split_normalizes(String statement, MySqlMode mode, String expected, List<String> secrets) {
        List<LexedStatement> statements = MySqlLexer.split(statement, mode);
        assertThat(statements).hasSize(1);
        LexedStatement lexed = statements.get(0);

        assertThat(lexed.normalized()).isEqualTo(expected);
        for (String secret : secrets) {
            assertThat(lexed.normalized()).doesNotContain(secret);
        }
        assertThat(lexed.digest()).matches("[0-9a-f]{64}");
    }

    @Test
    void split_digestsEqualForEqualShapes() {
        assertThat(only("select * from t where a = 1").digest())
                .isEqualTo(only("SELECT  *  FROM t WHERE a = 'x' # c").digest())
                .isEqualTo(
                        only("select * from t where a = _utf8mb4\"x\" /* c */").digest())
                .isNotEqualTo(only("select * from t where b = 1").digest());
    }

    static Stream<Arguments> calciteTexts() {
        return Stream.of(
                Arguments.of("select 'a\\'b' from t", DEFAULT, "select '    ' from t"),
                Arguments.of("select \"a\\\"b\" from t", DEFAULT, "select '    ' from t"),
                Arguments.of("select \"Name\" from t", ANSI_QUOTES, "select `Name` from t"),
                Arguments.of("select \"a\"\"b\" from t", ANSI_QUOTES, "select `a\"b`  from t"),
                Arguments.of("select 'a\\' from t", NO_BACKSLASH_ESCAPES, "select '  ' from t"),
                Arguments.of("select N'x', X'FF', b'1', _utf8mb4'y'", DEFAULT, "select  ' ',  '  ',  ' ',         ' '"),
                Arguments.of("select _utf8mb4 'y'", DEFAULT, "select          ' '"),
                Arguments.of("select 0x1F, 0b101, 12", DEFAULT, "select 0   , 0    , 12"),
                Arguments.of("select 'a' 'b'", DEFAULT, "select '     '"),
                Arguments.of("select 'a'\n'b'", DEFAULT, "select '  \n  '"),
                Arguments.of("select 1 /* c */ # d\n from t", DEFAULT, "select 1" + " ".repeat(12) + "\n from t"),
                Arguments.of("select 1 -- d\n from t", DEFAULT, "select 1     \n from t"),
                Arguments.of(
                        "select /*!50001 sql_no_cache */ a from t", DEFAULT, "select " + " ".repeat(24) + " a from t"),
                Arguments.of("select /*! 1 */, /*M! 2 */", DEFAULT, "select     1   ,      2"),
                Arguments.of("select /*+ BKA(t) */ a from t", DEFAULT, "select " + " ".repeat(13) + " a from t"),
                Arguments.of("select @a, @@session.sql_mode", DEFAULT, "select ? , ?" + " ".repeat(17)),
                Arguments.of("select a from t where b = ?", DEFAULT, "select a from t where b = ?"),
                Arguments.of(
                        "select a from t for update of t skip locked", DEFAULT, "select a from t" + " ".repeat(28)),
                Arguments.of("select a from t for share nowait", DEFAULT, "select a from t" + " ".repeat(17)),
                Arguments.of("select a from t lock in share mode", DEFAULT, "select a from t" + " ".repeat(19)),
                Arguments.of(
                        "select a from t use index (i1, i2) join u force key for join (k) on t.id = u.id",
                        DEFAULT,
                        "select a from t" + " ".repeat(19) + " join u" + " ".repeat(23) + " on t.id = u.id"),
                Arguments.of(
                        "select sql_calc_found_rows distinctrow high_priority a from t straight_join u",
                        DEFAULT,
                        "select " + " ".repeat(19) + " distinct   " + " ".repeat(14) + " a from t join          u"),
                Arguments.of("select doc->'$.a', doc->>'$.b' from t", DEFAULT, "select doc||'   ', doc|| '   ' from t"),
                Arguments.of(
                        "select a div 2, a mod 2, mod(a, 2), a xor b, !a, a && b || c from t",
                        DEFAULT,
                        "select a /   2, a %   2, mod(a, 2), a or  b,  a, a or b or c from t"),
                Arguments.of(
                        "select a from t where a regexp 'x' or a rlike 'y'",
                        DEFAULT,
                        "select a from t where a like   ' ' or a like  ' '"),
                Arguments.of(
                        "select @n := a into @b, @c from t partition (p1) group by a with rollup",
                        DEFAULT,
                        "select       a" + " ".repeat(12) + " from t" + " ".repeat(15) + " group by a"
                                + " ".repeat(12)),
                Arguments.of(
                        "select a collate utf8mb4_bin, row_number() over (partition by a) from t into outfile 'x'",
                        DEFAULT,
                        "select a" + " ".repeat(20) + ", row_number() over (partition by a) from t into outfile ' '"),
                Arguments.of(
                        "insert low_priority ignore into t values (1)",
                        DEFAULT,
                        "insert" + " ".repeat(20) + " into t values (1)"),
                Arguments.of("replace into t values (1)", DEFAULT, "insert  into t values (1)"),
                Arguments.of(
                        "insert into t values (1) on duplicate key update a = values(a)",
                        DEFAULT,
                        "insert into t values (1)" + " ".repeat(38)),
                Arguments.of("select replace(a, 'x', 'y') from t", DEFAULT, "select replace(a, ' ', ' ') from t"));
    }

    @ParameterizedTest
    @MethodSource("calciteTexts")
    void split_preparesCalciteText(String statement, MySqlMode mode, String expected) {
        List<LexedStatement> statements = MySqlLexer.split(statement, mode);
        assertThat(statements).hasSize(1);
        LexedStatement lexed = statements.get(0);

        assertThat(lexed.calciteText()).isEqualTo(expected).hasSameSizeAs(lexed.text());
    }

    @Test
    void split_calciteTextKeepsOffsetsInMultiStatementMessages() {
        String message = "/* lead */ select @a; select 'x\\'' as `x`  ; select 3 # end";

        for (LexedStatement statement : MySqlLexer.split(message, DEFAULT)) {
            assertThat(statement.calciteText()).hasSameSizeAs(statement.text());
            for (int index = 0; index < statement.text().length(); index++) {
                char original = statement.text().charAt(index);
                if (Character.isLetter(original) && original != 'x' && original != 'a') {
                    assertThat(statement.calciteText().charAt(index)).isEqualTo(original);
                }
            }
        }
    }

    static Stream<Arguments> identifierChains() {
        return Stream.of(
                Arguments.of(
                        "select c.name, Custos_Demo.Customer.mobile from custos_demo.customer c",
                        List.of(
                                List.of("c", "name"),
                                List.of("custos_demo", "customer", "mobile"),
                                List.of("custos_demo", "customer"),
                                List.of("c"))),
                Arguments.of(
                        "SELECT `Customer`.`Na``me` FROM `Customer`",
                        List.of(List.of("customer", "na`me"), List.of("customer"))),
                Arguments.of("select * from db . customer", List.of(List.of("db", "customer"))),
                Arguments.of("select t.* from t", List.of(List.of("t"), List.of("t"))),
                Arguments.of("select count(*) from customer_bank", List.of(List.of("count"), List.of("customer_bank"))),
                Arguments.of("select 'customer', \"customer\" from t", List.of(List.of("t"))),
                Arguments.of(
                        "select x.select from `t$1` x", List.of(List.of("x", "select"), List.of("t$1"), List.of("x"))),
                Arguments.of("select 1 from /*!50001 customer */", List.of(List.of("customer"))),
                Arguments.of("select 1 from /* customer */ t", List.of(List.of("t"))),
                Arguments.of("select @customer, 1abc from t", List.of(List.of("1abc"), List.of("t"))));
    }

    @ParameterizedTest
    @MethodSource("identifierChains")
    void split_collectsIdentifierChains(String statement, List<List<String>> expected) {
        assertThat(only(statement).identifierChains()).containsExactlyElementsOf(expected);
    }

    @Test
    void split_readsAnsiQuotedNamesAsIdentifiers() {
        LexedStatement lexed = MySqlLexer.split("select \"Mobile\" from \"Customer\"", ANSI_QUOTES)
                .get(0);

        assertThat(lexed.identifierChains()).containsExactly(List.of("mobile"), List.of("customer"));
    }

    static Stream<Arguments> writeTargets() {
        return Stream.of(
                Arguments.of(
                        "insert into custos_demo.customer (name, mobile) values ('a', 'b')",
                        List.of("custos_demo", "customer"),
                        List.of()),
                Arguments.of("insert ignore customer set name = 'a', mobile = 'b'", List.of("customer"), List.of()),
                Arguments.of(
                        "insert into t (a, b) values (1, 2) on duplicate key update b = values(b), a = a + 1",
                        List.of("t"),
                        List.of(List.of("duplicate"), List.of("a"))),
                Arguments.of(
                        "replace low_priority into t select mobile from customer",
                        List.of("t"),
                        List.of(List.of("mobile"), List.of("customer"))),
                Arguments.of(
                        "update customer c set name = c.mobile where c.id = 1",
                        List.of("customer"),
                        List.of(List.of("c"), List.of("c", "mobile"), List.of("c", "id"))),
                Arguments.of(
                        "update low_priority ignore t join customer c on t.id = c.id set t.a = c.mobile",
                        List.of("t"),
                        List.of(
                                List.of("customer"),
                                List.of("c"),
                                List.of("t", "id"),
                                List.of("c", "id"),
                                List.of("c", "mobile"))),
                Arguments.of(
                        "delete quick from customer_bank where account_no = '1'",
                        List.of("customer_bank"),
                        List.of(List.of("quick"), List.of("account_no"))),
                Arguments.of(
                        "delete t from t join customer c on t.id = c.id",
                        List.of("t"),
                        List.of(
                                List.of("t"),
                                List.of("customer"),
                                List.of("c"),
                                List.of("t", "id"),
                                List.of("c", "id"))),
                Arguments.of(
                        "prepare s from 'update customer set name = mobile'",
                        List.of("customer"),
                        List.of(List.of("prepare"), List.of("s"), List.of("mobile"))),
                Arguments.of("select a from t", null, List.of(List.of("a"), List.of("t"))));
    }

    @ParameterizedTest
    @MethodSource("writeTargets")
    void split_separatesWriteTargetFromSources(String statement, List<String> target, List<List<String>> sources) {
        LexedStatement lexed = only(statement);

        assertThat(lexed.writeTarget()).isEqualTo(Optional.ofNullable(target));
        assertThat(lexed.sourceChains()).containsExactlyElementsOf(sources);
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("select 'abc", true),
                Arguments.of("select \"abc", true),
                Arguments.of("select `abc", true),
                Arguments.of("select `` from t", true),
                Arguments.of("select /* abc", true),
                Arguments.of("select /*! abc", true),
                Arguments.of("select /*! 1 /* c */ */", true),
                Arguments.of("select /*! 1 /*! 2 */ */", true),
                Arguments.of("select (1", true),
                Arguments.of("select 1)", true),
                Arguments.of("select 'a\\", true),
                Arguments.of("select X'1'", true),
                Arguments.of("select X'GG'", true),
                Arguments.of("select B'102'", true),
                Arguments.of("select a \\ b", true),
                Arguments.of("select a[1]", true),
                Arguments.of("prepare s from 'select 1; select 2'", true),
                Arguments.of("prepare s from 'select ''x'", true),
                Arguments.of("create procedure p() begin select 1;", true),
                Arguments.of("if 1 then select 1; end if", true),
                Arguments.of("select 1", false),
                Arguments.of("select 'a' # c", false),
                Arguments.of("select 1e5, 1.5e-3, .5, 0x1f, 0b1, X'0a', B'1', 1abc, 0X1F", false),
                Arguments.of("select `a``b`", false),
                Arguments.of("select /*! 1 */", false),
                Arguments.of("prepare s from 'select ?'", false),
                Arguments.of("select 'a\\\\'", false));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void split_flagsMalformed(String statement, boolean expected) {
        assertThat(only(statement).malformed()).isEqualTo(expected);
    }

    static Stream<Arguments> queryOffsets() {
        return Stream.of(
                Arguments.of("select 1", "select 1"),
                Arguments.of("explain format = json select * from t", "select * from t"),
                Arguments.of("explain analyze select * from t", "select * from t"),
                Arguments.of("describe select * from t", "select * from t"),
                Arguments.of("with x as (select 1) select * from x", "with x as (select 1) select * from x"));
    }

    @ParameterizedTest
    @MethodSource("queryOffsets")
    void split_locatesWrappedQuery(String statement, String query) {
        LexedStatement lexed = only(statement);

        assertThat(lexed.text().substring(lexed.queryOffset())).isEqualTo(query);
    }

    @Test
    void split_findsReturning() {
        assertThat(only("insert into t values (1) returning id").hasReturning()).isTrue();
        assertThat(only("delete from t returning *").hasReturning()).isTrue();
        assertThat(only("insert into t values (1)").hasReturning()).isFalse();
        assertThat(only("insert into t values ('returning')").hasReturning()).isFalse();
    }

    @Test
    void split_findsSqlTextRunners() {
        assertThat(only("prepare s from @sql").sqlTextFunction()).contains("PREPARE FROM @var");
        assertThat(only("call sys.execute_prepared_stmt('select 1')").sqlTextFunction())
                .contains("execute_prepared_stmt");
        assertThat(only("prepare s from 'select 1'").sqlTextFunction()).isEmpty();
    }

    @Test
    void split_marksQueriesInDefinitions() {
        assertThat(only("create table t select * from customer").embedsQuery()).isTrue();
        assertThat(only("create table t (a int, b int as (a + 1) stored)").embedsQuery())
                .isTrue();
        assertThat(only("create view v as select 1").embedsQuery()).isTrue();
        assertThat(only("set @m = (select mobile from customer limit 1)").embedsQuery())
                .isTrue();
        assertThat(only("create table t (a int)").embedsQuery()).isFalse();
    }

    @Test
    void split_survivesDeepNesting() {
        String with = "with a as (".repeat(5_000) + "select 1" + ") select 1".repeat(5_000);
        String explain = "explain ".repeat(50_000) + "select 1";
        String parentheses = "select " + "(".repeat(100_000) + "1" + ")".repeat(100_000);

        assertThat(only(with).malformed()).isTrue();
        assertThat(only(explain).malformed()).isTrue();
        assertThat(only(parentheses).malformed()).isFalse();
    }

    @Test
    void split_classifiesNestedPrepares() {
        String prepare = "prepare a from 'prepare b from ''prepare c from ''''delete from t'''''''";

        assertThat(only(prepare).statementClass()).isEqualTo(StatementClass.DELETE);
        assertThat(only(prepare).writeTarget()).contains(List.of("t"));
    }

    @Test
    void split_staysLinearOnHugeMessages() {
        String assignments = "update t set a = 1" + ", a = 1".repeat(100_000) + " where b = 2";
        String unbalanced = "update t set " + "(a, ".repeat(100_000);
        String strings = "select " + "_utf8mb4'x' /*! 1 */ ".repeat(50_000);
        String statements = "select 1;".repeat(20_000);
        String block = "begin not atomic " + "if a then select 1; end if; ".repeat(20_000) + "end";

        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            assertThat(only(assignments).sourceChains()).containsExactly(List.of("b"));
            assertThat(only(unbalanced).malformed()).isTrue();
            assertThat(only(strings).normalized()).startsWith("SELECT ? ?");
            assertThat(MySqlLexer.split(statements, DEFAULT)).hasSize(20_000);
            assertThat(only(block).statementClass()).isEqualTo(StatementClass.OTHER);
        });
    }

    /** Messages assembled at random (fixed seed) from fragments that open, close or escape something. */
    @Test
    void split_neverThrowsOnArbitraryInput() {
        String[] fragments = {
            "'",
            "\"",
            "`",
            "\\",
            "/*",
            "*/",
            "/*!",
            "/*!50001",
            "/*M!",
            "/*+",
            "#",
            "-- ",
            "--",
            "\n",
            ";",
            "(",
            ")",
            "@",
            "@@",
            "?",
            "x'",
            "_utf8mb4",
            "0x",
            "0b1",
            "1e",
            ".5",
            "select",
            "prepare s from",
            "begin",
            "end",
            "if",
            "case",
            "create procedure p()",
            "into",
            "outfile",
            "load_file(",
            "for update",
            "use index (",
            "->>",
            ":=",
            "&&",
            " ",
            "a",
            "customer",
            "replace",
            "on duplicate key update",
            "with x as (",
            "explain"
        };
        java.util.Random random = new java.util.Random(20_261_203L);
        for (MySqlMode mode : List.of(DEFAULT, ANSI_QUOTES, NO_BACKSLASH_ESCAPES)) {
            for (int round = 0; round < 2_000; round++) {
                StringBuilder message = new StringBuilder();
                int count = random.nextInt(30);
                for (int index = 0; index < count; index++) {
                    message.append(fragments[random.nextInt(fragments.length)]);
                }
                for (LexedStatement statement : MySqlLexer.split(message.toString(), mode)) {
                    assertThat(statement.calciteText()).hasSameSizeAs(statement.text());
                    assertThat(statement.verbs()).isNotEmpty();
                }
            }
        }
    }

    private static LexedStatement only(String statement) {
        List<LexedStatement> statements = MySqlLexer.split(statement, DEFAULT);
        assertThat(statements).hasSize(1);
        return statements.get(0);
    }
}
