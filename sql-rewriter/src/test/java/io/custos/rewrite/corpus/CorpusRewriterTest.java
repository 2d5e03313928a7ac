package io.custos.rewrite.corpus;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.policy.Policy;
import io.custos.policy.PolicyLoader;
import io.custos.rewrite.Caller;
import io.custos.rewrite.Catalog;
import io.custos.rewrite.Decision;
import io.custos.rewrite.MySqlMode;
import io.custos.rewrite.StatementGate;
import io.custos.rewrite.StatementVerdict;
import io.custos.rewrite.Verdict;
import io.custos.rewrite.analysis.QueryMasker;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The conformance corpus against the rewriter alone: the real gate and masker, the demo policy with the corpus files'
 * classification entries, and a catalog built from the demo's DDL and the corpus files' views. Checks each case's decision, refusing rule and message, and for rewrites the masked source
 * columns; deploy's end-to-end run checks the masked values themselves.
 */
class CorpusRewriterTest {
    static final Policy POLICY = demoPolicy();

    private static final Catalog POSTGRES_CATALOG = SampleSchema.postgres();
    private static final Catalog MYSQL_CATALOG = SampleSchema.mySql();

    private final StatementGate postgresGate =
            new StatementGate(new QueryMasker(() -> POSTGRES_CATALOG), () -> POSTGRES_CATALOG, 1000);
    private final StatementGate mySqlGate =
            new StatementGate(new QueryMasker(() -> MYSQL_CATALOG), () -> MYSQL_CATALOG, 1000);

    static Stream<CorpusCase> postgresCases() {
        return Corpus.load(Corpus.POSTGRESQL).stream();
    }

    static Stream<CorpusCase> mySqlCases() {
        return Corpus.load(Corpus.MYSQL).stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("postgresCases")
    void postgres_decidesAsTheCorpusSays(CorpusCase corpusCase) {
        assertDecided(corpusCase, postgres(corpusCase));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mySqlCases")
    void mySql_decidesAsTheCorpusSays(CorpusCase corpusCase) {
        assertDecided(corpusCase, mySql(corpusCase));
    }

    /** The figures the issue asks for: the corpus size per dialect and the share of statements analysed. */
    @Test
    void corpus_coversBothDialectsAndIsAnalysed() {
        List<CorpusCase> postgres = Corpus.load(Corpus.POSTGRESQL);
        List<CorpusCase> mySql = Corpus.load(Corpus.MYSQL);
        Summary postgresSummary = summary(postgres, this::postgres);
        Summary mySqlSummary = summary(mySql, this::mySql);
        System.out.println("Corpus, PostgreSQL: " + postgresSummary);
        System.out.println("Corpus, MySQL:      " + mySqlSummary);

        assertThat(postgres.size() + mySql.size()).isGreaterThanOrEqualTo(300);
        assertThat(postgresSummary.analysedShare()).isGreaterThanOrEqualTo(0.9);
        assertThat(mySqlSummary.analysedShare()).isGreaterThanOrEqualTo(0.9);
    }

    private Verdict postgres(CorpusCase corpusCase) {
        return postgresGate.check(corpusCase.sql(), caller(corpusCase, "public"), true);
    }

    private Verdict mySql(CorpusCase corpusCase) {
        Set<String> flags = corpusCase.sqlMode().stream()
                .map(f -> f.toUpperCase(Locale.ROOT))
                .collect(Collectors.toSet());
        MySqlMode mode = new MySqlMode(flags.contains("ANSI_QUOTES"), flags.contains("NO_BACKSLASH_ESCAPES"));
        return mySqlGate.checkMySql(corpusCase.sql(), caller(corpusCase, "custos_demo"), mode);
    }

    private static Caller caller(CorpusCase corpusCase, String schema) {
        return new Caller(
                "corpus-" + corpusCase.role(),
                POLICY.roles().get(corpusCase.role()),
                POLICY.classification(),
                POLICY.version(),
                List.of(schema));
    }

    private static void assertDecided(CorpusCase corpusCase, Verdict verdict) {
        String what = corpusCase + " -> " + describe(verdict);
        switch (corpusCase.expected()) {
            case PASS -> {
                assertThat(verdict.statements()).as(what).allMatch(s -> s.decision() == Decision.ALLOWED);
                assertThat(verdict.sql()).as(what).isEqualTo(corpusCase.sql());
            }
            case REWRITE -> {
                assertThat(verdict.refused()).as(what).isFalse();
                assertThat(verdict.statements()).as(what).anyMatch(s -> s.decision() == Decision.REWRITTEN);
                assertThat(maskedSources(verdict)).as(what).isEqualTo(new TreeSet<>(corpusCase.maskedSources()));
            }
            case REFUSE -> {
                StatementVerdict refusal = verdict.refusal().orElse(null);
                assertThat(refusal).as(what).isNotNull();
                assertThat(refusal.rule()).as(what).isEqualTo(corpusCase.rule().orElseThrow());
                assertThat(refusal.reason()).as(what).startsWith("custos: ");
                corpusCase.message().ifPresent(message -> assertThat(refusal.reason())
                        .as(what)
                        .contains(message));
            }
        }
    }

    /** {@code table.column} of every masked source, without the schema. */
    private static Set<String> maskedSources(Verdict verdict) {
        return verdict.statements().stream()
                .flatMap(s -> s.maskedColumns().stream())
                .map(column -> column.substring(column.indexOf('.') + 1))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static String describe(Verdict verdict) {
        return verdict.statements().stream()
                .map(s -> s.decision()
                        + (s.rule() == null ? "" : " " + s.rule() + " (" + s.reason() + ")")
                        + (s.maskedColumns().isEmpty() ? "" : " " + s.maskedColumns()))
                .collect(Collectors.joining("; "));
    }

    private Summary summary(List<CorpusCase> cases, java.util.function.Function<CorpusCase, Verdict> gate) {
        int statements = (int) cases.stream().map(CorpusCase::number).distinct().count();
        List<CorpusCase> restricted = cases.stream()
                .filter(c -> !POLICY.roles().get(c.role()).equals(fullClearanceRole()))
                .toList();
        long unanalysable = restricted.stream()
                .filter(c -> gate.apply(c)
                        .refusal()
                        .map(r -> "unanalysable".equals(r.rule()))
                        .orElse(false))
                .count();
        return new Summary(statements, cases.size(), restricted.size(), unanalysable);
    }

    private static io.custos.policy.Role fullClearanceRole() {
        return POLICY.roles().get("it_engineer");
    }

    /**
     * @param restricted cases of roles below full clearance, the only ones the gate analyses
     * @param unanalysable of those, the ones refused as not understood
     */
    private record Summary(int statements, int cases, int restricted, long unanalysable) {
        double analysedShare() {
            return restricted == 0 ? 1 : 1 - (double) unanalysable / restricted;
        }

        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "%d statements, %d cases (statement and role); %d cases below full clearance, %d of them refused"
                            + " as unanalysable: %.1f%% analysed",
                    statements,
                    cases,
                    restricted,
                    unanalysable,
                    100 * analysedShare());
        }
    }

    private static Policy demoPolicy() {
        String resource = "/io/custos/rewrite/corpus/demo/demo-policy.yaml";
        try (InputStream in = CorpusRewriterTest.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the test class path");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8) + "\n"
                    + Corpus.classification(Corpus.POSTGRESQL) + "\n" + Corpus.classification(Corpus.MYSQL);
            return PolicyLoader.parse(text, "demo-policy.yaml", Path.of("."));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
