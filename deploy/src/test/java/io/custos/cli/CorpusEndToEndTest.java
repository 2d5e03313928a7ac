package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.custos.policy.ColumnRule;
import io.custos.rewrite.corpus.Corpus;
import io.custos.rewrite.corpus.CorpusCase;
import io.custos.rewrite.corpus.CorpusCase.MaskedOutput;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLXML;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.PGConnection;

/**
 * The conformance corpus end to end: every case through the gateway with the real drivers (pgjdbc; MariaDB
 * Connector/J) against PostgreSQL 17 and MariaDB 11.4, and, where the gateway lets it through, the same statement on a
 * direct connection with the gateway's own database account. A refusal must be the protocol's permission error with
 * the rule's message, after which the session still answers; a rewrite must return what the direct connection returns
 * with each masked output changed exactly as its mask says (NULL for computed values); a pass must return what the
 * direct connection returns, or fail with the same SQLSTATE. Every case runs in a transaction that is rolled back.
 */
class CorpusEndToEndTest {
    private static final Map<String, String> USERS =
            Map.of("it_engineer", "it_admin", "info_clerk", "clerk", "staff", "staff", "contractor", "contractor");

    /** A part of the message of each rule's refusals, for cases that do not give one. */
    private static final Map<String, String> RULE_MESSAGES = Map.ofEntries(
            Map.entry("role-permission", " may not run "),
            Map.entry("import-export", " may not import or export data "),
            Map.entry("laundering", " may copy "),
            Map.entry("returning", "RETURNING "),
            Map.entry("routine", "reserved to full clearance"),
            Map.entry("catalog-values", " shows column values "),
            Map.entry("unanalysable", "could not be analysed"),
            Map.entry("session-change", "sql_mode"),
            Map.entry("predicate", " by role "),
            Map.entry("result-shaping", " may not be used in "),
            Map.entry("analysis-bounds", "too large to analyse"),
            Map.entry("diagnostics", "diagnostics"));

    private static final Pattern PARAMETER = Pattern.compile("\\$(\\d+)");
    private static final Pattern DISTINCT_SET_OPERATION =
            Pattern.compile("(?i)\\b(?:UNION|INTERSECT|EXCEPT)\\b(?!\\s+ALL\\b)");

    private static GatewayFixture fixture;
    private static OwnGateway gateway;
    private static Connection postgresDirect;
    private static final Map<String, Connection> postgresGateway = new HashMap<>();

    /**
     * The corpus files' views are created directly on both databases, then a gateway of the test's own starts with
     * the files' classification entries, so that its catalog holds the views from the start.
     */
    @BeforeAll
    static void startGateway() throws SQLException {
        fixture = GatewayFixture.get();
        dropViews();
        try (Connection connection = fixture.connectDirect();
                Statement statement = connection.createStatement()) {
            for (Corpus.View view : Corpus.views(Corpus.POSTGRESQL)) {
                statement.execute(view.sql());
            }
        }
        try (Connection connection = fixture.connectMySqlDirect();
                Statement statement = connection.createStatement()) {
            for (Corpus.View view : Corpus.views(Corpus.MYSQL)) {
                statement.execute(view.sql());
            }
        }
        gateway = new OwnGateway(Corpus.classification(Corpus.POSTGRESQL) + Corpus.classification(Corpus.MYSQL), "");
        postgresDirect = fixture.connectDirect();
        postgresDirect.setAutoCommit(false);
    }

    @AfterAll
    static void closeConnections() throws SQLException, IOException {
        for (Connection connection : postgresGateway.values()) {
            connection.close();
        }
        postgresGateway.clear();
        if (postgresDirect != null) {
            postgresDirect.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        dropViews();
    }

    /** Views over views first. */
    private static void dropViews() throws SQLException {
        try (Connection connection = fixture.connectDirect();
                Statement statement = connection.createStatement()) {
            for (String view : droppingOrder(Corpus.POSTGRESQL)) {
                statement.execute("DROP VIEW IF EXISTS " + view);
            }
        }
        try (Connection connection = fixture.connectMySqlDirect();
                Statement statement = connection.createStatement()) {
            for (String view : droppingOrder(Corpus.MYSQL)) {
                statement.execute("DROP VIEW IF EXISTS " + view);
            }
        }
    }

    private static List<String> droppingOrder(String file) {
        List<String> names = new ArrayList<>(
                Corpus.views(file).stream().map(Corpus.View::name).toList());
        Collections.reverse(names);
        return names;
    }

    static Stream<CorpusCase> postgresCases() {
        return Corpus.load(Corpus.POSTGRESQL).stream()
                .filter(c -> c.notEndToEnd().isEmpty());
    }

    static Stream<CorpusCase> mySqlCases() {
        return Corpus.load(Corpus.MYSQL).stream().filter(c -> c.notEndToEnd().isEmpty());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("postgresCases")
    void postgres_throughTheGatewayAsTheCorpusSays(CorpusCase corpusCase) throws SQLException {
        Connection gateway = postgresGateway(corpusCase.role());
        try {
            check(corpusCase, postgresDirect, gateway, false);
        } finally {
            postgresDirect.rollback();
            if (gateway.isValid(5)) {
                gateway.rollback();
            } else {
                postgresGateway.remove(corpusCase.role()).close();
            }
        }
    }

    /** Each MySQL case on fresh connections: temporary tables, sql_mode and warnings outlive a rollback there. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("mySqlCases")
    void mySql_throughTheGatewayAsTheCorpusSays(CorpusCase corpusCase) throws SQLException {
        String options = "allowMultiQueries=true" + (corpusCase.params().isEmpty() ? "" : "&useServerPrepStmts=true");
        try (Connection direct = java.sql.DriverManager.getConnection(
                        fixture.mariaDb.jdbcUrl() + "?" + options,
                        fixture.mariaDb.gatewayUser(),
                        fixture.mariaDb.gatewayPassword());
                Connection through = gateway.connectMySql(USERS.get(corpusCase.role()), options)) {
            for (Connection connection : List.of(direct, through)) {
                connection.setAutoCommit(false);
                for (String flag : corpusCase.sqlMode()) {
                    try (Statement statement = connection.createStatement()) {
                        statement.execute("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',"
                                + flag.toUpperCase(Locale.ROOT) + "')");
                    }
                }
            }
            try {
                check(corpusCase, direct, through, true);
            } finally {
                direct.rollback();
                if (through.isValid(5)) {
                    through.rollback();
                }
            }
        }
    }

    private static Connection postgresGateway(String role) throws SQLException {
        Connection connection = postgresGateway.get(role);
        if (connection == null) {
            connection = gateway.connect(USERS.get(role));
            connection.setAutoCommit(false);
            postgresGateway.put(role, connection);
        }
        return connection;
    }

    /**
     * Each side's transaction ends before the other side runs: a write holds its row locks until then, and the same
     * write on the other connection would wait for them.
     */
    private static void check(CorpusCase corpusCase, Connection direct, Connection gateway, boolean mySql)
            throws SQLException {
        Outcome through = run(gateway, corpusCase, mySql);
        if (corpusCase.expected() == CorpusCase.Expected.REFUSE) {
            assertRefused(corpusCase, through, gateway, mySql);
            return;
        }
        gateway.rollback();
        Outcome reference = run(direct, corpusCase, mySql);
        direct.rollback();
        if (corpusCase.expected() == CorpusCase.Expected.PASS) {
            assertSame(corpusCase, reference, through, mySql);
        } else {
            assertMasked(corpusCase, reference, through, mySql);
        }
    }

    private static void assertRefused(CorpusCase corpusCase, Outcome through, Connection gateway, boolean mySql)
            throws SQLException {
        assertThat((Object) through.error()).as("%s: refused", corpusCase).isNotNull();
        SQLException error = through.error();
        if (mySql) {
            assertThat(error.getErrorCode())
                    .as("%s: %s", corpusCase, error.getMessage())
                    .isEqualTo(1142);
            assertThat(error.getSQLState()).as("%s", corpusCase).isEqualTo("42000");
        } else {
            assertThat(error.getSQLState())
                    .as("%s: %s", corpusCase, error.getMessage())
                    .isEqualTo("42501");
        }
        String expected =
                corpusCase.message().orElse(RULE_MESSAGES.get(corpusCase.rule().orElseThrow()));
        assertThat(error.getMessage()).as("%s", corpusCase).contains("custos: ").contains(expected);

        gateway.rollback();
        try (Statement statement = gateway.createStatement();
                ResultSet result = statement.executeQuery("SELECT 1")) {
            assertThat(result.next())
                    .as("%s: the session answers after the refusal", corpusCase)
                    .isTrue();
            assertThat(result.getInt(1)).isEqualTo(1);
        }
    }

    private static void assertSame(CorpusCase corpusCase, Outcome direct, Outcome through, boolean mySql) {
        if (direct.error() != null) {
            assertThat((Object) through.error())
                    .as("%s: fails directly with %s", corpusCase, direct.error().getMessage())
                    .isNotNull();
            assertThat(through.error().getSQLState())
                    .as("%s: %s", corpusCase, through.error().getMessage())
                    .isEqualTo(direct.error().getSQLState());
            if (mySql) {
                assertThat(through.error().getErrorCode())
                        .isEqualTo(direct.error().getErrorCode());
            }
            return;
        }
        assertThat((Object) through.error())
                .as("%s: succeeds directly", corpusCase)
                .isNull();
        assertResults(corpusCase, direct.results(), through.results(), List.of(), mySql);
    }

    private static void assertMasked(CorpusCase corpusCase, Outcome direct, Outcome through, boolean mySql) {
        assertThat((Object) direct.error()).as("%s: runs directly", corpusCase).isNull();
        assertThat((Object) through.error())
                .as("%s: rewritten and run", corpusCase)
                .isNull();
        assertResults(corpusCase, direct.results(), through.results(), corpusCase.masked(), mySql);
    }

    /** Labels equal; rows equal as multisets (as sets after a set operation without ALL), masks applied to direct. */
    private static void assertResults(
            CorpusCase corpusCase,
            List<Result> direct,
            List<Result> through,
            List<MaskedOutput> masked,
            boolean mySql) {
        assertThat(through).as("%s: results", corpusCase).hasSameSizeAs(direct);
        boolean anyMasked = false;
        for (int index = 0; index < direct.size(); index++) {
            Result expected = direct.get(index);
            Result actual = through.get(index);
            assertThat(actual.labels()).as("%s: labels", corpusCase).isEqualTo(expected.labels());
            assertThat(actual.count()).as("%s: row count", corpusCase).isEqualTo(expected.count());
            List<List<Object>> expectedRows = expected.rows();
            Map<Integer, MaskedOutput> columns = maskedColumns(corpusCase, expected.labels(), masked);
            anyMasked |= !columns.isEmpty();
            if (!columns.isEmpty()) {
                expectedRows = expectedRows.stream()
                        .map(row -> masked(row, columns, mySql))
                        .toList();
            }
            List<String> wanted = sorted(expectedRows);
            List<String> got = sorted(actual.rows());
            if (!wanted.equals(got)
                    && DISTINCT_SET_OPERATION.matcher(corpusCase.sql()).find()) {
                wanted = new ArrayList<>(new TreeSet<>(wanted));
                got = new ArrayList<>(new TreeSet<>(got));
            }
            assertThat(got).as("%s: rows", corpusCase).isEqualTo(wanted);
        }
        if (!masked.isEmpty()) {
            assertThat(anyMasked)
                    .as("%s: a result holds the masked outputs", corpusCase)
                    .isTrue();
        }
    }

    /** Column index → masked output, for the outputs of this result the case names. */
    private static Map<Integer, MaskedOutput> maskedColumns(
            CorpusCase corpusCase, List<String> labels, List<MaskedOutput> masked) {
        Map<Integer, MaskedOutput> columns = new HashMap<>();
        for (MaskedOutput output : masked) {
            if (output.label().isEmpty()) {
                if (output.position() <= labels.size()) {
                    columns.put(output.position() - 1, output);
                }
                continue;
            }
            int first = labels.indexOf(output.label().get());
            if (first < 0) {
                continue;
            }
            if (labels.lastIndexOf(output.label().get()) != first) {
                fail(corpusCase + ": label " + output.label().get() + " is not unique; name the output by position");
            }
            columns.put(first, output);
        }
        return columns;
    }

    private static List<Object> masked(List<Object> row, Map<Integer, MaskedOutput> columns, boolean mySql) {
        List<Object> values = new ArrayList<>(row);
        columns.forEach((index, output) -> values.set(
                index,
                output.maskOf()
                        .map(column -> ExpectedMask.apply(rule(column, mySql).mask(), row.get(index)))
                        .orElse(null)));
        return values;
    }

    private static ColumnRule rule(String column, boolean mySql) {
        String[] parts = column.split("\\.");
        return gateway.policy
                .classification()
                .rule(mySql ? "custos_demo" : "public", parts[0], parts[1])
                .orElseThrow(() -> new IllegalArgumentException(column + " is not classified in the demo policy"));
    }

    private static List<String> sorted(List<List<Object>> rows) {
        return rows.stream().map(Object::toString).sorted().toList();
    }

    // ---- running a case

    private record Result(List<String> labels, List<List<Object>> rows, long count) {}

    /** The results of a statement, or the error it failed with. */
    private record Outcome(List<Result> results, SQLException error) {}

    private static Outcome run(Connection connection, CorpusCase corpusCase, boolean mySql) {
        try {
            if (!mySql && corpusCase.sql().regionMatches(true, 0, "COPY", 0, 4)) {
                return new Outcome(copy(connection, corpusCase.sql()), null);
            }
            if (!corpusCase.params().isEmpty()) {
                String sql = mySql
                        ? corpusCase.sql()
                        : PARAMETER.matcher(corpusCase.sql()).replaceAll("?");
                try (PreparedStatement statement = connection.prepareStatement(sql)) {
                    for (int index = 0; index < corpusCase.params().size(); index++) {
                        statement.setObject(index + 1, corpusCase.params().get(index));
                    }
                    return new Outcome(results(statement, statement.execute()), null);
                }
            }
            try (Statement statement = connection.createStatement()) {
                return new Outcome(results(statement, statement.execute(corpusCase.sql())), null);
            }
        } catch (SQLException e) {
            return new Outcome(List.of(), e);
        }
    }

    /** COPY through pgjdbc's CopyManager: the text copied out, or the rows copied in from an empty input. */
    private static List<Result> copy(Connection connection, String sql) throws SQLException {
        try {
            var copyManager = connection.unwrap(PGConnection.class).getCopyAPI();
            if (sql.toUpperCase(Locale.ROOT).contains("STDIN")) {
                long rows = copyManager.copyIn(sql, new StringReader(""));
                return List.of(new Result(List.of(), List.of(), rows));
            }
            if (!sql.toUpperCase(Locale.ROOT).contains("STDOUT")) {
                try (Statement statement = connection.createStatement()) {
                    return results(statement, statement.execute(sql));
                }
            }
            StringWriter out = new StringWriter();
            long rows = copyManager.copyOut(sql, out);
            return List.of(new Result(List.of("copy"), List.of(List.of(out.toString())), rows));
        } catch (java.io.IOException e) {
            throw new SQLException("COPY failed: " + e.getMessage(), e);
        }
    }

    private static List<Result> results(Statement statement, boolean isResultSet) throws SQLException {
        List<Result> results = new ArrayList<>();
        boolean resultSet = isResultSet;
        while (true) {
            if (resultSet) {
                try (ResultSet rows = statement.getResultSet()) {
                    results.add(read(rows));
                }
            } else {
                long count = statement.getUpdateCount();
                if (count < 0) {
                    return results;
                }
                results.add(new Result(List.of(), List.of(), count));
            }
            resultSet = statement.getMoreResults();
        }
    }

    private static Result read(ResultSet rows) throws SQLException {
        ResultSetMetaData meta = rows.getMetaData();
        List<String> labels = new ArrayList<>();
        for (int column = 1; column <= meta.getColumnCount(); column++) {
            labels.add(meta.getColumnLabel(column));
        }
        List<List<Object>> values = new ArrayList<>();
        while (rows.next()) {
            List<Object> row = new ArrayList<>();
            for (int column = 1; column <= labels.size(); column++) {
                row.add(comparable(rows.getObject(column)));
            }
            values.add(row);
        }
        return new Result(labels, values, values.size());
    }

    /** Arrays, binary strings and driver objects as values that compare by content. */
    private static Object comparable(Object value) throws SQLException {
        if (value instanceof Array array) {
            return Arrays.asList((Object[]) array.getArray());
        }
        if (value instanceof SQLXML xml) {
            return xml.getString();
        }
        if (value instanceof byte[] bytes) {
            return "0x" + HexFormat.of().formatHex(bytes);
        }
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean) {
            return value;
        }
        return Objects.toString(value);
    }
}
