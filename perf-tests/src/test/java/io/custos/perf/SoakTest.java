package io.custos.perf;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.cli.demo.EmbeddedMariaDb;
import io.custos.cli.demo.EmbeddedPostgres;
import io.custos.cli.demo.PostgresRestarts;
import io.custos.cli.demo.SampleData;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak's short form: a few dozen sessions on both protocols for a few seconds, a policy reload and then a
 * PostgreSQL restart in the middle, on databases of the test's own (small sample data, so they start quickly). The long
 * form is {@link Soak#main}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SoakTest {
    @TempDir
    Path directory;

    @Test
    void soak_shortForm_everyStatementAuditedOnceAndNoConnectionLeaked() throws Exception {
        SampleData data = SampleData.generate(200);
        try (EmbeddedPostgres postgres = EmbeddedPostgres.start(0, data);
                PostgresRestarts restarts = PostgresRestarts.of(postgres);
                EmbeddedMariaDb mariadb = EmbeddedMariaDb.start(0, data)) {
            Soak.Figures figures = Soak.run(
                    postgres,
                    restarts,
                    mariadb,
                    directory,
                    new Soak.Settings(12, Duration.ofSeconds(12), false),
                    System.out);
            figures.print(new PrintStream(System.out, true));

            assertThat(figures.problems()).isEmpty();
            assertThat(figures.sessions()).isEqualTo(24);
            assertThat(figures.sent().values())
                    .allSatisfy(count -> assertThat(count).isPositive());
            assertThat(figures.restartDown()).isGreaterThanOrEqualTo(Duration.ofMillis(Soak.DOWN_MILLIS));
            assertThat(figures.reconnects())
                    .as("PostgreSQL sessions reconnected after the restart")
                    .isPositive();
            figures.sent().forEach((kind, sent) -> {
                long cut = figures.cut().get(kind);
                assertThat(figures.recorded().get(kind))
                        .as(kind + " records of the expected decision")
                        .isBetween(sent - cut, sent);
                assertThat(figures.recorded().get(kind)
                                + figures.recordedFailed().get(kind))
                        .as(kind + " records, a cut statement's at most one")
                        .isBetween(sent - cut, sent);
            });
            assertThat(figures.cut()).as("MySQL sessions are not cut").allSatisfy((kind, count) -> {
                if (kind.startsWith("mysql/")) {
                    assertThat(count).isZero();
                }
            });
            assertThat(figures.policyVersions()).hasSize(2);
            assertThat(figures.backendConnectionsAfter().get("postgresql"))
                    .as("PostgreSQL session connections after the sessions closed")
                    .isEqualTo(figures.backendConnectionsBefore().get("postgresql"));
            assertThat(figures.backendConnectionsAfter().get("mysql"))
                    .isEqualTo(figures.backendConnectionsBefore().get("mysql"));
            assertThat(figures.backendConnectionsAfter().get("postgresql catalog"))
                    .as("the catalog pool's")
                    .isBetween(0, 2);
            assertThat(figures.backendConnectionsStopped())
                    .isEqualTo(Map.of("postgresql", 0, "postgresql catalog", 0, "mysql", 0));
        }
    }
}
