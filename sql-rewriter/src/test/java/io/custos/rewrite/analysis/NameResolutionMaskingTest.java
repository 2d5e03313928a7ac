package io.custos.rewrite.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.policy.Role;
import io.custos.policy.StatementClass;
import io.custos.rewrite.Caller;
import io.custos.rewrite.Catalog;
import io.custos.rewrite.CatalogColumn;
import io.custos.rewrite.CatalogTable;
import io.custos.rewrite.MySqlMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Names resolve as the servers resolve them. PostgreSQL: unquoted names fold to lower case, quoted ones keep their
 * case, unqualified tables follow the search path in order (a schema the catalog lacks, such as the session's
 * pg_temp_N, is passed over), {@code db.schema.table} names the current database. MySQL: column names match without
 * case, unqualified tables resolve in the current database, {@code db.table} in another, and tables that differ in
 * case alone on a server comparing names with case fail closed. Each row: dialect, search path ({@code ;}-separated,
 * {@code -} for none), query, and the masked columns, {@code unchanged} or {@code unanalysable}.
 */
class NameResolutionMaskingTest {
    private static final Catalog POSTGRES = Catalog.of(postgresTables(), 21).withNames("custos_demo", false);
    private static final Catalog MYSQL = Catalog.of(mySqlTables(), 22).withNames("", true);

    private final QueryMasker postgres = new QueryMasker(() -> POSTGRES);
    private final QueryMasker mySql = new QueryMasker(() -> MYSQL);

    @BeforeAll
    static void warmUp() {
        QueryMasker.warmUp();
    }

    @ParameterizedTest(name = "{0} [{1}] {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "pg | public                       | SELECT mobile FROM customer                          | customer.mobile",
                "pg | archive;public               | SELECT mobile FROM customer                          | unchanged",
                "pg | public;archive               | SELECT mobile FROM customer                          | customer.mobile",
                "pg | archive;public               | SELECT mobile FROM public.customer                   | customer.mobile",
                "pg | archive                      | SELECT mobile FROM project                           | unanalysable",
                "pg | pg_temp_3;pg_catalog;public  | SELECT mobile FROM customer                          | customer.mobile",
                "pg | public                       | SELECT mobile FROM Customer                          | customer.mobile",
                "pg | public                       | SELECT MOBILE FROM CUSTOMER                          | customer.mobile",
                "pg | public                       | SELECT mobile FROM \"Customer\"                      | unchanged",
                "pg | public                       | SELECT \"mobile\" FROM customer                      | customer.mobile",
                "pg | public                       | SELECT \"Mobile\" FROM customer                      | unanalysable",
                "pg | public                       | SELECT mobile FROM custos_demo.public.customer       | customer.mobile",
                "pg | public                       | SELECT c.mobile FROM custos_demo.public.customer c   | customer.mobile",
                "pg | public                       | SELECT public.customer.mobile, public.customer.id FROM public.customer | customer.mobile",
                "pg | public                       | SELECT custos_demo.public.customer.mobile FROM custos_demo.public.customer | customer.mobile",
                "pg | archive                      | SELECT mobile FROM custos_demo.archive.customer      | unchanged",
                "pg | public                       | SELECT mobile FROM other_db.public.customer          | unanalysable",
                "my | custos_demo                  | SELECT mobile FROM customer                          | customer.mobile",
                "my | other                        | SELECT mobile FROM customer                          | unchanged",
                "my | -                            | SELECT mobile FROM customer                          | unanalysable",
                "my | other                        | SELECT mobile FROM custos_demo.customer              | customer.mobile",
                "my | custos_demo                  | SELECT MOBILE, Name FROM customer                    | customer.mobile;customer.name",
                "my | custos_demo                  | SELECT c.MOBILE FROM custos_demo.customer c          | customer.mobile",
                "my | custos_demo                  | SELECT custos_demo.customer.mobile, custos_demo.customer.id FROM custos_demo.customer | customer.mobile",
                "my | custos_demo                  | SELECT * FROM ticket                                 | unanalysable",
                "my | custos_demo                  | SELECT * FROM Ticket                                 | unanalysable",
            })
    void mask_resolvesNamesAsTheServer(String dialect, String path, String sql, String expected) {
        boolean my = dialect.equals("my");
        List<String> searchPath = path.equals("-") ? List.of() : Arrays.asList(path.split(";"));
        Caller caller = new Caller(
                "user0",
                new Role("role0", 0, Set.of(StatementClass.values()), false),
                my ? MySqlSampleDatabase.CLASSIFICATION : SampleDatabase.CLASSIFICATION,
                "names",
                searchPath);

        MaskOutcome outcome = my
                ? mySql.maskMySql(sql, MySqlSampleDatabase.prepare(sql), caller, MySqlMode.DEFAULT)
                : postgres.mask(sql, SampleDatabase.prepare(sql), caller);

        switch (expected) {
            case "unchanged" -> assertThat(outcome).isEqualTo(new MaskOutcome.Unchanged());
            case "unanalysable" -> assertThat(outcome).isInstanceOf(MaskOutcome.Unanalysable.class);
            default -> {
                String schema = my ? MySqlSampleDatabase.DATABASE + "." : "public.";
                assertThat(outcome).isInstanceOf(MaskOutcome.Rewritten.class);
                assertThat(((MaskOutcome.Rewritten) outcome).maskedColumns())
                        .containsExactlyElementsOf(Arrays.stream(expected.split(";"))
                                .map(name -> schema + name)
                                .toList());
            }
        }
    }

    private static List<CatalogTable> postgresTables() {
        List<CatalogTable> tables = new ArrayList<>(SampleDatabase.CATALOG.tables());
        tables.add(new CatalogTable(
                "archive", "customer", List.of(number("id"), new CatalogColumn("mobile", "text", true))));
        tables.add(new CatalogTable(
                "public", "Customer", List.of(number("id"), new CatalogColumn("mobile", "text", true))));
        return tables;
    }

    private static List<CatalogTable> mySqlTables() {
        List<CatalogTable> tables = new ArrayList<>(MySqlSampleDatabase.CATALOG.tables());
        tables.add(new CatalogTable(
                "other", "customer", List.of(number("id"), new CatalogColumn("mobile", "varchar(11)", true))));
        tables.add(new CatalogTable(MySqlSampleDatabase.DATABASE, "ticket", List.of(number("id"))));
        tables.add(new CatalogTable(
                MySqlSampleDatabase.DATABASE,
                "Ticket",
                List.of(number("id"), new CatalogColumn("mobile", "varchar(11)", true))));
        return tables;
    }

    private static CatalogColumn number(String name) {
        return new CatalogColumn(name, "bigint", false);
    }
}
