package io.custos.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.policy.AnalysisSettings;
import io.custos.policy.Role;
import io.custos.policy.StatementClass;
import io.custos.rewrite.analysis.QueryMasker;
import io.custos.rewrite.analysis.SampleViews;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The gate against metadata that may be stale, and its verdict cache: a name the catalog lacks reloads it once before
 * the statement fails closed, a classified column the catalog lacks reloads it even when the statement only says
 * {@code *}, and the caches (per statement and per message) key on everything a verdict depends on, counting their
 * hits and misses.
 */
class StatementGateFreshnessTest {
    private static final Role CONTRACTOR = new Role("contractor", 0, EnumSet.of(StatementClass.READ), false);
    private static final Role STAFF = new Role("staff", 1, EnumSet.of(StatementClass.READ), false);

    private final AtomicReference<Catalog> catalog = new AtomicReference<>();
    private final AtomicInteger reloads = new AtomicInteger();
    private final AtomicReference<Catalog> afterReload = new AtomicReference<>();

    private final StatementGate gate = new StatementGate(
            new QueryMasker(catalog::get),
            catalog::get,
            name -> {
                reloads.incrementAndGet();
                Catalog next = afterReload.get();
                if (next == null || next.version() == catalog.get().version()) {
                    return false;
                }
                catalog.set(next);
                return true;
            },
            () -> AnalysisSettings.DEFAULT);

    @Test
    void check_tableTheCatalogLacks_reloadsOnceThenMasks() {
        catalog.set(without("customer", 31));
        afterReload.set(SampleViews.POSTGRES);

        StatementVerdict verdict = check("SELECT * FROM customer", CONTRACTOR, List.of("public"));

        assertThat(reloads).hasValue(1);
        assertThat(verdict.decision()).isEqualTo(Decision.REWRITTEN);
        assertThat(verdict.maskedColumns()).contains("public.customer.mobile");
    }

    @Test
    void check_tableStillUnknownAfterReload_failsClosed() {
        catalog.set(without("customer", 32));
        afterReload.set(catalog.get());

        StatementVerdict verdict = check("SELECT * FROM customer", CONTRACTOR, List.of("public"));

        assertThat(reloads).hasValue(1);
        assertThat(verdict.decision()).isEqualTo(Decision.REFUSED);
        assertThat(verdict.rule()).isEqualTo("unanalysable");
    }

    /**
     * With {@code mobile} unknown, {@code *} would be expanded without it: refused until a reload shows the column, a
     * cached verdict included; a query naming its columns passes.
     */
    @Test
    void check_classifiedColumnTheCatalogLacks_reloadsAndRefusesAStarUntilItIsThere() {
        catalog.set(withoutColumn("customer", "mobile", 33));
        StatementVerdict named = check("SELECT id, name FROM customer", CONTRACTOR, List.of("public"));
        StatementVerdict star = check("SELECT * FROM customer", CONTRACTOR, List.of("public"));
        StatementVerdict count = check("SELECT count(*), 2 * 3 FROM customer", CONTRACTOR, List.of("public"));
        assertThat(named.decision()).isEqualTo(Decision.REWRITTEN);
        assertThat(star.decision()).isEqualTo(Decision.REFUSED);
        assertThat(star.reason()).contains("public.customer.mobile is classified but not in the gateway's catalog");
        assertThat(count.decision()).isEqualTo(Decision.ALLOWED);
        int reloadsBefore = reloads.get();

        afterReload.set(SampleViews.POSTGRES);
        StatementVerdict after = check("SELECT * FROM customer", CONTRACTOR, List.of("public"));

        assertThat(reloads.get()).isEqualTo(reloadsBefore + 1);
        assertThat(after.maskedColumns()).contains("public.customer.mobile");
    }

    @Test
    void cache_keysOnSearchPathRoleAndCatalog_andCountsHitsAndMisses() {
        catalog.set(SampleViews.POSTGRES);
        StatementGate.CacheStatistics start = gate.cacheStatistics();

        check("SELECT mobile FROM customer", CONTRACTOR, List.of("public"));
        check("SELECT mobile FROM customer", CONTRACTOR, List.of("public"));
        StatementVerdict otherPath = check("SELECT mobile FROM customer", CONTRACTOR, List.of("archive"));
        StatementVerdict otherRole = check("SELECT mobile FROM customer", STAFF, List.of("public"));
        catalog.set(withoutColumn("project", "city", 34));
        check("SELECT mobile FROM customer", CONTRACTOR, List.of("public"));

        StatementGate.CacheStatistics end = gate.cacheStatistics();
        assertThat(otherPath.decision()).as("unknown in schema archive").isEqualTo(Decision.REFUSED);
        assertThat(otherRole.decision()).as("level 1 visible to staff").isEqualTo(Decision.ALLOWED);
        assertThat(end.hits() - start.hits()).isEqualTo(1);
        assertThat(end.misses() - start.misses()).isEqualTo(4);
        assertThat(end.entries()).isEqualTo(4);
    }

    /** A message naming a classified column the catalog lacks asks for a reload every time, never from the cache. */
    @Test
    void messageCache_classifiedColumnTheCatalogLacks_isNotCachedWhole() {
        catalog.set(withoutColumn("customer", "mobile", 36));
        afterReload.set(catalog.get());
        Caller contractor = caller(CONTRACTOR, List.of("public"));

        gate.check("SELECT id, name FROM customer", contractor, true);
        int reloadsAfterFirst = reloads.get();
        gate.check("SELECT id, name FROM customer", contractor, true);

        assertThat(reloadsAfterFirst).isEqualTo(1);
        assertThat(reloads).hasValue(2);
    }

    private static Caller caller(Role role, List<String> path) {
        return new Caller("user", role, SampleViews.POSTGRES_CLASSIFICATION, "v1", path);
    }

    private StatementVerdict check(String sql, Role role, List<String> path) {
        Caller caller = new Caller("user", role, SampleViews.POSTGRES_CLASSIFICATION, "v1", path);
        return gate.check(sql, caller, true).statements().get(0);
    }

    private static Catalog without(String table, long version) {
        List<CatalogTable> tables = new ArrayList<>(SampleViews.POSTGRES.tables());
        tables.removeIf(candidate ->
                candidate.schema().equals("public") && candidate.name().equals(table));
        return Catalog.of(tables, version);
    }

    private static Catalog withoutColumn(String table, String column, long version) {
        List<CatalogTable> tables = new ArrayList<>();
        for (CatalogTable candidate : SampleViews.POSTGRES.tables()) {
            if (candidate.schema().equals("public") && candidate.name().equals(table)) {
                List<CatalogColumn> columns = new ArrayList<>(candidate.columns());
                columns.removeIf(c -> c.name().equals(column));
                tables.add(new CatalogTable(candidate.schema(), candidate.name(), columns));
            } else {
                tables.add(candidate);
            }
        }
        return Catalog.of(tables, version);
    }
}
