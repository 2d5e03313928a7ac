package io.custos.perf;

import io.custos.cli.demo.SampleData;
import io.custos.policy.Backend;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The harness's workloads over the sample database, the same SQL on both protocols.
 *
 * <table>
 *   <caption>Workloads</caption>
 *   <tr><th>name</th><th>user</th><th>what the gateway does</th></tr>
 *   <tr><td>point-unclassified</td><td>it_admin</td><td>full clearance: passes unanalysed</td></tr>
 *   <tr><td>point-masked</td><td>staff</td><td>bank account and card numbers (level 3) masked</td></tr>
 *   <tr><td>range-masked</td><td>contractor</td><td>100 customers, name, mobile and address masked</td></tr>
 *   <tr><td>insert</td><td>staff</td><td>a ticket inserted, analysed as a write</td></tr>
 *   <tr><td>service-desk</td><td>desk</td><td>lookups by mobile under its equality filter, joins, inserts</td></tr>
 * </table>
 *
 * <p>The point selects come as text with the value in (each statement text new to the gateway's analysis cache) and
 * prepared; the others prepared.
 */
final class Workloads {
    static final String POINT_UNCLASSIFIED = "SELECT id, project_id, created_at FROM customer WHERE id = ";
    static final String POINT_MASKED =
            "SELECT customer_id, bank_name, account_no, credit_card_no FROM customer_bank WHERE customer_id = ";
    static final String RANGE_MASKED =
            "SELECT id, name, mobile, home_address FROM customer WHERE id >= ? AND id < ? ORDER BY id";
    static final String INSERT_TICKET =
            "INSERT INTO service_ticket (customer_id, category, content, status, created_at)"
                    + " VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP)";
    static final String BY_MOBILE = "SELECT id, name, mobile FROM customer WHERE mobile = ?";
    static final String TICKETS_OF_CUSTOMER = "SELECT t.id, t.category, t.status, t.created_at, c.name, c.mobile"
            + " FROM service_ticket t JOIN customer c ON c.id = t.customer_id WHERE t.customer_id = ?";
    static final String CUSTOMER_WITH_PROJECT = "SELECT c.id, c.name, p.name, p.city FROM customer c"
            + " JOIN project p ON p.id = c.project_id WHERE c.id = ?";

    private static final int RANGE_ROWS = 100;

    private Workloads() {}

    static List<Workload> all(Backend.Protocol protocol, SampleData data) {
        int customers = data.customers().size();
        List<String> mobiles =
                data.customers().stream().map(SampleData.Customer::mobile).toList();
        List<Workload> workloads = new ArrayList<>();
        workloads.add(new Workload(
                "point-unclassified-simple",
                protocol,
                "it_admin",
                false,
                "point SELECT of unclassified columns by primary key, as text, it_admin",
                connection -> text(connection, POINT_UNCLASSIFIED, customers)));
        workloads.add(new Workload(
                "point-unclassified-prepared",
                protocol,
                "it_admin",
                true,
                "point SELECT of unclassified columns by primary key, prepared, it_admin",
                connection -> prepared(connection, POINT_UNCLASSIFIED, customers)));
        workloads.add(new Workload(
                "point-masked-simple",
                protocol,
                "staff",
                false,
                "point SELECT of level-3 columns (masked) by primary key, as text, staff",
                connection -> text(connection, POINT_MASKED, customers)));
        workloads.add(new Workload(
                "point-masked-prepared",
                protocol,
                "staff",
                true,
                "point SELECT of level-3 columns (masked) by primary key, prepared, staff",
                connection -> prepared(connection, POINT_MASKED, customers)));
        workloads.add(new Workload(
                "range-100-masked",
                protocol,
                "contractor",
                true,
                "100-row range SELECT, three masked columns, prepared, contractor",
                connection -> range(connection, customers)));
        workloads.add(new Workload(
                "insert",
                protocol,
                "staff",
                true,
                "INSERT of a service ticket, prepared, staff",
                connection -> insert(connection, customers)));
        workloads.add(new Workload(
                "service-desk",
                protocol,
                HarnessPolicy.DESK_USER,
                true,
                "50% lookup by mobile (equality filter), 20% tickets joined to their customer,"
                        + " 15% customer joined to its project, 15% ticket INSERT; prepared, desk (clearance 0)",
                connection -> serviceDesk(connection, customers, mobiles)));
        return workloads;
    }

    /** {@code prefix} followed by a random customer id, as text. */
    private static Workload.Operation text(Connection connection, String prefix, int customers) throws SQLException {
        Statement statement = connection.createStatement();
        return new Workload.Operation() {
            @Override
            public void run(SplittableRandom random) throws SQLException {
                try (ResultSet result = statement.executeQuery(prefix + (1 + random.nextInt(customers)))) {
                    consume(result);
                }
            }

            @Override
            public void close() throws SQLException {
                statement.close();
            }
        };
    }

    /** {@code prefix} followed by a placeholder for a random customer id. */
    private static Workload.Operation prepared(Connection connection, String prefix, int customers)
            throws SQLException {
        PreparedStatement statement = connection.prepareStatement(prefix + "?");
        return new Workload.Operation() {
            @Override
            public void run(SplittableRandom random) throws SQLException {
                statement.setLong(1, 1 + random.nextInt(customers));
                try (ResultSet result = statement.executeQuery()) {
                    consume(result);
                }
            }

            @Override
            public void close() throws SQLException {
                statement.close();
            }
        };
    }

    private static Workload.Operation range(Connection connection, int customers) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(RANGE_MASKED);
        return new Workload.Operation() {
            @Override
            public void run(SplittableRandom random) throws SQLException {
                long first = 1 + random.nextInt(customers - RANGE_ROWS + 1);
                statement.setLong(1, first);
                statement.setLong(2, first + RANGE_ROWS);
                try (ResultSet result = statement.executeQuery()) {
                    consume(result);
                }
            }

            @Override
            public void close() throws SQLException {
                statement.close();
            }
        };
    }

    private static Workload.Operation insert(Connection connection, int customers) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(INSERT_TICKET);
        return new Workload.Operation() {
            @Override
            public void run(SplittableRandom random) throws SQLException {
                bindTicket(statement, random, customers);
                statement.executeUpdate();
            }

            @Override
            public void close() throws SQLException {
                statement.close();
            }
        };
    }

    private static Workload.Operation serviceDesk(Connection connection, int customers, List<String> mobiles)
            throws SQLException {
        PreparedStatement byMobile = connection.prepareStatement(BY_MOBILE);
        PreparedStatement tickets = connection.prepareStatement(TICKETS_OF_CUSTOMER);
        PreparedStatement withProject = connection.prepareStatement(CUSTOMER_WITH_PROJECT);
        PreparedStatement insert = connection.prepareStatement(INSERT_TICKET);
        return new Workload.Operation() {
            @Override
            public void run(SplittableRandom random) throws SQLException {
                int dice = random.nextInt(100);
                if (dice < 50) {
                    byMobile.setString(1, mobiles.get(random.nextInt(mobiles.size())));
                    query(byMobile);
                    return;
                }
                if (dice < 70) {
                    tickets.setLong(1, 1 + random.nextInt(customers));
                    query(tickets);
                    return;
                }
                if (dice < 85) {
                    withProject.setLong(1, 1 + random.nextInt(customers));
                    query(withProject);
                    return;
                }
                bindTicket(insert, random, customers);
                insert.executeUpdate();
            }

            @Override
            public void close() throws SQLException {
                byMobile.close();
                tickets.close();
                withProject.close();
                insert.close();
            }
        };
    }

    private static void bindTicket(PreparedStatement statement, SplittableRandom random, int customers)
            throws SQLException {
        statement.setLong(1, 1 + random.nextInt(customers));
        statement.setString(2, "repair");
        statement.setString(3, "perf harness ticket " + random.nextInt(1_000_000));
        statement.setString(4, "open");
    }

    private static void query(PreparedStatement statement) throws SQLException {
        try (ResultSet result = statement.executeQuery()) {
            consume(result);
        }
    }

    /** Reads every column of every row as text, as an application showing the result would. */
    private static void consume(ResultSet result) throws SQLException {
        int columns = result.getMetaData().getColumnCount();
        while (result.next()) {
            for (int column = 1; column <= columns; column++) {
                result.getString(column);
            }
        }
    }
}
