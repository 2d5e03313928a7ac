package io.custos.rewrite;

import io.custos.policy.AnalysisSettings;
import io.custos.policy.Classification;
import io.custos.policy.ColumnRule;
import io.custos.policy.Filter;
import io.custos.policy.Mask;
import io.custos.policy.Role;
import io.custos.policy.StatementClass;
import io.custos.rewrite.analysis.QueryMasker;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warms the whole per-statement path (lexers, gate, analysis and rewrite, both dialects) until the JIT has compiled it.
 * {@link QueryMasker#warmUp()} at start pays Calcite's one-time initialisation, but the parser, validator and rewrite
 * then still run interpreted, at several milliseconds a statement, for the first few hundred statements: without this,
 * the first clients pay for it. The rounds run through a gate of their own over a tiny catalog of their own, with a
 * literal that changes every round so that no cache answers; nothing touches the gateway's catalogs or caches.
 */
public final class AnalysisWarmUp {
    private static final Logger log = LoggerFactory.getLogger(AnalysisWarmUp.class);

    private static final AtomicBoolean STARTED = new AtomicBoolean();

    /** Six statements in each of the two dialects. */
    static final int STATEMENTS_PER_ROUND = 12;

    private static final Catalog CATALOG = Catalog.of(
            List.of(
                    new CatalogTable(
                            "public",
                            "warm_up",
                            List.of(
                                    new CatalogColumn("id", "bigint", false),
                                    new CatalogColumn("label", "character varying(20)", true),
                                    new CatalogColumn("phone", "character varying(20)", true))),
                    new CatalogTable(
                            "public",
                            "warm_up_note",
                            List.of(
                                    new CatalogColumn("id", "bigint", false),
                                    new CatalogColumn("warm_up_id", "bigint", false),
                                    new CatalogColumn("note", "text", true)))),
            1);

    private static final Caller CALLER = new Caller(
            "warm-up",
            new Role("warm-up", 0, EnumSet.allOf(StatementClass.class), false),
            new Classification(List.of(
                    new ColumnRule("public", "warm_up", "label", 1, new Mask.Partial(1, 1, "*"), Filter.ALLOW),
                    new ColumnRule("public", "warm_up", "phone", 1, new Mask.Partial(3, 4, "*"), Filter.EQUALITY))),
            "warm-up",
            List.of("public"));

    private AnalysisWarmUp() {}

    /**
     * Runs {@code rounds} rounds on a daemon thread of its own, once per process, and returns at once. The thread ends
     * after its rounds (logged at INFO with the time they took), or at the first verdict that is not the expected one
     * (logged at DEBUG: the warm-up at start already proved the analysis works, and a failing warm-up only leaves the
     * JIT colder).
     */
    public static void inBackground(int rounds) {
        if (rounds <= 0 || !STARTED.compareAndSet(false, true)) {
            return;
        }
        // Its analyses run on this thread, never on the pool the sessions' analyses wait for.
        Thread thread = AnalysisThreads.dedicated(() -> run(rounds), "custos-analysis-warm-up");
        thread.setPriority(Thread.MIN_PRIORITY);
        thread.start();
    }

    private static void run(int rounds) {
        long started = System.nanoTime();
        StatementGate gate = gate();
        try {
            for (int round = 0; round < rounds; round++) {
                for (Verdict verdict : round(gate, round)) {
                    if (verdict.refused()) {
                        throw new IllegalStateException("warm-up statement refused: " + verdict);
                    }
                }
            }
            log.info(
                    "Analysis warmed up in the background: {} statements in {} ms",
                    rounds * STATEMENTS_PER_ROUND,
                    (System.nanoTime() - started) / 1_000_000);
        } catch (RuntimeException e) {
            log.debug("analysis warm-up stopped: {}", e.toString());
        }
    }

    /** A gate over the warm-up catalog with a cache too small to matter. */
    static StatementGate gate() {
        return new StatementGate(
                new QueryMasker(() -> CATALOG),
                () -> CATALOG,
                name -> false,
                () -> new AnalysisSettings(
                        AnalysisSettings.DEFAULT.maxMessageLength(),
                        AnalysisSettings.DEFAULT.maxStatementLength(),
                        AnalysisSettings.DEFAULT.maxTerms(),
                        AnalysisSettings.DEFAULT.maxDepth(),
                        AnalysisSettings.DEFAULT.maxSetOperations(),
                        16,
                        AnalysisSettings.DEFAULT.catalogRefreshSeconds()));
    }

    /**
     * One round: the shapes a service's statements take (a point lookup, an equality filter, a join with ordering and
     * a limit, an aggregate, writes), in both dialects, with {@code round} as the literal.
     */
    static List<Verdict> round(StatementGate gate, int round) {
        List<String> statements = List.of(
                "SELECT id, label, phone FROM warm_up WHERE id = " + round,
                "SELECT id, label FROM warm_up WHERE phone = '1380000" + round + "'",
                "SELECT w.id, w.label, n.note FROM warm_up w JOIN warm_up_note n ON n.warm_up_id = w.id WHERE w.id > "
                        + round + " ORDER BY w.id DESC LIMIT 10",
                "SELECT label, count(*) FROM warm_up WHERE id < " + round + " GROUP BY label",
                "INSERT INTO warm_up_note (warm_up_id, note) VALUES (" + round + ", 'warm')",
                "UPDATE warm_up_note SET note = 'warm' WHERE id = " + round);
        List<Verdict> verdicts = new ArrayList<>(statements.size() * 2);
        for (String statement : statements) {
            verdicts.add(gate.check(statement, CALLER, true));
            verdicts.add(gate.checkMySql(statement, CALLER, MySqlMode.DEFAULT));
        }
        return verdicts;
    }
}
