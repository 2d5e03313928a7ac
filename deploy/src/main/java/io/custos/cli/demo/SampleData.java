package io.custos.cli.demo;

import static java.util.Objects.requireNonNull;

import io.custos.cli.demo.Vocabulary.City;
import io.custos.cli.demo.Vocabulary.District;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The synthetic contents of the sample control-system database: projects, customers with their assets and bank
 * details, and service tickets. Everything is made up and derived from a seed, so the same seed and customer count
 * give the same rows on every run and every machine ({@link SplittableRandom} fixes its algorithm). Identity
 * numbers, mobile numbers, account numbers and card numbers are unique within one generation.
 *
 * <p>The rows are exposed so tests can compare what comes back through the gateway with what was stored.
 */
public final class SampleData {
    public static final long DEFAULT_SEED = 20_240_601L;
    public static final int DEFAULT_CUSTOMERS = 3000;
    public static final int PROJECT_COUNT = 20;

    private static final String POSTGRES_SCHEMA_RESOURCE = "/io/custos/cli/sample/postgres-schema.sql";
    private static final String MYSQL_SCHEMA_RESOURCE = "/io/custos/cli/sample/mysql-schema.sql";
    private static final Pattern STATEMENT_END = Pattern.compile(";\\s*(?:\\R|$)");
    private static final int BATCH_ROWS = 1000;
    /** Rows per multi-row INSERT on MySQL: 500 rows of at most 8 columns stay far below 65535 placeholders. */
    private static final int MYSQL_ROWS_PER_INSERT = 500;

    private static final LocalDateTime FIRST_CUSTOMER_TIME = LocalDateTime.of(2023, 1, 1, 8, 0);
    private static final int CUSTOMER_SPAN_SECONDS = 2 * 365 * 24 * 3600;

    private final long seed;
    private final List<Project> projects;
    private final List<Customer> customers;
    private final List<CustomerAsset> assets;
    private final List<CustomerBank> banks;
    private final List<ServiceTicket> tickets;

    private SampleData(
            long seed,
            List<Project> projects,
            List<Customer> customers,
            List<CustomerAsset> assets,
            List<CustomerBank> banks,
            List<ServiceTicket> tickets) {
        this.seed = seed;
        this.projects = List.copyOf(projects);
        this.customers = List.copyOf(customers);
        this.assets = List.copyOf(assets);
        this.banks = List.copyOf(banks);
        this.tickets = List.copyOf(tickets);
    }

    /** {@link #DEFAULT_CUSTOMERS} customers from {@link #DEFAULT_SEED}. */
    public static SampleData generate() {
        return generate(DEFAULT_CUSTOMERS, DEFAULT_SEED);
    }

    public static SampleData generate(int customerCount) {
        return generate(customerCount, DEFAULT_SEED);
    }

    public static SampleData generate(int customerCount, long seed) {
        if (customerCount < 0) {
            throw new IllegalArgumentException("customerCount: " + customerCount + " (expected: >= 0)");
        }
        return new Generator(seed).generate(customerCount);
    }

    /** The PostgreSQL DDL of the sample schema, one statement per element, without the terminating semicolons. */
    public static List<String> postgresSchemaStatements() {
        return schemaStatements(POSTGRES_SCHEMA_RESOURCE);
    }

    /** The MySQL and MariaDB DDL of the sample schema, one statement per element, without the semicolons. */
    public static List<String> mysqlSchemaStatements() {
        return schemaStatements(MYSQL_SCHEMA_RESOURCE);
    }

    private static List<String> schemaStatements(String resource) {
        String script = readResource(resource);
        StringBuilder withoutComments = new StringBuilder();
        for (String line : script.split("\\R")) {
            if (!line.strip().startsWith("--")) {
                withoutComments.append(line).append('\n');
            }
        }
        return Arrays.stream(STATEMENT_END.split(withoutComments))
                .map(String::strip)
                .filter(statement -> !statement.isEmpty())
                .toList();
    }

    /**
     * Creates the sample schema in the connection's current database and schema and inserts every row, in one
     * transaction. The identity sequence of {@code service_ticket} is moved past the inserted ids, so later inserts
     * that leave {@code id} out work. PostgreSQL, MySQL and MariaDB, told apart by the connection's metadata; on
     * MySQL the tables go into the connection's current database, and the DDL commits on its own (MySQL cannot roll
     * it back), so only the rows are one transaction there.
     */
    public void load(Connection connection) throws SQLException {
        requireNonNull(connection, "connection is null");
        boolean mysql = isMySql(connection);
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            try (Statement statement = connection.createStatement()) {
                for (String ddl : mysql ? mysqlSchemaStatements() : postgresSchemaStatements()) {
                    statement.execute(ddl);
                }
            }
            if (mysql) {
                insertRowsMySql(connection);
            } else {
                insertRows(connection);
            }
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    public long seed() {
        return seed;
    }

    public List<Project> projects() {
        return projects;
    }

    public List<Customer> customers() {
        return customers;
    }

    public List<CustomerAsset> assets() {
        return assets;
    }

    public List<CustomerBank> banks() {
        return banks;
    }

    public List<ServiceTicket> tickets() {
        return tickets;
    }

    /** The customer with this id (ids run from 1 to the customer count). */
    public Customer customer(long id) {
        return customers.get(Math.toIntExact(id - 1));
    }

    private void insertRows(Connection connection) throws SQLException {
        insertAll(connection, "INSERT INTO project (id, name, city) VALUES (?, ?, ?)", projects, (statement, row) -> {
            statement.setLong(1, row.id());
            statement.setString(2, row.name());
            statement.setString(3, row.city());
        });
        insertAll(
                connection,
                "INSERT INTO customer (id, project_id, name, id_card_no, mobile, home_address, employer, created_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                customers,
                (statement, row) -> {
                    statement.setLong(1, row.id());
                    statement.setLong(2, row.projectId());
                    statement.setString(3, row.name());
                    statement.setString(4, row.idCardNo());
                    statement.setString(5, row.mobile());
                    statement.setString(6, row.homeAddress());
                    statement.setString(7, row.employer());
                    statement.setObject(8, row.createdAt());
                });
        insertAll(
                connection,
                "INSERT INTO customer_asset (customer_id, property_value, annual_income, vehicle_count)"
                        + " VALUES (?, ?, ?, ?)",
                assets,
                (statement, row) -> {
                    statement.setLong(1, row.customerId());
                    statement.setBigDecimal(2, row.propertyValue());
                    statement.setBigDecimal(3, row.annualIncome());
                    statement.setInt(4, row.vehicleCount());
                });
        insertAll(
                connection,
                "INSERT INTO customer_bank (customer_id, bank_name, account_no, credit_card_no, investment_summary)"
                        + " VALUES (?, ?, ?, ?, ?)",
                banks,
                (statement, row) -> {
                    statement.setLong(1, row.customerId());
                    statement.setString(2, row.bankName());
                    statement.setString(3, row.accountNo());
                    statement.setString(4, row.creditCardNo());
                    statement.setString(5, row.investmentSummary());
                });
        insertAll(
                connection,
                "INSERT INTO service_ticket (id, customer_id, category, content, status, created_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?)",
                tickets,
                (statement, row) -> {
                    statement.setLong(1, row.id());
                    statement.setLong(2, row.customerId());
                    statement.setString(3, row.category());
                    statement.setString(4, row.content());
                    statement.setString(5, row.status());
                    statement.setObject(6, row.createdAt());
                });
        if (!tickets.isEmpty()) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("SELECT setval(pg_get_serial_sequence('service_ticket', 'id'), "
                        + tickets.get(tickets.size() - 1).id() + ")");
            }
        }
    }

    private static boolean isMySql(Connection connection) throws SQLException {
        String product = connection.getMetaData().getDatabaseProductName();
        if (product.equalsIgnoreCase("PostgreSQL")) {
            return false;
        }
        if (product.equalsIgnoreCase("MySQL") || product.equalsIgnoreCase("MariaDB")) {
            return true;
        }
        throw new SQLException("Cannot load the sample data into " + product + ": PostgreSQL, MySQL or MariaDB only");
    }

    /**
     * The same rows as {@link #insertRows}, as multi-row INSERTs: one round trip per {@value #MYSQL_ROWS_PER_INSERT}
     * rows whatever the driver's batch settings. AUTO_INCREMENT moves past the explicit ticket ids by itself.
     */
    private void insertRowsMySql(Connection connection) throws SQLException {
        insertAllMySql(connection, "INSERT INTO project (id, name, city) VALUES ", 3, projects, row ->
                new Object[] {row.id(), row.name(), row.city()});
        insertAllMySql(
                connection,
                "INSERT INTO customer (id, project_id, name, id_card_no, mobile, home_address, employer, created_at)"
                        + " VALUES ",
                8,
                customers,
                row -> new Object[] {
                    row.id(),
                    row.projectId(),
                    row.name(),
                    row.idCardNo(),
                    row.mobile(),
                    row.homeAddress(),
                    row.employer(),
                    row.createdAt()
                });
        insertAllMySql(
                connection,
                "INSERT INTO customer_asset (customer_id, property_value, annual_income, vehicle_count) VALUES ",
                4,
                assets,
                row -> new Object[] {row.customerId(), row.propertyValue(), row.annualIncome(), row.vehicleCount()});
        insertAllMySql(
                connection,
                "INSERT INTO customer_bank (customer_id, bank_name, account_no, credit_card_no, investment_summary)"
                        + " VALUES ",
                5,
                banks,
                row -> new Object[] {
                    row.customerId(), row.bankName(), row.accountNo(), row.creditCardNo(), row.investmentSummary()
                });
        insertAllMySql(
                connection,
                "INSERT INTO service_ticket (id, customer_id, category, content, status, created_at) VALUES ",
                6,
                tickets,
                row -> new Object[] {
                    row.id(), row.customerId(), row.category(), row.content(), row.status(), row.createdAt()
                });
    }

    private static <T> void insertAllMySql(
            Connection connection, String insertPrefix, int columns, List<T> rows, Function<T, Object[]> values)
            throws SQLException {
        String rowPlaceholders = "(" + String.join(", ", Collections.nCopies(columns, "?")) + ")";
        for (int from = 0; from < rows.size(); from += MYSQL_ROWS_PER_INSERT) {
            List<T> chunk = rows.subList(from, Math.min(rows.size(), from + MYSQL_ROWS_PER_INSERT));
            String sql = insertPrefix + String.join(", ", Collections.nCopies(chunk.size(), rowPlaceholders));
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                int index = 1;
                for (T row : chunk) {
                    for (Object value : values.apply(row)) {
                        statement.setObject(index++, value);
                    }
                }
                statement.executeUpdate();
            }
        }
    }

    private static <T> void insertAll(Connection connection, String sql, List<T> rows, Binder<T> binder)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            int pending = 0;
            for (T row : rows) {
                binder.bind(statement, row);
                statement.addBatch();
                pending++;
                if (pending == BATCH_ROWS) {
                    statement.executeBatch();
                    pending = 0;
                }
            }
            if (pending > 0) {
                statement.executeBatch();
            }
        }
    }

    private static String readResource(String name) {
        try (InputStream in = SampleData.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("Resource '" + name + "' is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read resource '" + name + "'", e);
        }
    }

    @FunctionalInterface
    private interface Binder<T> {
        void bind(PreparedStatement statement, T row) throws SQLException;
    }

    public record Project(long id, String name, String city) {}

    /** {@code employer} is null for some customers (retired or not stated). */
    public record Customer(
            long id,
            long projectId,
            String name,
            String idCardNo,
            String mobile,
            String homeAddress,
            String employer,
            LocalDateTime createdAt) {}

    public record CustomerAsset(long customerId, BigDecimal propertyValue, BigDecimal annualIncome, int vehicleCount) {}

    public record CustomerBank(
            long customerId, String bankName, String accountNo, String creditCardNo, String investmentSummary) {}

    public record ServiceTicket(
            long id, long customerId, String category, String content, String status, LocalDateTime createdAt) {}

    /** One pass of generation; holds the random source and what has been handed out already. */
    private static final class Generator {
        private final long seed;
        private final SplittableRandom random;
        private final Set<String> idCardNumbers = new HashSet<>();
        private final Set<String> mobiles = new HashSet<>();
        private final Set<String> cardNumbers = new HashSet<>();

        Generator(long seed) {
            this.seed = seed;
            this.random = new SplittableRandom(seed);
        }

        SampleData generate(int customerCount) {
            List<Project> projects = new ArrayList<>();
            for (int i = 0; i < PROJECT_COUNT; i++) {
                City city = Vocabulary.CITIES.get(i % Vocabulary.CITIES.size());
                String name = Vocabulary.PROJECT_PREFIXES.get(i) + pick(Vocabulary.PROJECT_SUFFIXES);
                projects.add(new Project(i + 1, name, city.name()));
            }

            List<Customer> customers = new ArrayList<>();
            List<CustomerAsset> assets = new ArrayList<>();
            List<CustomerBank> banks = new ArrayList<>();
            List<ServiceTicket> tickets = new ArrayList<>();
            for (long id = 1; id <= customerCount; id++) {
                Project project = projects.get(random.nextInt(projects.size()));
                Customer customer = customer(id, project);
                customers.add(customer);
                assets.add(asset(id));
                banks.add(bank(id));
                int ticketCount = random.nextInt(5);
                for (int i = 0; i < ticketCount; i++) {
                    tickets.add(ticket(tickets.size() + 1, customer));
                }
            }
            return new SampleData(seed, projects, customers, assets, banks, tickets);
        }

        private Customer customer(long id, Project project) {
            City city = Vocabulary.city(project.city());
            String employer = random.nextInt(100) < 5 ? null : employer(city);
            LocalDateTime createdAt = FIRST_CUSTOMER_TIME.plusSeconds(random.nextInt(CUSTOMER_SPAN_SECONDS));
            return new Customer(
                    id, project.id(), name(), idCardNumber(), mobile(), homeAddress(city), employer, createdAt);
        }

        private String name() {
            StringBuilder name = new StringBuilder(pick(Vocabulary.SURNAMES));
            int givenLength = random.nextInt(10) < 7 ? 2 : 1;
            for (int i = 0; i < givenLength; i++) {
                name.append(pick(Vocabulary.GIVEN_NAME_CHARACTERS));
            }
            return name.toString();
        }

        /** Region code of a birth place, birth date, three-digit sequence, and the MOD 11-2 check character. */
        private String idCardNumber() {
            while (true) {
                City birthCity = pick(Vocabulary.CITIES);
                District district = pick(birthCity.districts());
                int year = 1955 + random.nextInt(49);
                int month = 1 + random.nextInt(12);
                int day = 1 + random.nextInt(28);
                int sequence = 1 + random.nextInt(999);
                String body = String.format("%s%04d%02d%02d%03d", district.regionCode(), year, month, day, sequence);
                String number = body + Checksums.residentIdCheckCharacter(body);
                if (idCardNumbers.add(number)) {
                    return number;
                }
            }
        }

        private String mobile() {
            while (true) {
                String number = pick(Vocabulary.MOBILE_PREFIXES) + digits(8);
                if (mobiles.add(number)) {
                    return number;
                }
            }
        }

        private String homeAddress(City city) {
            return city.name() + "市" + pick(city.districts()).name() + pick(Vocabulary.ROADS)
                    + (1 + random.nextInt(300)) + "号" + (1 + random.nextInt(30)) + "栋" + (1 + random.nextInt(4))
                    + "单元" + (1 + random.nextInt(32)) + String.format("%02d", 1 + random.nextInt(6)) + "室";
        }

        private String employer(City city) {
            return city.name() + pick(Vocabulary.COMPANY_WORDS) + pick(Vocabulary.COMPANY_WORDS)
                    + pick(Vocabulary.INDUSTRIES) + "有限公司";
        }

        private CustomerAsset asset(long customerId) {
            BigDecimal propertyValue = BigDecimal.valueOf(30_000_000L + random.nextLong(1_970_000_000L), 2);
            BigDecimal annualIncome = BigDecimal.valueOf(3_000_000L + random.nextLong(197_000_000L), 2);
            return new CustomerAsset(customerId, propertyValue, annualIncome, random.nextInt(4));
        }

        private CustomerBank bank(long customerId) {
            int bankIndex = random.nextInt(Vocabulary.BANKS.size());
            String accountNo = cardNumber(Vocabulary.accountPrefix(bankIndex), 19);
            String creditCardNo = cardNumber(Vocabulary.creditCardPrefix(bankIndex), 16);
            return new CustomerBank(
                    customerId, Vocabulary.BANKS.get(bankIndex), accountNo, creditCardNo, investmentSummary());
        }

        /** A number of {@code length} digits: the prefix, random digits, and the Luhn check digit. */
        private String cardNumber(String prefix, int length) {
            while (true) {
                String payload = prefix + digits(length - prefix.length() - 1);
                String number = payload + Checksums.luhnCheckDigit(payload);
                if (cardNumbers.add(number)) {
                    return number;
                }
            }
        }

        private String investmentSummary() {
            if (random.nextInt(100) < 15) {
                return "无";
            }
            int holdings = 1 + random.nextInt(3);
            int first = random.nextInt(Vocabulary.INVESTMENTS.size());
            StringBuilder summary = new StringBuilder();
            for (int i = 0; i < holdings; i++) {
                String kind = Vocabulary.INVESTMENTS.get((first + i) % Vocabulary.INVESTMENTS.size());
                BigDecimal tenThousands = BigDecimal.valueOf(100 + random.nextInt(50_000), 2);
                if (i > 0) {
                    summary.append("；");
                }
                summary.append(kind)
                        .append(' ')
                        .append(tenThousands.toPlainString())
                        .append(" 万元");
            }
            return summary.toString();
        }

        private ServiceTicket ticket(long id, Customer customer) {
            int category = random.nextInt(Vocabulary.TICKET_CATEGORIES.size());
            String content = ticketContent(category);
            String status = pick(Vocabulary.TICKET_STATUSES);
            LocalDateTime createdAt = customer.createdAt().plusMinutes(random.nextInt(365 * 24 * 60));
            return new ServiceTicket(
                    id, customer.id(), Vocabulary.TICKET_CATEGORIES.get(category), content, status, createdAt);
        }

        private String ticketContent(int category) {
            return switch (category) {
                case 0 -> (1 + random.nextInt(30)) + "栋" + (1 + random.nextInt(4)) + "单元"
                        + pick(Vocabulary.REPAIR_ITEMS) + "损坏，请尽快安排维修";
                case 1 -> pick(Vocabulary.COMPLAINTS) + "，希望物业尽快处理";
                case 2 -> "咨询" + pick(Vocabulary.QUESTIONS);
                case 3 -> (1 + random.nextInt(12)) + "月物业费已缴纳，申请开具发票";
                default -> "申请" + (1 + random.nextInt(12)) + "月进行" + pick(Vocabulary.RENOVATIONS) + "，预计工期"
                        + (7 + random.nextInt(50)) + "天";
            };
        }

        private String digits(int count) {
            StringBuilder digits = new StringBuilder(count);
            for (int i = 0; i < count; i++) {
                digits.append((char) ('0' + random.nextInt(10)));
            }
            return digits.toString();
        }

        private <T> T pick(List<T> values) {
            return values.get(random.nextInt(values.size()));
        }
    }
}
