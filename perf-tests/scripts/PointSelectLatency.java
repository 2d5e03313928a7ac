import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Added latency of a point SELECT over the MySQL protocol, through Custos against direct, with one client.
 *
 * <p>Run with the MariaDB JDBC driver on the class path, against a running demo:
 * {@code java -cp mariadb-java-client.jar perf-tests/scripts/PointSelectLatency.java DIRECT_URL GATEWAY_URL}, for
 * example {@code jdbc:mariadb://127.0.0.1:<port>/custos_demo?user=root&password=<pw>} and
 * {@code jdbc:mariadb://127.0.0.1:13306/custos_demo?user=contractor&password=custos-demo}. Rounds alternate direct
 * and gateway so the machine's drift hits both; each round times every statement and the medians over rounds are
 * printed.
 */
public final class PointSelectLatency {
    private static final int ROUNDS = 5;
    private static final int STATEMENTS_PER_ROUND = 5_000;
    private static final String SQL = "SELECT id, project_id, name, mobile, created_at FROM customer WHERE id = ?";

    public static void main(String[] args) throws Exception {
        String[] names = {"direct", "custos"};
        double[][] medians = new double[2][ROUNDS];
        double[][] p99s = new double[2][ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            for (int target = 0; target < 2; target++) {
                long[] micros = run(args[target]);
                medians[target][round] = micros[micros.length / 2];
                p99s[target][round] = micros[micros.length * 99 / 100];
            }
        }
        System.out.printf("%-8s %12s %12s%n", "target", "median us", "p99 us");
        for (int target = 0; target < 2; target++) {
            System.out.printf("%-8s %12.0f %12.0f%n", names[target], median(medians[target]), median(p99s[target]));
        }
        System.out.printf("%d rounds of %d prepared point selects, one client; medians over rounds%n", ROUNDS,
                STATEMENTS_PER_ROUND);
    }

    private static long[] run(String url) throws Exception {
        SplittableRandom random = new SplittableRandom(42);
        long[] micros = new long[STATEMENTS_PER_ROUND];
        try (Connection connection = DriverManager.getConnection(url);
                PreparedStatement statement = connection.prepareStatement(SQL)) {
            for (int i = -1_000; i < STATEMENTS_PER_ROUND; i++) {
                statement.setLong(1, random.nextInt(1, 3001));
                long start = System.nanoTime();
                try (ResultSet result = statement.executeQuery()) {
                    while (result.next()) {
                        result.getString(4);
                    }
                }
                if (i >= 0) {
                    micros[i] = (System.nanoTime() - start) / 1_000;
                }
            }
        }
        Arrays.sort(micros);
        return micros;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
