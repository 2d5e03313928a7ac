package io.custos.proxy.audit;

import io.custos.policy.StatementClass;
import java.io.IOException;
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
 * The audit writer's work per statement: one record encoded as a JSON line and sealed into the HMAC-SHA-256 chain.
 * In the audit package because the encoder is package-private there.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class AuditEncodingBenchmark {
    private static final AuditContext CONTEXT = AuditContext.connection(7, "10.0.0.8:51544", "postgresql")
            .authenticated("clerk", "info_clerk", "custos_demo");

    private TrailEncoder encoder;
    private AuditRecord record;

    @Setup(Level.Trial)
    public void setUp() {
        encoder = new TrailEncoder(new AuditChain(
                "audit-encoding-benchmark-key-0123456789".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                0,
                AuditChain.GENESIS));
        record = AuditRecord.allowed(
                CONTEXT,
                StatementClass.READ,
                "SELECT id, project_id, name, mobile, created_at FROM customer WHERE id = ?",
                "3f2a9c",
                1,
                250,
                "473077745e6b");
    }

    @Benchmark
    public int statementRecord() throws IOException {
        encoder.record(record);
        int size = encoder.size();
        encoder.reset();
        return size;
    }
}
