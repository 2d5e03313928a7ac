package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.cli.LeakQueryGenerator.Dialect;
import io.custos.policy.ColumnRule;
import io.custos.policy.Mask;
import io.custos.rewrite.corpus.Corpus;
import io.custos.rewrite.corpus.CorpusCase;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The leak oracle: every protected value of the sample database is read over a direct connection, then statements from
 * {@link LeakQueryGenerator} run through the gateway as each restricted demo role, and no result cell, error message or
 * warning may contain a value above the role's clearance, nor the part of it that its mask hides. The conformance
 * corpus's queries run first, searched the same way.
 *
 * <p>Then come predicate attacks, which ask about a value without showing it (a pattern, a range or a function of the
 * column in WHERE, HAVING or EXISTS, the column in ORDER BY, GROUP BY or a window): each one on a column above the
 * role's clearance must be refused by the gate.
 *
 * <p>The seed and the number of scripts per role and protocol are printed and can be set with the system properties
 * {@code custos.oracle.seed} and {@code custos.oracle.scripts}, so that a failure can be replayed and a longer run
 * made by hand.
 */
class LeakOracleEndToEndTest {
    private static final long SEED = Long.getLong("custos.oracle.seed", 20_261_203L);
    private static final int SCRIPTS = Integer.getInteger("custos.oracle.scripts", 1_000);
    /** After the scripts, one predicate attack for this many of them. */
    private static final int ATTACKS_PER_SCRIPT = 4;
    /** Needles at least this long are searched inside cells; shorter ones must equal a whole text cell. */
    private static final int SEARCH_LENGTH = 6;
    /** Hidden parts shorter than this are not searched at all: they would match by chance. */
    private static final int SHORTEST_HIDDEN = 3;

    private static final Pattern HEX = Pattern.compile("(?:[0-9a-fA-F]{2}){6,}");
    private static final Pattern BASE64 =
            Pattern.compile("(?:[A-Za-z0-9+/]{4}){3,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?");

    /** A refusal names the rule, never a class, a package or an exception of the gateway's own code. */
    private static final Pattern INTERNAL_NAMES =
            Pattern.compile("org\\.apache|java\\.lang|calcite|Exception|because \"");

    private static final Pattern CORPUS_QUERY =
            Pattern.compile("\\s*\\(*\\s*(?:SELECT|WITH|VALUES|TABLE|EXPLAIN)\\b", Pattern.CASE_INSENSITIVE);

    private static GatewayFixture fixture;

    @BeforeAll
    static void startGateway() {
        fixture = GatewayFixture.get();
    }

    @ParameterizedTest(name = "{0} as {1}")
    @CsvSource({
        "POSTGRESQL, clerk",
        "POSTGRESQL, staff",
        "POSTGRESQL, contractor",
        "MYSQL, clerk",
        "MYSQL, staff",
        "MYSQL, contractor"
    })
    void generatedStatements_revealNoProtectedValue(Dialect dialect, String user) throws SQLException {
        int clearance = clearance(user);
        Secrets secrets = Secrets.read(dialect, clearance);
        long seed = SEED + dialect.ordinal() * 1_000L + clearance;
        System.out.printf(
                "leak oracle: %s as %s (clearance %d), seed %d, %d scripts, %d protected values%n",
                dialect, user, clearance, seed, SCRIPTS, secrets.values());

        Outcomes corpus = runCorpus(dialect, user, secrets);
        System.out.printf("leak oracle: %s as %s, the corpus's queries: %s%n", dialect, user, corpus);
        assertThat(corpus.leaks).as("leaks of the corpus's queries").isEmpty();
        assertThat(corpus.passed).as("corpus queries answered").isGreaterThan(50);

        Outcomes outcomes = run(dialect, user, clearance, seed, SCRIPTS, secrets);

        System.out.printf("leak oracle: %s as %s: %s%n", dialect, user, outcomes);
        assertThat(outcomes.leaks).as("leaks (seed %d)", seed).isEmpty();
        assertThat(outcomes.internalMessages)
                .as("refusals that speak of the gateway's internals (seed %d)", seed)
                .isEmpty();
        // Every question about a value above the caller's clearance must be refused by the gate, not answered.
        assertThat(outcomes.attacks)
                .as("predicate attacks on columns above the clearance")
                .isGreaterThan(0);
        assertThat(outcomes.attacksAnswered)
                .as("predicate attacks answered (seed %d)", seed)
                .isEmpty();
        // An oracle whose statements all fail proves nothing: most must come back with rows.
        assertThat(outcomes.withRows).as("scripts that returned rows").isGreaterThan(SCRIPTS / 3);
    }

    /** The same oracle pointed at a caller who may see the values: it must find them, or it could find nothing. */
    @Test
    void oracle_findsTheValuesOfACallerWhoMaySeeThem() throws SQLException {
        for (Dialect dialect : Dialect.values()) {
            Secrets secrets = Secrets.read(dialect, 0);

            Outcomes outcomes = run(dialect, "it_admin", 3, SEED, 100, secrets);

            assertThat(outcomes.leaks)
                    .as("values it_admin reads on %s", dialect)
                    .hasSizeGreaterThan(20);
            // The predicate attacks are questions the database answers for a caller who may ask them.
            assertThat(outcomes.attacksWithRows)
                    .as("predicate attacks it_admin gets rows for on %s", dialect)
                    .isGreaterThan(100 / ATTACKS_PER_SCRIPT / 3);
        }
    }

    private static Outcomes run(Dialect dialect, String user, int clearance, long seed, int scripts, Secrets secrets)
            throws SQLException {
        LeakQueryGenerator generator = new LeakQueryGenerator(seed, dialect);
        Outcomes outcomes = new Outcomes();
        try (Connection connection = connect(dialect, user)) {
            for (int i = 0; i < scripts + scripts / ATTACKS_PER_SCRIPT; i++) {
                boolean attacking = i >= scripts;
                LeakQueryGenerator.Script script = attacking ? generator.nextAttack() : generator.next();
                boolean attack = script.attackedLevel() > clearance;
                int refusedBefore = outcomes.refused;
                boolean rows = false;
                for (String sql : script.statements()) {
                    for (String received : execute(connection, sql, outcomes)) {
                        rows = true;
                        secrets.find(received).ifPresent(found -> outcomes.leaks.add(found + " in: " + sql));
                    }
                    for (String message : outcomes.drainMessages()) {
                        secrets.find(message).ifPresent(found -> outcomes.leaks.add(found + " in error of: " + sql));
                    }
                }
                if (rows && !attacking) {
                    outcomes.withRows++;
                }
                if (rows && attacking) {
                    outcomes.attacksWithRows++;
                }
                if (attack) {
                    outcomes.attacks++;
                    if (outcomes.refused == refusedBefore) {
                        outcomes.attacksAnswered.add(String.join("; ", script.statements()));
                    }
                }
            }
        }
        return outcomes;
    }

    /**
     * The conformance corpus's queries of one statement each (SELECT, WITH, VALUES, TABLE, EXPLAIN; no placeholders),
     * each in a transaction rolled back after it, searched like the generated ones. The corpus's own views are not on
     * this database, so the cases reading them are answered with an error or a refusal.
     */
    private static Outcomes runCorpus(Dialect dialect, String user, Secrets secrets) throws SQLException {
        Outcomes outcomes = new Outcomes();
        List<String> queries = Corpus.load(dialect == Dialect.POSTGRESQL ? Corpus.POSTGRESQL : Corpus.MYSQL).stream()
                .filter(c -> c.params().isEmpty() && c.sqlMode().isEmpty())
                .map(CorpusCase::sql)
                .filter(sql -> !sql.contains(";") && CORPUS_QUERY.matcher(sql).lookingAt())
                .distinct()
                .toList();
        try (Connection connection = connect(dialect, user)) {
            connection.setAutoCommit(false);
            for (String sql : queries) {
                List<String> cells = execute(connection, sql, outcomes);
                if (!cells.isEmpty()) {
                    outcomes.withRows++;
                }
                for (String received : cells) {
                    secrets.find(received).ifPresent(found -> outcomes.leaks.add(found + " in: " + sql));
                }
                for (String message : outcomes.drainMessages()) {
                    secrets.find(message).ifPresent(found -> outcomes.leaks.add(found + " in error of: " + sql));
                }
                connection.rollback();
            }
        }
        return outcomes;
    }

    /** The text cells of the statement's rows; its error and warnings go to {@code outcomes}' messages. */
    private static List<String> execute(Connection connection, String sql, Outcomes outcomes) {
        List<String> cells = new ArrayList<>();
        try (Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(20);
            if (statement.execute(sql)) {
                try (ResultSet result = statement.getResultSet()) {
                    ResultSetMetaData meta = result.getMetaData();
                    while (result.next()) {
                        for (int i = 1; i <= meta.getColumnCount(); i++) {
                            String value = result.getString(i);
                            if (value != null) {
                                cells.add(isText(meta.getColumnType(i)) ? value : Secrets.NUMERIC_CELL + value);
                            }
                        }
                    }
                }
            }
            for (SQLWarning w = statement.getWarnings(); w != null; w = w.getNextWarning()) {
                outcomes.messages.add(w.getMessage());
            }
            outcomes.passed++;
        } catch (SQLException e) {
            outcomes.messages.add(e.getMessage());
            if ("42501".equals(e.getSQLState()) || e.getErrorCode() == 1142) {
                outcomes.refused++;
                if (INTERNAL_NAMES.matcher(e.getMessage()).find()) {
                    outcomes.internalMessages.add(e.getMessage() + " for: " + sql);
                }
                outcomes.refusals.merge(e.getMessage().replaceAll("\\d+", "N"), 1, Integer::sum);
            } else {
                outcomes.failed++;
            }
        }
        return cells;
    }

    private static boolean isText(int type) {
        return switch (type) {
            case Types.CHAR,
                    Types.VARCHAR,
                    Types.LONGVARCHAR,
                    Types.NCHAR,
                    Types.NVARCHAR,
                    Types.LONGNVARCHAR,
                    Types.CLOB,
                    Types.OTHER,
                    Types.ARRAY -> true;
            default -> false;
        };
    }

    private static Connection connect(Dialect dialect, String user) throws SQLException {
        return dialect == Dialect.POSTGRESQL ? fixture.connect(user) : fixture.connectMySql(user, "");
    }

    private static int clearance(String user) {
        return fixture.policy.role(fixture.policy.user(user).orElseThrow()).clearance();
    }

    private static final class Outcomes {
        final List<String> leaks = new ArrayList<>();
        final List<String> messages = new ArrayList<>();
        final List<String> internalMessages = new ArrayList<>();
        final Map<String, Integer> refusals = new HashMap<>();
        final List<String> attacksAnswered = new ArrayList<>();
        int attacks;
        int attacksWithRows;
        int passed;
        int refused;
        int failed;
        int withRows;

        List<String> drainMessages() {
            List<String> drained = List.copyOf(messages);
            messages.clear();
            return drained;
        }

        @Override
        public String toString() {
            return ("%d statements ran, %d refused by the gate, %d failed in the database; %d scripts returned rows; %d leaks;"
                                    + " %d predicate attacks, %d refused")
                            .formatted(
                                    passed,
                                    refused,
                                    failed,
                                    withRows,
                                    leaks.size(),
                                    attacks,
                                    attacks - attacksAnswered.size())
                    + refusals.entrySet().stream()
                            .sorted(Map.Entry.<String, Integer>comparingByValue()
                                    .reversed())
                            .limit(8)
                            .map(e -> "\n    " + e.getValue() + " x " + e.getKey())
                            .collect(java.util.stream.Collectors.joining());
        }
    }

    /** The protected values of one protocol's sample database for one clearance, and a search for them in text. */
    private static final class Secrets {
        /** Prefix marking a cell of a numeric column, compared as a number rather than searched as text. */
        static final String NUMERIC_CELL = "\u0000number:";

        private final Map<String, List<String>> byPrefix = new HashMap<>();
        private final Map<String, String> wholeText = new HashMap<>();
        private final Map<BigDecimal, String> numbers = new HashMap<>();

        static Secrets read(Dialect dialect, int clearance) throws SQLException {
            Secrets secrets = new Secrets();
            String schema = dialect == Dialect.POSTGRESQL ? "public" : "custos_demo";
            try (Connection direct =
                    dialect == Dialect.POSTGRESQL ? fixture.connectDirect() : fixture.connectMySqlDirect()) {
                for (ColumnRule rule : fixture.policy.classification().rules()) {
                    if (rule.schema().equals(schema) && rule.level() > clearance) {
                        secrets.readColumn(direct, rule);
                    }
                }
            }
            return secrets;
        }

        private void readColumn(Connection direct, ColumnRule rule) throws SQLException {
            String label = rule.table() + "." + rule.column();
            try (Statement statement = direct.createStatement();
                    ResultSet result = statement.executeQuery("SELECT " + rule.column() + " FROM " + rule.table())) {
                boolean numeric = !isText(result.getMetaData().getColumnType(1));
                while (result.next()) {
                    if (numeric) {
                        BigDecimal value = result.getBigDecimal(1);
                        if (value != null && value.abs().compareTo(BigDecimal.valueOf(10_000)) >= 0) {
                            numbers.put(value.stripTrailingZeros(), label);
                            add(value.toPlainString(), label);
                        }
                    } else {
                        String value = result.getString(1);
                        if (value != null) {
                            addText(value, rule.mask(), label);
                        }
                    }
                }
            }
        }

        private void addText(String value, Mask mask, String label) {
            add(value, label);
            if (mask instanceof Mask.Partial partial && value.length() > partial.keepFirst() + partial.keepLast()) {
                int hiddenEnd = value.length() - partial.keepLast();
                String hidden = value.substring(partial.keepFirst(), hiddenEnd);
                if (hidden.length() >= SHORTEST_HIDDEN) {
                    // Alone, a short run of digits turns up inside other long numbers by chance: a whole cell only.
                    wholeText.putIfAbsent(hidden, label + " (hidden part)");
                }
                // Shifted next to a kept end, a short hidden part is long enough to search for.
                add(value.substring(0, hiddenEnd), label + " (kept start and hidden part)");
                add(value.substring(partial.keepFirst()), label + " (hidden part and kept end)");
            }
        }

        private void add(String needle, String label) {
            if (needle.length() >= SEARCH_LENGTH) {
                byPrefix.computeIfAbsent(needle.substring(0, SEARCH_LENGTH), k -> new ArrayList<>())
                        .add(needle);
                wholeText.putIfAbsent(needle, label);
            } else if (!needle.isEmpty()) {
                wholeText.putIfAbsent(needle, label);
            }
        }

        int values() {
            return wholeText.size() + numbers.size();
        }

        /** The first protected value found in {@code text}, described. */
        Optional<String> find(String text) {
            if (text.startsWith(NUMERIC_CELL)) {
                String number = text.substring(NUMERIC_CELL.length());
                try {
                    String label = numbers.get(new BigDecimal(number).stripTrailingZeros());
                    return Optional.ofNullable(label).map(l -> l + " value " + number);
                } catch (NumberFormatException e) {
                    return findText(number);
                }
            }
            Optional<String> found = findText(text);
            if (found.isEmpty() && HEX.matcher(text).matches()) {
                found = findText(new String(HexFormat.of().parseHex(text), StandardCharsets.UTF_8))
                        .map(f -> f + " (hex encoded)");
            }
            if (found.isEmpty() && BASE64.matcher(text).matches()) {
                found = findText(new String(Base64.getDecoder().decode(text), StandardCharsets.UTF_8))
                        .map(f -> f + " (base64 encoded)");
            }
            return found;
        }

        private Optional<String> findText(String text) {
            String whole = wholeText.get(text);
            if (whole != null) {
                return Optional.of(whole + " '" + text + "'");
            }
            for (int i = 0; i + SEARCH_LENGTH <= text.length(); i++) {
                List<String> candidates = byPrefix.get(text.substring(i, i + SEARCH_LENGTH));
                if (candidates == null) {
                    continue;
                }
                for (String needle : candidates) {
                    if (text.startsWith(needle, i)) {
                        return Optional.of(wholeText.get(needle) + " '" + needle + "'");
                    }
                }
            }
            return Optional.empty();
        }
    }
}
