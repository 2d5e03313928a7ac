package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.custos.cli.OrmHarness.Target;
import io.custos.cli.orm.Customer;
import io.custos.cli.orm.CustomerAsset;
import io.custos.cli.orm.CustomerBank;
import io.custos.cli.orm.Project;
import io.custos.cli.orm.ServiceTicket;
import io.custos.policy.StatementClass;
import jakarta.persistence.LockModeType;
import jakarta.persistence.criteria.CriteriaBuilder;
import jakarta.persistence.criteria.CriteriaQuery;
import jakarta.persistence.criteria.Root;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.hibernate.Session;
import org.hibernate.SessionFactory;
import org.hibernate.cfg.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hibernate ORM 6 over the sample schema through the gateway, for every demo user on both protocols: find, JPQL with
 * joins, fetch joins and paging, criteria queries, a pessimistic lock (for roles that may update), the insert of a
 * service ticket and updates.
 * Hibernate writes the SQL (aliases like {@code c1_0}, {@code offset ? rows fetch first ? rows only}, {@code limit ?},
 * {@code for no key update}, {@code insert … returning id}); what the user may do must work and come back masked as
 * the direct connection's values plus the mask, and what the user may not do must reach Hibernate as the driver's
 * permission error. Sessions run on connections the test opens for each user; every transaction is rolled back.
 */
class HibernateEndToEndTest {
    private static GatewayFixture fixture;
    private static OrmHarness harness;
    /** One per dialect; the MySQL drivers share MariaDB's. */
    private static final Map<Boolean, SessionFactory> factories = new HashMap<>();
    /** Every statement Hibernate sent, per dialect, printed at the end. */
    private static final Map<Boolean, Set<String>> statements = new ConcurrentHashMap<>();

    private static final Map<String, Map<String, Object>> rows = new HashMap<>();

    @BeforeAll
    static void buildSessionFactories() {
        fixture = GatewayFixture.get();
        harness = new OrmHarness(fixture);
        for (boolean mySql : List.of(false, true)) {
            Set<String> sent = ConcurrentHashMap.newKeySet();
            statements.put(mySql, sent);
            Configuration configuration = new Configuration()
                    .addAnnotatedClass(Project.class)
                    .addAnnotatedClass(Customer.class)
                    .addAnnotatedClass(CustomerAsset.class)
                    .addAnnotatedClass(CustomerBank.class)
                    .addAnnotatedClass(ServiceTicket.class)
                    .setProperty(
                            "hibernate.dialect",
                            mySql ? "org.hibernate.dialect.MariaDBDialect" : "org.hibernate.dialect.PostgreSQLDialect")
                    // No connection settings: every session gets a connection of the test's, for its user.
                    .setProperty("hibernate.boot.allow_jdbc_metadata_access", "false")
                    .setProperty("hibernate.hbm2ddl.auto", "none");
            configuration.setStatementInspector(sql -> {
                sent.add(sql);
                return sql;
            });
            factories.put(mySql, configuration.buildSessionFactory());
        }
    }

    @AfterAll
    static void closeSessionFactories() {
        factories.values().forEach(SessionFactory::close);
        factories.clear();
        statements.forEach((mySql, sent) -> {
            System.out.println("Hibernate sent " + sent.size() + " distinct statements ("
                    + (mySql ? "MariaDB" : "PostgreSQL") + "):");
            new TreeSet<>(sent).forEach(sql -> System.out.println("  " + sql));
        });
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.custos.cli.OrmHarness#targetsAndUsers")
    void find_returnsEntitiesMaskedForTheUser(Target target, String user) throws SQLException {
        inSession(target, user, session -> {
            assertCustomer(target, user, session.find(Customer.class, 7L));
            assertBank(target, user, session.find(CustomerBank.class, 7L));
            assertAsset(target, user, session.find(CustomerAsset.class, 7L));
        });
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.custos.cli.OrmHarness#targetsAndUsers")
    void jpql_joinsAndPagesMasked(Target target, String user) throws SQLException {
        String city =
                (String) harness.expectedRow(target, user, "project", "id", 1).get("city");
        List<Long> expectedIds = harness.directIds(
                target,
                "SELECT c.id FROM customer c JOIN project p ON p.id = c.project_id WHERE p.city = ? ORDER BY c.id"
                        + " LIMIT 5 OFFSET 2",
                city);
        inSession(target, user, session -> {
            List<Customer> page = session.createQuery(
                            "select c from Customer c join c.project p where p.city = :city order by c.id",
                            Customer.class)
                    .setParameter("city", city)
                    .setFirstResult(2)
                    .setMaxResults(5)
                    .getResultList();
            assertThat(page).extracting(Customer::getId).isEqualTo(expectedIds);
            page.forEach(customer -> assertCustomer(target, user, customer));

            List<Customer> fetched = session.createQuery(
                            "select c from Customer c join fetch c.project where c.id < 4 order by c.id",
                            Customer.class)
                    .getResultList();
            assertThat(fetched).hasSize(3);
            fetched.forEach(customer -> assertCustomer(target, user, customer));
            assertThat(fetched.get(0).getProject().getCity()).isNotNull();

            List<Object[]> contacts = session.createQuery(
                            "select c.id, c.mobile, b.accountNo, a.annualIncome from Customer c, CustomerBank b,"
                                    + " CustomerAsset a where b.customerId = c.id and a.customerId = c.id order by c.id",
                            Object[].class)
                    .setMaxResults(3)
                    .getResultList();
            assertThat(contacts).hasSize(3);
            for (Object[] contact : contacts) {
                long id = (Long) contact[0];
                assertThat(contact[1])
                        .isEqualTo(
                                expectedRows(target, user, "customer", "id", id).get("mobile"));
                assertThat(contact[2])
                        .isEqualTo(expectedRows(target, user, "customer_bank", "customer_id", id)
                                .get("account_no"));
                assertThat(contact[3])
                        .isEqualTo(expectedRows(target, user, "customer_asset", "customer_id", id)
                                .get("annual_income"));
            }
        });
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.custos.cli.OrmHarness#targetsAndUsers")
    void criteria_filtersCountsAndPagesMasked(Target target, String user) throws SQLException {
        List<Long> expectedIds =
                harness.directIds(target, "SELECT id FROM customer WHERE project_id = 3 ORDER BY id DESC LIMIT 4");
        inSession(target, user, session -> {
            CriteriaBuilder builder = session.getCriteriaBuilder();
            CriteriaQuery<Customer> query = builder.createQuery(Customer.class);
            Root<Customer> customer = query.from(Customer.class);
            query.select(customer)
                    .where(builder.equal(customer.get("projectId"), 3L))
                    .orderBy(builder.desc(customer.get("id")));
            List<Customer> customers =
                    session.createQuery(query).setMaxResults(4).getResultList();
            assertThat(customers).extracting(Customer::getId).isEqualTo(expectedIds);
            customers.forEach(c -> assertCustomer(target, user, c));

            CriteriaQuery<Long> count = builder.createQuery(Long.class);
            Root<CustomerBank> bank = count.from(CustomerBank.class);
            count.select(builder.count(bank.get("accountNo")));
            assertThat(session.createQuery(count).getSingleResult()).isPositive();
        });
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.custos.cli.OrmHarness#targetsAndUsers")
    void pessimisticLock_readsMaskedWhereTheRoleMayUpdate(Target target, String user) throws SQLException {
        inSession(target, user, session -> {
            // A locking read needs the update permission, as the database's own privileges have it.
            if (harness.mayWrite(user, StatementClass.UPDATE)) {
                Customer customer = session.find(Customer.class, 3L, LockModeType.PESSIMISTIC_WRITE);
                assertCustomer(target, user, customer);
            } else {
                Throwable thrown =
                        catchThrowable(() -> session.find(Customer.class, 3L, LockModeType.PESSIMISTIC_WRITE));
                OrmHarness.assertRefused(thrown, target, "a locking read needs the update permission");
            }
        });
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.custos.cli.OrmHarness#targetsAndUsers")
    void insertTicket_allowedWhereTheRoleMayInsert(Target target, String user) throws SQLException {
        inSession(target, user, session -> {
            ServiceTicket ticket = new ServiceTicket(5L, "repair", "entered by " + user, "open", LocalDateTime.now());
            Throwable thrown = catchThrowable(() -> {
                session.persist(ticket);
                session.flush();
            });
            if (harness.mayWrite(user, StatementClass.INSERT)) {
                assertThat(thrown).as("insert as %s", user).isNull();
                assertThat(ticket.getId()).isNotNull();
            } else {
                OrmHarness.assertRefused(thrown, target, "may not run INSERT");
            }
        });
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.custos.cli.OrmHarness#targetsAndUsers")
    void update_allowedWhereTheRoleMayUpdate(Target target, String user) throws SQLException {
        inSession(target, user, session -> {
            Customer customer = session.find(Customer.class, 11L);
            customer.setMobile("13800000000");
            Throwable thrown = catchThrowable(session::flush);
            if (harness.mayWrite(user, StatementClass.UPDATE)) {
                assertThat(thrown).as("update as %s", user).isNull();
                CustomerBank bank = session.find(CustomerBank.class, 11L);
                bank.setBankName("中国银行");
                assertThat(catchThrowable(session::flush)).isNull();
            } else {
                OrmHarness.assertRefused(thrown, target, "may not run UPDATE");
            }
        });
    }

    private static void inSession(Target target, String user, Consumer<Session> work) throws SQLException {
        try (Connection connection = target.connect(fixture, user);
                Session session = factories
                        .get(target.mySql())
                        .withOptions()
                        .connection(connection)
                        .openSession()) {
            session.beginTransaction();
            try {
                work.accept(session);
            } finally {
                session.getTransaction().rollback();
            }
        }
    }

    private static void assertCustomer(Target target, String user, Customer customer) {
        Map<String, Object> row = expectedRows(target, user, "customer", "id", customer.getId());
        assertThat(customer.getName())
                .as("name of %d as %s", customer.getId(), user)
                .isEqualTo(row.get("name"));
        assertThat(customer.getIdCardNo()).isEqualTo(row.get("id_card_no"));
        assertThat(customer.getMobile()).isEqualTo(row.get("mobile"));
        assertThat(customer.getHomeAddress()).isEqualTo(row.get("home_address"));
        assertThat(customer.getEmployer()).isEqualTo(row.get("employer"));
        assertThat(customer.getProjectId()).isEqualTo(((Number) row.get("project_id")).longValue());
    }

    private static void assertBank(Target target, String user, CustomerBank bank) {
        Map<String, Object> row = expectedRows(target, user, "customer_bank", "customer_id", bank.getCustomerId());
        assertThat(bank.getBankName()).isEqualTo(row.get("bank_name"));
        assertThat(bank.getAccountNo()).as("account_no as %s", user).isEqualTo(row.get("account_no"));
        assertThat(bank.getCreditCardNo()).isEqualTo(row.get("credit_card_no"));
        assertThat(bank.getInvestmentSummary()).isEqualTo(row.get("investment_summary"));
    }

    private static void assertAsset(Target target, String user, CustomerAsset asset) {
        Map<String, Object> row = expectedRows(target, user, "customer_asset", "customer_id", asset.getCustomerId());
        assertThat(asset.getPropertyValue()).as("property_value as %s", user).isEqualTo(row.get("property_value"));
        assertThat(asset.getAnnualIncome()).isEqualTo(row.get("annual_income"));
        assertThat(asset.getVehicleCount()).isEqualTo(row.get("vehicle_count"));
    }

    /** Expected rows, read once per target, user and row. */
    private static Map<String, Object> expectedRows(Target target, String user, String table, String key, long id) {
        return rows.computeIfAbsent(target + "/" + user + "/" + table + "/" + id, k -> {
            try {
                return harness.expectedRow(target, user, table, key, id);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
