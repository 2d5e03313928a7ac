package io.custos.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.policy.AnalysisSettings;
import io.custos.policy.Classification;
import io.custos.policy.Role;
import io.custos.policy.StatementClass;
import io.custos.rewrite.analysis.QueryMasker;
import io.custos.rewrite.analysis.SampleViews;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The cache of whole messages in front of the lexer, over the sample catalog: a message seen before is found whole,
 * and a verdict found there is always the one a gate with empty caches reaches under the same catalog, policy and
 * session. Every part of the key is varied in turn (user, role, rights, clearance, classification, policy version,
 * analysis bounds, catalog, search path, standard_conforming_strings, sql_mode flags), and every statement whose
 * verdict depends on the session (EXECUTE of a prepared statement) or changes it (PREPARE, DEALLOCATE, SET
 * search_path, USE, DDL, temporary objects) is shown never to be found whole.
 */
class StatementGateMessageCacheTest {
    private static final Set<StatementClass> EVERY_CLASS = EnumSet.allOf(StatementClass.class);
    private static final Role READER = new Role("reader", 0, EVERY_CLASS, false);
    private static final Role CLERK = new Role("clerk", 2, EVERY_CLASS, false);
    private static final String PUBLIC = "public";
    private static final String DEMO = "custos_demo";

    private final AtomicReference<Catalog> catalog = new AtomicReference<>(SampleViews.POSTGRES);
    private final AtomicReference<Catalog> afterReload = new AtomicReference<>();
    private final AtomicReference<AnalysisSettings> settings = new AtomicReference<>(AnalysisSettings.DEFAULT);
    private final AtomicBoolean analysisFails = new AtomicBoolean();
    private final StatementGate gate = newGate();

    private final SqlPreparedStatements session = SqlPreparedStatements.postgres();
    private final SqlPreparedStatements mySqlSession = SqlPreparedStatements.mySql();

    @Test
    void repeatedMessage_isFoundWholeAndEqualsAFreshCheck() {
        String message = "SELECT id, mobile FROM customer WHERE id = 7; SELECT name FROM customer WHERE id = 8";
        Caller reader = caller(READER);

        Verdict first = gate.check(message, reader, true);
        StatementGate.CacheStatistics before = gate.cacheStatistics();
        Verdict second = gate.check(message, reader, true);
        StatementGate.CacheStatistics after = gate.cacheStatistics();

        assertThat(first.statements()).extracting(StatementVerdict::decision).containsOnly(Decision.REWRITTEN);
        assertThat(second).isSameAs(first).isEqualTo(fresh(message, reader, true));
        assertThat(after.messageHits() - before.messageHits()).isEqualTo(1);
        assertThat(after.hits() - before.hits()).isEqualTo(1);
        assertThat(after.misses()).isEqualTo(before.misses());
    }

    @Test
    void repeatedMySqlMessage_isFoundWhole() {
        catalog.set(SampleViews.MYSQL);
        Caller reader = mySqlCaller(READER, DEMO);
        String message = "SELECT id, mobile FROM customer WHERE id = 7";

        Verdict first = gate.checkMySql(message, reader, MySqlMode.DEFAULT);
        long before = gate.cacheStatistics().messageHits();
        Verdict second = gate.checkMySql(message, reader, MySqlMode.DEFAULT);

        assertThat(first.statements().get(0).decision()).isEqualTo(Decision.REWRITTEN);
        assertThat(second).isSameAs(first);
        assertThat(gate.cacheStatistics().messageHits() - before).isEqualTo(1);
    }

    /** Same role name, another clearance, other rights, another name, another user: each decided for itself. */
    @Test
    void callerOtherThanTheCachedOne_getsItsOwnVerdict() {
        String read = "SELECT id, name FROM customer WHERE id = 1";
        String insert = "INSERT INTO service_ticket (customer_id, content) VALUES (1, 'leak')";
        Role readOnly = new Role("reader", 0, Set.of(StatementClass.READ), false);
        Role cleared = new Role("reader", 1, EVERY_CLASS, false);
        Role renamed = new Role("other", 0, EVERY_CLASS, false);

        assertCachedThenFresh(read, caller(READER), caller(cleared), Decision.REWRITTEN, Decision.ALLOWED);
        assertCachedThenFresh(read, caller(cleared), caller(READER), Decision.ALLOWED, Decision.REWRITTEN);
        assertCachedThenFresh(insert, caller(READER), caller(readOnly), Decision.ALLOWED, Decision.REFUSED);
        assertCachedThenFresh(insert, caller(readOnly), caller(READER), Decision.REFUSED, Decision.ALLOWED);
        assertCachedThenFresh(read, caller(READER), caller(renamed), Decision.REWRITTEN, Decision.REWRITTEN);
        Caller otherUser =
                new Caller("someone-else", READER, SampleViews.POSTGRES_CLASSIFICATION, "v1", List.of(PUBLIC));
        assertCachedThenFresh(read, caller(READER), otherUser, Decision.REWRITTEN, Decision.REWRITTEN);
    }

    /** A reloaded policy: another version, another classification, or both; none reaches the old entries. */
    @Test
    void policyReload_makesEntriesOfTheOldPolicyUnreachable() {
        String message = "SELECT id, name FROM customer WHERE id = 1";
        Classification nameUnclassified = new Classification(SampleViews.POSTGRES_CLASSIFICATION.rules().stream()
                .filter(rule -> !rule.column().equals("name"))
                .toList());
        Caller reloaded = new Caller("user", READER, nameUnclassified, "v2", List.of(PUBLIC));
        Caller sameVersionOtherClassification = new Caller("user", READER, nameUnclassified, "v1", List.of(PUBLIC));
        Caller otherVersionOnly =
                new Caller("user", READER, SampleViews.POSTGRES_CLASSIFICATION, "v2", List.of(PUBLIC));

        assertCachedThenFresh(message, caller(READER), reloaded, Decision.REWRITTEN, Decision.ALLOWED);
        assertCachedThenFresh(
                message, caller(READER), sameVersionOtherClassification, Decision.REWRITTEN, Decision.ALLOWED);
        assertCachedThenFresh(message, caller(READER), otherVersionOnly, Decision.REWRITTEN, Decision.REWRITTEN);
    }

    @Test
    void analysisBoundsChanged_areNotAnsweredFromTheCache() {
        String message = "SELECT id, name FROM customer WHERE id = 1";
        Caller reader = caller(READER);
        assertThat(decision(gate.check(message, reader, true))).isEqualTo(Decision.REWRITTEN);
        long before = gate.cacheStatistics().messageHits();

        settings.set(new AnalysisSettings(4_194_304, 20, 10_000, 100, 200, 10_000, 60));
        Verdict after = gate.check(message, reader, true);

        assertThat(decision(after)).isEqualTo(Decision.REFUSED);
        assertThat(after).isEqualTo(fresh(message, reader, true));
        assertThat(gate.cacheStatistics().messageHits()).isEqualTo(before);
    }

    @Test
    void catalogRefresh_makesEntriesOfTheOldCatalogUnreachable() {
        String message = "SELECT id, name FROM customer WHERE id = 1";
        Caller reader = caller(READER);
        assertThat(decision(gate.check(message, reader, true))).isEqualTo(Decision.REWRITTEN);
        long before = gate.cacheStatistics().messageHits();

        catalog.set(without("customer", 41));
        Verdict after = gate.check(message, reader, true);

        assertThat(decision(after)).isEqualTo(Decision.REFUSED);
        assertThat(after).isEqualTo(fresh(message, reader, true));
        assertThat(gate.cacheStatistics().messageHits()).isEqualTo(before);
    }

    /**
     * The catalog reloaded in the middle of a decision (the query named a table it lacked) decided the message: it must
     * not be found under the catalog it began with, should that catalog be in force again.
     */
    @Test
    void catalogReloadedWhileDeciding_isNotCachedUnderTheCatalogItBeganWith() {
        String message = "SELECT id, name FROM customer WHERE id = 1";
        Caller reader = caller(READER);
        Catalog lacking = without("customer", 42);
        catalog.set(lacking);
        afterReload.set(SampleViews.POSTGRES);
        assertThat(decision(gate.check(message, reader, true))).isEqualTo(Decision.REWRITTEN);

        catalog.set(lacking);
        afterReload.set(null);
        Verdict again = gate.check(message, reader, true);

        assertThat(decision(again)).isEqualTo(Decision.REFUSED);
        assertThat(again).isEqualTo(fresh(message, reader, true));
    }

    @Test
    void searchPath_isInTheKey() {
        String message = "SELECT id, name FROM customer WHERE id = 1";

        assertCachedThenFresh(
                message, caller(READER), caller(READER, List.of("archive")), Decision.REWRITTEN, Decision.REFUSED);
    }

    @Test
    void mySqlCurrentDatabase_isInTheKey() {
        catalog.set(SampleViews.MYSQL);
        String message = "SELECT id, name FROM customer WHERE id = 1";
        Caller inDemo = mySqlCaller(READER, DEMO);
        Caller elsewhere = mySqlCaller(READER, "archive");
        assertThat(decision(gate.checkMySql(message, inDemo, MySqlMode.DEFAULT)))
                .isEqualTo(Decision.REWRITTEN);
        long before = gate.cacheStatistics().messageHits();

        Verdict other = gate.checkMySql(message, elsewhere, MySqlMode.DEFAULT);

        assertThat(other).isEqualTo(freshGate().checkMySql(message, elsewhere, MySqlMode.DEFAULT));
        assertThat(decision(other)).isNotEqualTo(Decision.REWRITTEN);
        assertThat(gate.cacheStatistics().messageHits()).isEqualTo(before);
    }

    /**
     * With standard_conforming_strings off the backslash escapes the quote and the message is one harmless literal;
     * with it on the literal ends at the backslash and a query of a classified column follows.
     */
    @Test
    void standardConformingStrings_isInTheKey() {
        String message = "SELECT 'a\\'; SELECT name FROM customer; SELECT '";
        Caller reader = caller(READER);
        Verdict off = gate.check(message, reader, false);
        assertThat(off.statements()).hasSize(1);
        assertThat(decision(off)).isEqualTo(Decision.ALLOWED);

        Verdict on = gate.check(message, reader, true);

        assertThat(on).isEqualTo(fresh(message, reader, true));
        assertThat(on.statements()).extracting(StatementVerdict::decision).contains(Decision.REWRITTEN);
    }

    /** {@code "name"} is a string without ANSI_QUOTES and the column with it; a backslash escapes or does not. */
    @Test
    void mySqlModeFlags_areInTheKey() {
        catalog.set(SampleViews.MYSQL);
        Caller reader = mySqlCaller(READER, DEMO);
        String quoted = "SELECT \"name\" FROM customer WHERE id = 1";
        String backslash = "SELECT 'a\\'; SELECT name FROM customer; SELECT '";
        MySqlMode ansiQuotes = new MySqlMode(true, false);
        MySqlMode noBackslashEscapes = new MySqlMode(false, true);

        Verdict asString = gate.checkMySql(quoted, reader, MySqlMode.DEFAULT);
        Verdict asColumn = gate.checkMySql(quoted, reader, ansiQuotes);
        Verdict escaped = gate.checkMySql(backslash, reader, MySqlMode.DEFAULT);
        Verdict notEscaped = gate.checkMySql(backslash, reader, noBackslashEscapes);

        assertThat(decision(asString)).isEqualTo(Decision.ALLOWED);
        assertThat(asColumn).isEqualTo(freshGate().checkMySql(quoted, reader, ansiQuotes));
        assertThat(decision(asColumn)).isEqualTo(Decision.REWRITTEN);
        assertThat(escaped.statements()).hasSize(1);
        assertThat(decision(escaped)).isEqualTo(Decision.ALLOWED);
        assertThat(notEscaped).isEqualTo(freshGate().checkMySql(backslash, reader, noBackslashEscapes));
        assertThat(notEscaped.statements())
                .extracting(StatementVerdict::decision)
                .contains(Decision.REWRITTEN);
    }

    /**
     * EXECUTE carries the decision of the statement the session prepared under that name, which changes with the
     * session: the same text is refused once the session holds a statement prepared under another clearance.
     */
    @Test
    void execute_dependsOnTheSessionAndIsNeverFoundWhole() {
        Caller reader = caller(READER);
        session.completed(gate.check("PREPARE find AS SELECT id, name FROM customer", reader, true, session::get)
                .statements()
                .get(0));
        Verdict masked = gate.check("EXECUTE find", reader, true, session::get);
        assertThat(decision(masked)).isEqualTo(Decision.REWRITTEN);
        assertThat(gate.check("EXECUTE find", reader, true, session::get)).isEqualTo(masked);

        SqlPreparedStatements unmaskedSession = SqlPreparedStatements.postgres();
        unmaskedSession.completed(
                gate.check("PREPARE find AS SELECT id, name FROM customer", caller(CLERK), true, unmaskedSession::get)
                        .statements()
                        .get(0));
        long before = gate.cacheStatistics().messageHits();
        Verdict stale = gate.check("EXECUTE find", reader, true, unmaskedSession::get);
        Verdict parsed = gate.checkSingle("EXECUTE find", reader, true);
        Verdict afterParse = gate.check("EXECUTE find", reader, true, session::get);

        assertThat(stale).isEqualTo(fresh("EXECUTE find", reader, true, unmaskedSession::get));
        assertThat(stale.refusal()).map(StatementVerdict::rule).contains("session-change");
        assertThat(parsed).isEqualTo(fresh("EXECUTE find", reader, true, name -> Optional.empty()));
        assertThat(afterParse).isEqualTo(masked);
        assertThat(gate.cacheStatistics().messageHits()).isEqualTo(before);
    }

    @Test
    void mySqlExecute_dependsOnTheSessionAndIsNeverFoundWhole() {
        catalog.set(SampleViews.MYSQL);
        Caller reader = mySqlCaller(READER, DEMO);
        mySqlSession.completed(gate.checkMySql(
                        "PREPARE find FROM 'SELECT id, name FROM customer'",
                        reader,
                        MySqlMode.DEFAULT,
                        mySqlSession::get)
                .statements()
                .get(0));
        Verdict masked = gate.checkMySql("EXECUTE find", reader, MySqlMode.DEFAULT, mySqlSession::get);
        assertThat(decision(masked)).isEqualTo(Decision.REWRITTEN);

        SqlPreparedStatements unmaskedSession = SqlPreparedStatements.mySql();
        unmaskedSession.completed(gate.checkMySql(
                        "PREPARE find FROM 'SELECT id, name FROM customer'",
                        mySqlCaller(CLERK, DEMO),
                        MySqlMode.DEFAULT,
                        unmaskedSession::get)
                .statements()
                .get(0));
        long before = gate.cacheStatistics().messageHits();
        Verdict stale = gate.checkMySql("EXECUTE find", reader, MySqlMode.DEFAULT, unmaskedSession::get);

        assertThat(stale)
                .isEqualTo(freshGate().checkMySql("EXECUTE find", reader, MySqlMode.DEFAULT, unmaskedSession::get));
        assertThat(stale.refusal()).map(StatementVerdict::rule).contains("session-change");
        assertThat(gate.cacheStatistics().messageHits()).isEqualTo(before);
    }

    /** Statements that use or change the session's state: decided afresh every time, the same text or not. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "PREPARE p AS SELECT id, name FROM customer",
                "DEALLOCATE p",
                "DEALLOCATE ALL",
                "DISCARD ALL",
                "SET search_path TO archive, public",
                "RESET search_path",
                "SELECT set_config('search_path', 'archive', false)",
                "SELECT id FROM project; SET search_path TO archive",
                "CREATE TEMP TABLE scratch (id bigint)",
                "SELECT id FROM pg_temp.scratch",
                "SELECT id FROM pg_temp_3.scratch",
                "ALTER TABLE project ADD COLUMN note text",
                "SELECT id, name INTO TEMP copied FROM project",
                "BEGIN",
                "COMMIT",
                "SET standard_conforming_strings = off",
                "SET ROLE someone"
            })
    void sessionStatement_isNeverFoundWhole(String message) {
        Caller reader = caller(READER);
        gate.check(message, reader, true, session::get);
        long before = gate.cacheStatistics().messageHits();

        Verdict again = gate.check(message, reader, true, session::get);

        assertThat(gate.cacheStatistics().messageHits()).isEqualTo(before);
        assertThat(again).isEqualTo(fresh(message, reader, true, session::get));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "PREPARE p FROM 'SELECT id, name FROM customer'",
                "EXECUTE p",
                "DEALLOCATE PREPARE p",
                "DROP PREPARE p",
                "USE archive",
                "SET sql_mode = 'ANSI_QUOTES'",
                "SET NAMES latin1",
                "SET @v = 1",
                "CREATE TEMPORARY TABLE scratch (id bigint)",
                "BEGIN"
            })
    void mySqlSessionStatement_isNeverFoundWhole(String message) {
        catalog.set(SampleViews.MYSQL);
        Caller reader = mySqlCaller(READER, DEMO);
        gate.checkMySql(message, reader, MySqlMode.DEFAULT, mySqlSession::get);
        long before = gate.cacheStatistics().messageHits();

        Verdict again = gate.checkMySql(message, reader, MySqlMode.DEFAULT, mySqlSession::get);

        assertThat(gate.cacheStatistics().messageHits()).isEqualTo(before);
        assertThat(again).isEqualTo(freshGate().checkMySql(message, reader, MySqlMode.DEFAULT, mySqlSession::get));
    }

    /** A session with a temporary schema may have tables of the same names as the catalog's, which it lacks. */
    @Test
    void sessionWithTemporarySchema_isNeverFoundWhole() {
        String message = "SELECT id, city FROM project WHERE id = 1";
        Caller withTemporary = caller(READER, List.of("pg_temp_3", PUBLIC));
        gate.check(message, withTemporary, true);
        long before = gate.cacheStatistics().messageHits();

        gate.check(message, withTemporary, true);
        long afterTemporary = gate.cacheStatistics().messageHits();
        gate.check(message, caller(READER), true);
        gate.check(message, caller(READER), true);

        assertThat(afterTemporary).isEqualTo(before);
        assertThat(gate.cacheStatistics().messageHits()).isEqualTo(before + 1);
    }

    /** A verdict reached when the analysis failed is not kept in either cache: the next message is analysed again. */
    @Test
    void failedAnalysis_isNotFoundWhole() {
        String message = "SELECT id, name FROM customer WHERE id = 1";
        Caller reader = caller(READER);
        analysisFails.set(true);
        Verdict failed = gate.check(message, reader, true);
        assertThat(failed.refusal()).map(StatementVerdict::reason).hasValueSatisfying(reason -> assertThat(reason)
                .contains("analysis failed"));

        analysisFails.set(false);
        Verdict again = gate.check(message, reader, true);

        assertThat(decision(again)).isEqualTo(Decision.REWRITTEN);
        assertThat(again).isEqualTo(fresh(message, reader, true));
    }

    /**
     * Checks {@code message} for {@code cached} twice (the second from the message cache), then for {@code other}:
     * that must not come from the message cache and must equal what a gate with empty caches decides for it. On a gate
     * of its own, so that nothing an earlier call cached is found.
     */
    private void assertCachedThenFresh(
            String message, Caller cached, Caller other, Decision cachedDecision, Decision otherDecision) {
        StatementGate gate = newGate();
        Verdict first = gate.check(message, cached, true);
        long before = gate.cacheStatistics().messageHits();
        assertThat(gate.check(message, cached, true)).isSameAs(first);
        assertThat(gate.cacheStatistics().messageHits()).isEqualTo(before + 1);

        Verdict verdict = gate.check(message, other, true);

        assertThat(gate.cacheStatistics().messageHits()).isEqualTo(before + 1);
        assertThat(decision(first)).isEqualTo(cachedDecision);
        assertThat(decision(verdict)).isEqualTo(otherDecision);
        assertThat(verdict).isEqualTo(fresh(message, other, true));
    }

    private StatementGate newGate() {
        return new StatementGate(
                new QueryMasker(() -> {
                    if (analysisFails.get()) {
                        throw new IllegalStateException("analysis fails on purpose");
                    }
                    return catalog.get();
                }),
                catalog::get,
                name -> {
                    Catalog next = afterReload.get();
                    if (next == null || next.version() == catalog.get().version()) {
                        return false;
                    }
                    catalog.set(next);
                    return true;
                },
                settings::get);
    }

    /** A gate with empty caches over the same catalog and bounds, which never reloads. */
    private StatementGate freshGate() {
        return new StatementGate(new QueryMasker(catalog::get), catalog::get, name -> false, settings::get);
    }

    private Verdict fresh(String message, Caller caller, boolean standardConformingStrings) {
        return freshGate().check(message, caller, standardConformingStrings);
    }

    private Verdict fresh(
            String message,
            Caller caller,
            boolean standardConformingStrings,
            Function<String, Optional<SqlPreparedStatements.Prepared>> prepared) {
        return freshGate().check(message, caller, standardConformingStrings, prepared);
    }

    private static Decision decision(Verdict verdict) {
        return verdict.refused()
                ? Decision.REFUSED
                : verdict.statements().get(0).decision();
    }

    private static Caller caller(Role role) {
        return caller(role, List.of(PUBLIC));
    }

    private static Caller caller(Role role, List<String> path) {
        return new Caller("user", role, SampleViews.POSTGRES_CLASSIFICATION, "v1", path);
    }

    private static Caller mySqlCaller(Role role, String database) {
        return new Caller("user", role, SampleViews.MYSQL_CLASSIFICATION, "v1", List.of(database));
    }

    private static Catalog without(String table, long version) {
        List<CatalogTable> tables = new ArrayList<>(SampleViews.POSTGRES.tables());
        tables.removeIf(candidate ->
                candidate.schema().equals(PUBLIC) && candidate.name().equals(table));
        return Catalog.of(tables, version);
    }
}
