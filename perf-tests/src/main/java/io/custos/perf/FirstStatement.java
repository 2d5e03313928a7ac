package io.custos.perf;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The first statement a freshly started gateway analyses against the ones after it: a contractor's point select of
 * masked columns, as text with a new literal each time, so that every one is analysed afresh (none comes from the
 * cache). The gateway warms its analysis at start; without that the first would cost about a second.
 */
final class FirstStatement {
    private static final int LATER = 50;
    private static final String QUERY = "SELECT id, name, mobile, created_at FROM customer WHERE id = ";

    private FirstStatement() {}

    static Map<String, Object> run(Target gateway) throws SQLException {
        try (Connection connection = gateway.connect("contractor", false);
                Statement statement = connection.createStatement()) {
            double first = time(statement, 1);
            double[] later = new double[LATER];
            for (int index = 0; index < LATER; index++) {
                later[index] = time(statement, 2 + index);
            }
            Arrays.sort(later);
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("firstMicros", first);
            figures.put("laterMedianMicros", later[LATER / 2]);
            figures.put("laterMaxMicros", later[LATER - 1]);
            figures.put("later", LATER);
            return figures;
        }
    }

    private static double time(Statement statement, int id) throws SQLException {
        long started = System.nanoTime();
        try (ResultSet result = statement.executeQuery(QUERY + id)) {
            while (result.next()) {
                result.getString(2);
            }
        }
        return (System.nanoTime() - started) / 1e3;
    }
}
