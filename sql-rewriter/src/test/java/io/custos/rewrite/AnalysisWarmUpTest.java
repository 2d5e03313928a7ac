package io.custos.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The background warm-up stops at its first unexpected verdict, and so would silently warm nothing: each round must
 * run the whole analysis in both dialects, masking where it should, and never come from a cache.
 */
class AnalysisWarmUpTest {
    @Test
    void round_analysesEveryStatementInBothDialectsWithoutRefusal() {
        StatementGate gate = AnalysisWarmUp.gate();

        List<Verdict> first = AnalysisWarmUp.round(gate, 1);
        List<Verdict> second = AnalysisWarmUp.round(gate, 2);

        assertThat(first).hasSize(AnalysisWarmUp.STATEMENTS_PER_ROUND).noneMatch(Verdict::refused);
        assertThat(second).noneMatch(Verdict::refused);
        // The point lookup, the equality filter's lookup and the join read masked columns, in both dialects.
        assertThat(first.subList(0, 6))
                .allSatisfy(verdict ->
                        assertThat(verdict.statements().get(0).decision()).isEqualTo(Decision.REWRITTEN));
        assertThat(gate.cacheStatistics().hits()).isZero();
    }
}
