package io.custos.perf.bench;

import io.custos.rewrite.Caller;
import io.custos.rewrite.Decision;
import io.custos.rewrite.MySqlMode;
import io.custos.rewrite.StatementGate;
import io.custos.rewrite.Verdict;
import io.custos.rewrite.mysql.MySqlLexer;
import io.custos.rewrite.postgres.LexedStatement;
import io.custos.rewrite.postgres.PostgresLexer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-statement path of the gate, on a typical sample-database query (a contractor's point select of masked
 * customer columns):
 *
 * <ul>
 *   <li>{@code splitPostgres}, {@code splitMySql}: the dialect lexers splitting and classifying a message;
 *   <li>{@code cached}: {@link StatementGate#check} of a message it has decided before, found whole in the message
 *       cache (key and lookup, no lexer); the text is decoded from bytes on every call, as a session decodes what
 *       the client sent, so that its hash is computed each time as it is in the gateway;
 *   <li>{@code cold}: a text it has never seen (a new literal each time, as the simple query protocol sends them):
 *       Calcite parses, validates, traces lineage, and the masks are spliced in;
 *   <li>{@code fullClearance}: it_admin's statement, which passes without analysis.
 * </ul>
 *
 * Average time per call; run by {@code perf-tests/run.sh}, never by the tests.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xss4m")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GateBenchmark {
    static final String QUERY = "SELECT id, name, mobile, created_at FROM customer WHERE id = ";
    private static final byte[] CACHED = (QUERY + 42).getBytes(StandardCharsets.UTF_8);

    private StatementGate gate;
    private Caller contractor;
    private Caller admin;
    private long literal;

    @Setup(Level.Trial)
    public void setUp() {
        gate = SampleGate.newGate();
        contractor = SampleGate.caller("contractor", "contractor");
        admin = SampleGate.caller("it_admin", "it_engineer");
        Verdict verdict = gate.check(QUERY + 42, contractor, true);
        if (verdict.statements().get(0).decision() != Decision.REWRITTEN) {
            throw new IllegalStateException("the benchmark query is not rewritten: " + verdict);
        }
    }

    @Benchmark
    public List<LexedStatement> splitPostgres() {
        return PostgresLexer.split(QUERY + 42, true);
    }

    @Benchmark
    public List<LexedStatement> splitMySql() {
        return MySqlLexer.split(QUERY + 42, MySqlMode.DEFAULT);
    }

    @Benchmark
    public Verdict cached() {
        return gate.check(new String(CACHED, StandardCharsets.UTF_8), contractor, true);
    }

    @Benchmark
    public Verdict cold() {
        return gate.check(QUERY + (1_000_000 + literal++), contractor, true);
    }

    @Benchmark
    public Verdict fullClearance() {
        return gate.check(QUERY + 42, admin, true);
    }
}
