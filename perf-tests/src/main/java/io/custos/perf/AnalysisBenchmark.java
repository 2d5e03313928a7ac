package io.custos.perf;

import io.custos.policy.Policy;
import io.custos.policy.PolicyLoader;
import io.custos.rewrite.Caller;
import io.custos.rewrite.Catalog;
import io.custos.rewrite.CatalogColumn;
import io.custos.rewrite.CatalogTable;
import io.custos.rewrite.Decision;
import io.custos.rewrite.StatementGate;
import io.custos.rewrite.Verdict;
import io.custos.rewrite.analysis.QueryMasker;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of deciding a typical query of the sample database through {@link StatementGate}, as the role contractor
 * (clearance 0, so the query is analysed and rewritten): {@code cold} is a statement the analysis cache has not seen
 * (each call a new literal, so a new text), {@code cached} the same text again, found whole in the message cache
 * (decoded from bytes on every call, as a session decodes what the client sent, so that its hash is computed each
 * time). Sample time gives the median and the 99th percentile. Run by hand, for example
 *
 * <pre>
 * java -cp … org.openjdk.jmh.Main AnalysisBenchmark -f 1 -wi 3 -i 5
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AnalysisBenchmark {
    static final String QUERY = "SELECT c.id, c.name, c.mobile, p.city, b.account_no FROM customer c"
            + " JOIN project p ON p.id = c.project_id JOIN customer_bank b ON b.customer_id = c.id WHERE c.id = ";
    private static final byte[] CACHED = (QUERY + 1).getBytes(StandardCharsets.UTF_8);

    private StatementGate gate;
    private Caller contractor;
    private long next;

    @Setup
    public void setUp() {
        Catalog catalog = sampleCatalog();
        gate = new StatementGate(new QueryMasker(() -> catalog), () -> catalog, 10_000);
        Policy policy = demoPolicy();
        contractor = new Caller(
                "contractor",
                policy.roles().get("contractor"),
                policy.classification(),
                policy.version(),
                List.of("public"));
        if (gate.check(QUERY + 1, contractor, true).statements().get(0).decision() != Decision.REWRITTEN) {
            throw new IllegalStateException("the benchmark query is not rewritten for contractor");
        }
    }

    @Benchmark
    public Verdict cold() {
        return gate.check(QUERY + (1_000_000 + next++), contractor, true);
    }

    @Benchmark
    public Verdict cached() {
        return gate.check(new String(CACHED, StandardCharsets.UTF_8), contractor, true);
    }

    /** The sample schema's tables as the gateway's catalog reads them from PostgreSQL. */
    static Catalog sampleCatalog() {
        return Catalog.of(
                List.of(
                        table("project", "id bigint", "name character varying(100)", "city character varying(40)"),
                        table(
                                "customer",
                                "id bigint",
                                "project_id bigint",
                                "name character varying(40)",
                                "id_card_no character varying(18)",
                                "mobile character varying(11)",
                                "home_address character varying(200)",
                                "employer character varying(100)",
                                "created_at timestamp without time zone"),
                        table(
                                "customer_asset",
                                "customer_id bigint",
                                "property_value numeric(14,2)",
                                "annual_income numeric(14,2)",
                                "vehicle_count integer"),
                        table(
                                "customer_bank",
                                "customer_id bigint",
                                "bank_name character varying(60)",
                                "account_no character varying(30)",
                                "credit_card_no character varying(19)",
                                "investment_summary text"),
                        table(
                                "service_ticket",
                                "id bigint",
                                "customer_id bigint",
                                "category character varying(30)",
                                "content text",
                                "status character varying(20)",
                                "created_at timestamp without time zone")),
                1);
    }

    private static CatalogTable table(String name, String... columns) {
        return new CatalogTable(
                "public",
                name,
                Arrays.stream(columns)
                        .map(column -> {
                            String type = column.substring(column.indexOf(' ') + 1);
                            return new CatalogColumn(
                                    column.substring(0, column.indexOf(' ')),
                                    type,
                                    type.startsWith("character") || type.equals("text"));
                        })
                        .toList());
    }

    private static Policy demoPolicy() {
        try (InputStream in = AnalysisBenchmark.class.getResourceAsStream("/io/custos/cli/demo-policy.yaml")) {
            if (in == null) {
                throw new IllegalStateException("the demo policy is not on the class path");
            }
            return PolicyLoader.parse(
                    new String(in.readAllBytes(), StandardCharsets.UTF_8), "demo-policy.yaml", Path.of("."));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
