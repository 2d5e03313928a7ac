package io.custos.rewrite.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.custos.policy.StatementClass;
import io.custos.rewrite.postgres.LexedStatement.Verb;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PostgresLexerTest {
    static Stream<Arguments> splits() {
        return Stream.of(
                Arguments.of("select 1; select 2", true, List.of("select 1", "select 2")),
                Arguments.of("select ';'; select 2", true, List.of("select ';'", "select 2")),
                Arguments.of("select 'it''s;'; select 2", true, List.of("select 'it''s;'", "select 2")),
                Arguments.of("select E'\\';'; select 2", true, List.of("select E'\\';'", "select 2")),
                Arguments.of("select e'\\\\'; select 2", true, List.of("select e'\\\\'", "select 2")),
                Arguments.of("select '\\';'; select 2", false, List.of("select '\\';'", "select 2")),
                Arguments.of("select '\\';'; select 2", true, List.of("select '\\'", "'; select 2")),
                Arguments.of("select N'\\';'; select 2", false, List.of("select N'\\';'", "select 2")),
                Arguments.of("select $$;$$; select 2", true, List.of("select $$;$$", "select 2")),
                Arguments.of("select $a$ $$; $a$; select 2", true, List.of("select $a$ $$; $a$", "select 2")),
                Arguments.of(
                        "select $a$ $b$ ; $b$ $a$; select 2", true, List.of("select $a$ $b$ ; $b$ $a$", "select 2")),
                Arguments.of("select $_x1$;$_x$;$_x1$; select 2", true, List.of("select $_x1$;$_x$;$_x1$", "select 2")),
                Arguments.of(
                        "select x$$a; select $$ from t; select 2",
                        true,
                        List.of("select x$$a", "select $$ from t; select 2")),
                Arguments.of(
                        "select /* ; /* ; */ ; */ 1; select 2",
                        true,
                        List.of("select /* ; /* ; */ ; */ 1", "select 2")),
                Arguments.of("select 1 -- ; comment\n; select 2", true, List.of("select 1", "select 2")),
                Arguments.of("select (1; 2); select 3", true, List.of("select (1; 2)", "select 3")),
                Arguments.of("select array[1; 2]; select 3", true, List.of("select array[1; 2]", "select 3")),
                Arguments.of("select \"a;b\" from t; select 2", true, List.of("select \"a;b\" from t", "select 2")),
                Arguments.of(
                        "select \"a\"\";b\" from t; select 2", true, List.of("select \"a\"\";b\" from t", "select 2")),
                Arguments.of(";;  ; select 1 ;; ", true, List.of("select 1")),
                Arguments.of("  /* only */ -- comments\n ; ", true, List.of()),
                Arguments.of("", true, List.of()),
                Arguments.of("select 'a'\n';'; select 2", true, List.of("select 'a'\n';'", "select 2")),
                Arguments.of("select 'a' -- c\n  ';'; select 2", true, List.of("select 'a' -- c\n  ';'", "select 2")),
                Arguments.of("select 'a' ';'; select 2", true, List.of("select 'a' ';'", "select 2")),
                Arguments.of("select E'a'\n'\\';'; select 2", true, List.of("select E'a'\n'\\';'", "select 2")),
                Arguments.of("select X'1F''; select 2; '", true, List.of("select X'1F''; select 2; '")),
                Arguments.of(
                        "select U&'d!0061t;' UESCAPE '!'; select 2",
                        true,
                        List.of("select U&'d!0061t;' UESCAPE '!'", "select 2")),
                Arguments.of("select 1 as begin; select 2", true, List.of("select 1 as begin", "select 2")),
                Arguments.of(
                        "create function f() returns int language sql begin atomic select 1; "
                                + "select case when true then 2 end; end; select 3",
                        true,
                        List.of(
                                "create function f() returns int language sql begin atomic select 1; "
                                        + "select case when true then 2 end; end",
                                "select 3")),
                Arguments.of(
                        "create or replace procedure p() language sql begin atomic delete from t; end; delete from u",
                        true,
                        List.of(
                                "create or replace procedure p() language sql begin atomic delete from t; end",
                                "delete from u")),
                Arguments.of("begin; select 1; end;", true, List.of("begin", "select 1", "end")),
                Arguments.of("select 1 /* open ; select 2", true, List.of("select 1")),
                Arguments.of("select a-- b;\n;c", true, List.of("select a", "c")),
                Arguments.of("select a+/* ; */b; c", true, List.of("select a+/* ; */b", "c")));
    }

    @ParameterizedTest
    @MethodSource("splits")
    void split_statements(String message, boolean standardConformingStrings, List<String> expected) {
        List<LexedStatement> statements = PostgresLexer.split(message, standardConformingStrings);

        assertThat(statements).extracting(LexedStatement::text).containsExactlyElementsOf(expected);
        for (LexedStatement statement : statements) {
            assertThat(message.substring(statement.start(), statement.end())).isEqualTo(statement.text());
        }
    }

    static Stream<Arguments> classes() {
        return Stream.of(
                Arguments.of("select 1", StatementClass.READ),
                Arguments.of("SELECT * FROM customer", StatementClass.READ),
                Arguments.of("values (1), (2)", StatementClass.READ),
                Arguments.of("table customer", StatementClass.READ),
                Arguments.of("(select 1) union (select 2)", StatementClass.READ),
                Arguments.of("((select 1))", StatementClass.READ),
                Arguments.of("with x as (select 1) select * from x", StatementClass.READ),
                Arguments.of(
                        "with recursive r(n) as (select 1 union all select n + 1 from r) "
                                + "search depth first by n set ord select * from r",
                        StatementClass.READ),
                Arguments.of(
                        "with r as (select 1 as a, 2 as b) cycle a, b set looped to true default false "
                                + "using path select * from r",
                        StatementClass.READ),
                Arguments.of("with update as (select 1) select * from update", StatementClass.READ),
                Arguments.of("with x as (delete from t returning *) select * from x", StatementClass.DELETE),
                Arguments.of("with x as (update t set a = 1 returning *) select * from x", StatementClass.UPDATE),
                Arguments.of(
                        "with x as not materialized (select 1), y as (insert into t values (1)) " + "select * from x",
                        StatementClass.INSERT),
                Arguments.of("with x as materialized (select 1) insert into t select * from x", StatementClass.INSERT),
                Arguments.of("with x as (select 1) delete from t", StatementClass.DELETE),
                Arguments.of("insert into t values (1)", StatementClass.INSERT),
                Arguments.of("insert into t values (1) on conflict (id) do update set a = 2", StatementClass.INSERT),
                Arguments.of("update t set a = 1", StatementClass.UPDATE),
                Arguments.of("delete from t", StatementClass.DELETE),
                Arguments.of("truncate t", StatementClass.DELETE),
                Arguments.of(
                        "merge into t using s on t.id = s.id when matched then update set a = s.a",
                        StatementClass.UPDATE),
                Arguments.of("create table t (a int)", StatementClass.DDL),
                Arguments.of("create table t as select * from customer", StatementClass.DDL),
                Arguments.of("select * into t from customer", StatementClass.DDL),
                Arguments.of("select * into temp t from customer union select * from customer", StatementClass.DDL),
                Arguments.of("alter table t add column b int", StatementClass.DDL),
                Arguments.of("drop table t", StatementClass.DDL),
                Arguments.of("grant select on t to u", StatementClass.DDL),
                Arguments.of("revoke select on t from u", StatementClass.DDL),
                Arguments.of("comment on table t is 'x'", StatementClass.DDL),
                Arguments.of("security label on table t is 'x'", StatementClass.DDL),
                Arguments.of("reindex table t", StatementClass.DDL),
                Arguments.of("cluster t", StatementClass.DDL),
                Arguments.of("refresh materialized view v", StatementClass.DDL),
                Arguments.of("copy t to stdout", StatementClass.IMPORT_EXPORT),
                Arguments.of("copy (select * from t) to '/tmp/x'", StatementClass.IMPORT_EXPORT),
                Arguments.of("copy t from stdin", StatementClass.IMPORT_EXPORT),
                Arguments.of("select pg_read_file('/etc/passwd')", StatementClass.IMPORT_EXPORT),
                Arguments.of("begin", StatementClass.TRANSACTION),
                Arguments.of("start transaction read only", StatementClass.TRANSACTION),
                Arguments.of("commit", StatementClass.TRANSACTION),
                Arguments.of("end", StatementClass.TRANSACTION),
                Arguments.of("rollback", StatementClass.TRANSACTION),
                Arguments.of("abort", StatementClass.TRANSACTION),
                Arguments.of("savepoint s", StatementClass.TRANSACTION),
                Arguments.of("release savepoint s", StatementClass.TRANSACTION),
                Arguments.of("rollback to savepoint s", StatementClass.TRANSACTION),
                Arguments.of("prepare transaction 'x'", StatementClass.TRANSACTION),
                Arguments.of("commit prepared 'x'", StatementClass.TRANSACTION),
                Arguments.of("rollback prepared 'x'", StatementClass.TRANSACTION),
                Arguments.of("set search_path = public", StatementClass.SESSION),
                Arguments.of("reset all", StatementClass.SESSION),
                Arguments.of("show search_path", StatementClass.SESSION),
                Arguments.of("discard all", StatementClass.SESSION),
                Arguments.of("deallocate p", StatementClass.SESSION),
                Arguments.of("listen c", StatementClass.SESSION),
                Arguments.of("unlisten c", StatementClass.SESSION),
                Arguments.of("notify c, 'x'", StatementClass.SESSION),
                Arguments.of("fetch 10 from c", StatementClass.SESSION),
                Arguments.of("move next in c", StatementClass.SESSION),
                Arguments.of("close c", StatementClass.SESSION),
                Arguments.of("prepare p as select * from t", StatementClass.READ),
                Arguments.of("prepare p (int, text) as delete from t where a = $1", StatementClass.DELETE),
                Arguments.of("execute p (1)", StatementClass.OTHER),
                Arguments.of("declare c cursor for select * from t", StatementClass.READ),
                Arguments.of("declare c binary no scroll cursor with hold for select * from t", StatementClass.READ),
                Arguments.of("explain select * from t", StatementClass.READ),
                Arguments.of("explain verbose select * from t", StatementClass.READ),
                Arguments.of("explain (format json) delete from t", StatementClass.READ),
                Arguments.of("explain analyze delete from t", StatementClass.DELETE),
                Arguments.of("explain analyse verbose update t set a = 1", StatementClass.UPDATE),
                Arguments.of("explain (analyze, format json) insert into t values (1)", StatementClass.INSERT),
                Arguments.of("call p()", StatementClass.OTHER),
                Arguments.of("do $$ begin end $$", StatementClass.OTHER),
                Arguments.of("vacuum t", StatementClass.OTHER),
                Arguments.of("analyze t", StatementClass.OTHER),
                Arguments.of("lock table t", StatementClass.OTHER),
                Arguments.of("checkpoint", StatementClass.OTHER),
                Arguments.of("load 'x'", StatementClass.OTHER),
                Arguments.of("select 'unterminated", StatementClass.OTHER),
                Arguments.of("\"select\" 1", StatementClass.OTHER));
    }

    @ParameterizedTest
    @MethodSource("classes")
    void split_classifies(String statement, StatementClass expected) {
        assertThat(only(statement).statementClass()).isEqualTo(expected);
    }

    static Stream<Arguments> verbs() {
        return Stream.of(
                Arguments.of("DELETE FROM t", List.of(new Verb(StatementClass.DELETE, "DELETE"))),
                Arguments.of("truncate table t", List.of(new Verb(StatementClass.DELETE, "TRUNCATE"))),
                Arguments.of(
                        "create or replace temp view v as select 1",
                        List.of(new Verb(StatementClass.DDL, "CREATE VIEW"))),
                Arguments.of("Drop Table t", List.of(new Verb(StatementClass.DDL, "DROP TABLE"))),
                Arguments.of("start transaction", List.of(new Verb(StatementClass.TRANSACTION, "START TRANSACTION"))),
                Arguments.of(
                        "insert into t values (1) on conflict (id) do update set a = 2",
                        List.of(
                                new Verb(StatementClass.INSERT, "INSERT"),
                                new Verb(StatementClass.UPDATE, "INSERT ON CONFLICT DO UPDATE"))),
                Arguments.of(
                        "insert into t values (1) on conflict do nothing",
                        List.of(new Verb(StatementClass.INSERT, "INSERT"))),
                Arguments.of(
                        "merge into t using s on t.id = s.id when matched then delete "
                                + "when not matched then insert values (s.id)",
                        List.of(
                                new Verb(StatementClass.UPDATE, "MERGE"),
                                new Verb(StatementClass.DELETE, "MERGE"),
                                new Verb(StatementClass.INSERT, "MERGE"))),
                Arguments.of(
                        "with d as (delete from t returning *) insert into u select * from d",
                        List.of(new Verb(StatementClass.INSERT, "INSERT"), new Verb(StatementClass.DELETE, "DELETE"))),
                Arguments.of(
                        "select * into t from u",
                        List.of(new Verb(StatementClass.READ, "SELECT"), new Verb(StatementClass.DDL, "SELECT INTO"))),
                Arguments.of(
                        "select lo_export(1, '/tmp/x')",
                        List.of(
                                new Verb(StatementClass.READ, "SELECT"),
                                new Verb(StatementClass.IMPORT_EXPORT, "lo_export"))));
    }

    @ParameterizedTest
    @MethodSource("verbs")
    void split_namesVerbs(String statement, List<Verb> expected) {
        assertThat(only(statement).verbs()).containsExactlyElementsOf(expected);
    }

    static Stream<Arguments> importExports() {
        return Stream.of(
                Arguments.of("select pg_read_file('/etc/passwd')", "pg_read_file"),
                Arguments.of("select PG_READ_FILE ('/x')", "pg_read_file"),
                Arguments.of("select pg_catalog.pg_read_binary_file('/x')", "pg_read_binary_file"),
                Arguments.of("select \"pg_catalog\".\"pg_ls_dir\"('.')", "pg_ls_dir"),
                Arguments.of("select Pg_Catalog . pg_stat_file('/x')", "pg_stat_file"),
                Arguments.of("select pg_read_file /* hidden */ ('/x')", "pg_read_file"),
                Arguments.of("select pg_read_file -- hidden\n('/x')", "pg_read_file"),
                Arguments.of("select U&\"\\0070g_read_file\"('/x')", "pg_read_file"),
                Arguments.of("select U&\"!0070g_read_file\" UESCAPE '!' ('/x')", "pg_read_file"),
                Arguments.of("select U&\"!0070g_read_file\" /* /* */ */ UESCAPE /**/ '!' ('/x')", "pg_read_file"),
                Arguments.of("select U&\"!0070g_read_file\" UESCAPE E'!' ('/x')", "pg_read_file"),
                Arguments.of("select U&\"!0070g_read_file\" UESCAPE $$!$$ ('/x')", "pg_read_file"),
                Arguments.of("select U&\"!0070g_read_file\" UESCAPE $q$!$q$ ('/x')", "pg_read_file"),
                Arguments.of("select U&\"!0070g_read_file\" UESCAPE E'\\041' ('/x')", "pg_read_file"),
                Arguments.of("select U&\"!0070g_read_file\" UESCAPE '!' -- it's\n('/x')", "pg_read_file"),
                Arguments.of("select * from pg_ls_waldir()", "pg_ls_waldir"),
                Arguments.of("select lo_import('/x')", "lo_import"),
                Arguments.of("select lo_export(1, '/x')", "lo_export"),
                Arguments.of("select lo_get(1), lo_put(1, 0, 'x')", "lo_get"),
                Arguments.of("select lo_from_bytea(0, 'x')", "lo_from_bytea"),
                Arguments.of("select pg_ls_logdir(), pg_ls_tmpdir()", "pg_ls_logdir"),
                Arguments.of("insert into t select pg_file_write('/x', 'y', false)", "pg_file_write"),
                Arguments.of("copy t to stdout", "COPY"),
                Arguments.of("COPY (select 1) TO PROGRAM 'cat'", "COPY"),
                Arguments.of("select \"PG_READ_FILE\"('/x')", null),
                Arguments.of("select \"pg_catalog\".\"PG_READ_FILE\"('/x')", null),
                Arguments.of("select 'pg_read_file(1)'", null),
                Arguments.of("select $$pg_read_file('x')$$", null),
                Arguments.of("select pg_read_file from t", null),
                Arguments.of("select 1 -- pg_read_file(\n", null),
                Arguments.of("select /* lo_import( */ 1", null),
                Arguments.of("select lo_importer('x')", null),
                Arguments.of("select copy from t", null));
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
                        "SELECT name FROM customer WHERE id = ? AND mobile = ?",
                        List.of("42", "13800138000")),
                Arguments.of(
                        "select * from t where x in (1001, 2002, 'three')",
                        "SELECT * FROM t WHERE x IN (?, ?, ?)",
                        List.of("1001", "2002", "three")),
                Arguments.of(
                        "select E'se\\'cret', $$dollar$$, $q$quoted$q$, B'101', X'FF', U&'\\0041bc', N'nat' "
                                + "from t where a = $1",
                        "SELECT ?, ?, ?, ?, ?, ?, ? FROM t WHERE a = $1",
                        List.of("se", "cret", "dollar", "quoted", "101", "FF", "0041", "nat")),
                Arguments.of(
                        "select /* secret comment */ 1.5e3\n\t,  -7 -- trailing secret",
                        "SELECT ? , -?",
                        List.of("secret", "1.5", "7")),
                Arguments.of("Select Name From \"Customer\"", "SELECT name FROM \"Customer\"", List.of()),
                Arguments.of(
                        "select interval '1 day', date '2024-01-01'",
                        "SELECT INTERVAL ?, date ?",
                        List.of("day", "2024")),
                Arguments.of("select 0x1F, 1_000, .5, 0b101", "SELECT ?, ?, ?, ?", List.of("1F", "000", "5", "101")),
                Arguments.of("select 'multi'\n'line'", "SELECT ?", List.of("multi", "line")),
                Arguments.of("select 'unterminated secret", "SELECT ?", List.of("secret")),
                Arguments.of("select \"unterminated from t where x = 'secret'", "SELECT ?", List.of("secret")),
                Arguments.of("select x::int, $2 from t", "SELECT x::int, $2 FROM t", List.of()));
    }

    @ParameterizedTest
    @MethodSource("normalizations")
    void split_normalizes(String statement, String expected, List<String> secrets) {
        LexedStatement lexed = only(statement);

        assertThat(lexed.normalized()).isEqualTo(expected);
        for (String secret : secrets) {
            assertThat(lexed.normalized()).doesNotContain(secret);
        }
        assertThat(lexed.digest()).matches("[0-9a-f]{64}");
    }

    @Test
    void split_digestsEqualForEqualShapes() {
        assertThat(only("select * from t where a = 1").digest())
                .isEqualTo(only("SELECT  *  FROM T WHERE a = 'x' -- c").digest())
                .isNotEqualTo(only("select * from t where b = 1").digest());
    }

    static Stream<Arguments> calciteTexts() {
        return Stream.of(
                Arguments.of("select E'a\\'b' from t", "select  '    ' from t"),
                Arguments.of("select $1, $12 from t", "select ? , ?   from t"),
                Arguments.of("select $$x\ny$$", "select '  \n  '"),
                Arguments.of("select $tag$a'b$tag$ from t", "select '" + " ".repeat(11) + "' from t"),
                Arguments.of("select 1 /* c */ -- d\n from t", "select 1" + " ".repeat(13) + "\n from t"),
                Arguments.of("select /* a /* b */ c */ 1", "select " + " ".repeat(17) + " 1"),
                Arguments.of("select 'it''s'", "select '     '"),
                Arguments.of("select X'FF', B'1', N'abc'", "select  '  ',  ' ',  '   '"),
                Arguments.of("select U&'!0041' UESCAPE '!'", "select   '" + " ".repeat(17) + "'"),
                Arguments.of("select U&\"d\\0061ta\" from t", "select \"data\"" + " ".repeat(6) + " from t"),
                Arguments.of("select 'a'\n'b' from t", "select '  \n  ' from t"),
                Arguments.of(
                        "select U&\"d!0061ta\" UESCAPE '!' from t", "select \"data\"" + " ".repeat(18) + " from t"),
                Arguments.of(
                        "select \"Customer\".name from \"Customer\"", "select \"Customer\".name from \"Customer\""),
                Arguments.of("select a::text || 'x' from t where b = ?", "select a::text || ' ' from t where b = ?"),
                // Locking clauses, as ORMs send them for pessimistic locks.
                Arguments.of("select a from t for update", "select a from t" + " ".repeat(11)),
                Arguments.of("select a from t for no key update nowait", "select a from t" + " ".repeat(25)),
                Arguments.of("select a from t x for share of x skip locked", "select a from t x" + " ".repeat(27)),
                Arguments.of("select a from t for key share for update of t, u", "select a from t" + " ".repeat(33)),
                Arguments.of("(select a from t for update) limit 1", "(select a from t           ) limit 1"),
                Arguments.of("select substring(a from 1 for 2) from t", "select substring(a from 1 for 2) from t"),
                Arguments.of("declare c cursor for select a from t", "declare c cursor for select a from t"),
                // DISTINCT ON: a comment holding the list as prepared for Calcite, which the masker reads back.
                Arguments.of("select distinct on (a, $1) b from t", "select /*a, ? " + " ".repeat(10) + "*/ b from t"),
                Arguments.of(
                        "select distinct on (f('x)')) b from t", "select /*f('  ')" + " ".repeat(10) + "*/ b from t"),
                Arguments.of("select distinct on (a,\n b) c from t", "select distinct on (a,\n b) c from t"),
                Arguments.of("select distinct b from t", "select distinct b from t"),
                // An interval constant as one string: a constant interval Calcite parses, ending where it ends.
                Arguments.of("select now() - interval '7 days'", "select now() - INTERVAL  '1' DAY"),
                Arguments.of("select interval E'1 day', 1", "select INTERVAL  '1' DAY, 1"),
                Arguments.of("select interval '1' day", "select interval ' ' day"),
                Arguments.of("select interval '1h'", "select interval '  '"),
                Arguments.of("select interval\n'1 day'", "select interval\n'     '"));
    }

    @ParameterizedTest
    @MethodSource("calciteTexts")
    void split_preparesCalciteText(String statement, String expected) {
        LexedStatement lexed = only(statement);

        assertThat(lexed.calciteText()).isEqualTo(expected).hasSameSizeAs(lexed.text());
    }

    @Test
    void split_calciteTextKeepsOffsetsInMultiStatementMessages() {
        String message = "/* lead */ select $1; select E'\\'' as \"x\"  ; select 3 -- end";

        for (LexedStatement statement : PostgresLexer.split(message, true)) {
            assertThat(statement.calciteText()).hasSameSizeAs(statement.text());
            for (int index = 0; index < statement.text().length(); index++) {
                char original = statement.text().charAt(index);
                if (Character.isLetter(original) && original != 'E') {
                    assertThat(statement.calciteText().charAt(index)).isEqualTo(original);
                }
            }
        }
    }

    static Stream<Arguments> identifierChains() {
        return Stream.of(
                Arguments.of(
                        "select c.name, public.customer.mobile from public.customer c",
                        List.of(
                                List.of("c", "name"), List.of("public", "customer", "mobile"),
                                List.of("public", "customer"), List.of("c"))),
                Arguments.of(
                        "SELECT \"Customer\".\"Name\" FROM Customer",
                        List.of(List.of("Customer", "Name"), List.of("customer"))),
                Arguments.of("select * from public . customer", List.of(List.of("public", "customer"))),
                Arguments.of("select t.* from t", List.of(List.of("t"), List.of("t"))),
                Arguments.of("select count(*) from customer_bank", List.of(List.of("count"), List.of("customer_bank"))),
                Arguments.of(
                        "select x.end from U&\"cust\\006Fmer\" x",
                        List.of(List.of("x", "end"), List.of("customer"), List.of("x"))),
                Arguments.of("select 'customer' from t", List.of(List.of("t"))),
                Arguments.of(
                        "select * from U&\"!0063ustomer_bank\" /* /* */ */ UESCAPE E'!'",
                        List.of(List.of("customer_bank"))),
                Arguments.of("select * from U&\"!0063ustomer\" UESCAPE '!'\n-- it's\n''", List.of(List.of("customer"))),
                Arguments.of("select * from U&\"\\\\x\"", List.of(List.of("\\x"))));
    }

    @ParameterizedTest
    @MethodSource("identifierChains")
    void split_collectsIdentifierChains(String statement, List<List<String>> expected) {
        assertThat(only(statement).identifierChains()).containsExactlyElementsOf(expected);
    }

    /** Unreserved key words can name tables, so they appear in chains too: the checks err on the side of refusing. */
    static Stream<Arguments> writeTargets() {
        return Stream.of(
                Arguments.of(
                        "insert into public.customer (name, mobile) values ('a', 'b')",
                        List.of("public", "customer"),
                        List.of(List.of("insert"), List.of("values"))),
                Arguments.of(
                        "update customer c set name = c.mobile, (a, b) = (1, 2) where c.id = 1",
                        List.of("customer"),
                        List.of(
                                List.of("update"),
                                List.of("c"),
                                List.of("set"),
                                List.of("c", "mobile"),
                                List.of("c", "id"))),
                Arguments.of(
                        "delete from only customer_bank where account_no = '1'",
                        List.of("customer_bank"),
                        List.of(List.of("delete"), List.of("account_no"))),
                Arguments.of(
                        "with x as (select a from s) insert into t select * from x",
                        List.of("t"),
                        List.of(List.of("x"), List.of("a"), List.of("s"), List.of("insert"), List.of("x"))),
                Arguments.of(
                        "insert into t (select a from s)",
                        List.of("t"),
                        List.of(List.of("insert"), List.of("a"), List.of("s"))),
                Arguments.of(
                        "insert into t as u (a) values (1) on conflict (a) do update set b = excluded.b, c = u.c",
                        List.of("t"),
                        List.of(
                                List.of("insert"),
                                List.of("u"),
                                List.of("values"),
                                List.of("conflict"),
                                List.of("a"),
                                List.of("update"),
                                List.of("set"),
                                List.of("u", "c"))),
                Arguments.of(
                        "merge into t using s on t.id = s.id when matched then update set a = s.a",
                        List.of("t"),
                        List.of(
                                List.of("merge"),
                                List.of("s"),
                                List.of("t", "id"),
                                List.of("s", "id"),
                                List.of("matched"),
                                List.of("update"),
                                List.of("set"),
                                List.of("s", "a"))),
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
                Arguments.of("select /* abc", true),
                Arguments.of("select 1 /* abc /* */", true),
                Arguments.of("select \"abc", true),
                Arguments.of("select \"\" from t", true),
                Arguments.of("select (1", true),
                Arguments.of("select 1)", true),
                Arguments.of("select $$abc", true),
                Arguments.of("select E'abc\\", true),
                Arguments.of("select 12abc", true),
                Arguments.of("select 1e", true),
                Arguments.of("select $1x", true),
                Arguments.of("select U&'x' uescape 'a'", true),
                Arguments.of("select U&\"\\00zz\"", true),
                Arguments.of("select U&\"x\" UESCAPE B'1'", true),
                Arguments.of("select U&\"x\" UESCAPE 'ab'", true),
                Arguments.of("select U&\"x\" UESCAPE '+'", true),
                Arguments.of("select U&\"x\" UESCAPE", true),
                Arguments.of("select U&\"x\" UESCAPE '!'", false),
                Arguments.of("select a \\ b", true),
                Arguments.of("select 1", false),
                Arguments.of("select 'a' -- c", false),
                Arguments.of("select 1e5, 1.5e-3, 0x1f, 0o17, 0b1, 1_000", false),
                Arguments.of("select U&\"\\0061\"", false),
                Arguments.of("select $1", false));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void split_flagsMalformed(String statement, boolean expected) {
        assertThat(only(statement).malformed()).isEqualTo(expected);
    }

    @Test
    void split_unicodeStringsNeedStandardConformingStrings() {
        assertThat(PostgresLexer.split("select U&'x'", false).get(0).malformed())
                .isTrue();
        assertThat(PostgresLexer.split("select U&'x'", true).get(0).malformed()).isFalse();
    }

    static Stream<Arguments> queryOffsets() {
        return Stream.of(
                Arguments.of("select 1", "select 1"),
                Arguments.of("prepare p (int) as select * from t where a = $1", "select * from t where a = $1"),
                Arguments.of("declare c cursor for select * from t", "select * from t"),
                Arguments.of("explain (format json) select * from t", "select * from t"),
                Arguments.of("explain analyze select * from t", "select * from t"),
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
        assertThat(only("insert into t values (1)").hasReturning()).isFalse();
        assertThat(only("insert into t values ('returning')").hasReturning()).isFalse();
    }

    @Test
    void split_findsSqlTextFunctions() {
        assertThat(only("select query_to_xml('select 1', true, false, '')").sqlTextFunction())
                .contains("query_to_xml");
        assertThat(only("select * from dblink('x', 'select 1') as t(a int)").sqlTextFunction())
                .contains("dblink");
        assertThat(only("select query_to_xml from t").sqlTextFunction()).isEmpty();
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
    void split_staysLinearOnHugeStatements() {
        String assignments = "update t set a = 1" + ", (a) = (1)".repeat(100_000) + " where b = 2";
        String unbalanced = "update t set " + "(a, ".repeat(100_000);
        String strings = "select " + "U&'x' /* c */ ".repeat(50_000);

        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            assertThat(only(assignments).sourceChains())
                    .containsExactly(List.of("update"), List.of("set"), List.of("b"));
            assertThat(only(unbalanced).malformed()).isTrue();
            assertThat(only(strings).normalized()).startsWith("SELECT ? ?");
        });
    }

    private static LexedStatement only(String statement) {
        List<LexedStatement> statements = PostgresLexer.split(statement, true);
        assertThat(statements).hasSize(1);
        return statements.get(0);
    }
}
