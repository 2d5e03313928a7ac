package io.custos.perf;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.cli.demo.EmbeddedMariaDb;
import io.custos.cli.demo.EmbeddedPostgres;
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
 * The soak's short form: a few dozen sessions on both protocols for a few seconds, a policy reload in the middle, on
 * databases of the test's own (small sample data, so they start quickly). The long form is {@link Soak#main}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SoakTest {
    @TempDir
    Path directory;

    @Test
    void soak_shortForm_everyStatementAuditedOnceAndNoConnectionLeaked() throws Exception {
        SampleData data = SampleData.generate(200);
        try (EmbeddedPostgres postgres = EmbeddedPostgres.start(0, data);
                EmbeddedMariaDb mariadb = EmbeddedMariaDb.start(0, data)) {
            Soak.Figures figures =
                    Soak.run(postgres, mariadb, directory, new Soak.Settings(12, Duration.ofSeconds(8)), System.out);
            figures.print(new PrintStream(System.out, true));

            assertThat(figures.problems()).isEmpty();
            assertThat(figures.sessions()).isEqualTo(24);
            assertThat(figures.sent().values())
                    .allSatisfy(count -> assertThat(count).isPositive());
            assertThat(figures.recorded()).isEqualTo(figures.sent());
            assertThat(figures.policyVersions()).hasSize(2);
            assertThat(figures.backendConnectionsAfter()).isEqualTo(figures.backendConnectionsBefore());
            assertThat(figures.backendConnectionsStopped()).isEqualTo(Map.of("postgresql", 0, "mysql", 0));
        }
    }
}
