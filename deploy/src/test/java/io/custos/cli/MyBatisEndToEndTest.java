package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.custos.cli.OrmHarness.Target;
import io.custos.cli.orm.Customer;
import io.custos.cli.orm.CustomerAsset;
import io.custos.cli.orm.CustomerBank;
import io.custos.cli.orm.CustomerMapper;
import io.custos.cli.orm.ServiceTicket;
import io.custos.policy.StatementClass;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.ibatis.builder.xml.XMLMapperBuilder;
import org.apache.ibatis.datasource.unpooled.UnpooledDataSource;
import org.apache.ibatis.executor.statement.StatementHandler;
import org.apache.ibatis.mapping.Environment;
import org.apache.ibatis.plugin.Interceptor;
import org.apache.ibatis.plugin.Intercepts;
import org.apache.ibatis.plugin.Invocation;
import org.apache.ibatis.plugin.Signature;
import org.apache.ibatis.session.Configuration;
import org.apache.ibatis.session.SqlSession;
import org.apache.ibatis.session.SqlSessionFactory;
import org.apache.ibatis.session.SqlSessionFactoryBuilder;
import org.apache.ibatis.transaction.jdbc.JdbcTransactionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * MyBatis 3 over the sample schema through the gateway, for every demo user on both protocols: mapped statements with
 * {@code #{}} parameters (server-prepared), result maps, a dynamic {@code <where>}, generated keys on insert, and an
 * update. What the user may do must work and come back masked as the direct connection's values plus the mask; what
 * the user may not do must reach MyBatis as the driver's permission error. Every session is rolled back.
 */
class MyBatisEndToEndTest {
    private static final String MAPPER = "io/custos/cli/orm/CustomerMapper.xml";

    private static GatewayFixture fixture;
    private static OrmHarness harness;
    private static SqlSessionFactory factory;
    private static final Set<String> statements = ConcurrentHashMap.newKeySet();

    @BeforeAll
    static void buildSessionFactory() {
        fixture = GatewayFixture.get();
        harness = new OrmHarness(fixture);
        // No data source: each session gets a connection of the test's, for its user.
        Configuration configuration =
                new Configuration(new Environment("gateway", new JdbcTransactionFactory(), new UnpooledDataSource()));
        try (InputStream mapper = MyBatisEndToEndTest.class.getClassLoader().getResourceAsStream(MAPPER)) {
            new XMLMapperBuilder(mapper, configuration, MAPPER, configuration.getSqlFragments()).parse();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        configuration.addInterceptor(new StatementRecorder());
        factory = new SqlSessionFactoryBuilder().build(configuration);
    }

    @AfterAll
    static void printStatements() {
        System.out.println("MyBatis sent " + statements.size() + " distinct statements:");
        new TreeSet<>(statements).forEach(sql -> System.out.println("  " + sql));
    }

    /** Records the SQL of every statement MyBatis prepares, with its {@code #{}} parameters as {@code ?}. */
    @Intercepts(
            @Signature(
                    type = StatementHandler.class,
                    method = "prepare",
                    args = {Connection.class, Integer.class}))
    public static final class StatementRecorder implements Interceptor {
        @Override
        public Object intercept(Invocation invocation) throws Throwable {
            StatementHandler handler = (StatementHandler) invocation.getTarget();
            statements.add(
                    handler.getBoundSql().getSql().replaceAll("\\s+", " ").strip());
            return invocation.proceed();
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.custos.cli.OrmHarness#targetsAndUsers")
    void mappedSelects_returnResultMapsMasked(Target target, String user) throws SQLException {
        Map<String, Object> customer = harness.expectedRow(target, user, "customer", "id", 9);
        Map<String, Object> bank = harness.expectedRow(target, user, "customer_bank", "customer_id", 9);
        Map<String, Object> asset = harness.expectedRow(target, user, "customer_asset", "customer_id", 9);
        inSession(target, user, mapper -> {
            assertCustomer(mapper.find(9), customer);

            CustomerBank accounts = mapper.bankOf(9);
            assertThat(accounts.getAccountNo()).as("account_no as %s", user).isEqualTo(bank.get("account_no"));
            assertThat(accounts.getCreditCardNo()).isEqualTo(bank.get("credit_card_no"));
            assertThat(accounts.getInvestmentSummary()).isEqualTo(bank.get("investment_summary"));
            assertThat(accounts.getBankName()).isEqualTo(bank.get("bank_name"));

            CustomerAsset assets = mapper.assetOf(9);
            assertThat(assets.getAnnualIncome()).as("annual_income as %s", user).isEqualTo(asset.get("annual_income"));
            assertThat(assets.getPropertyValue()).isEqualTo(asset.get("property_value"));
        });
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.custos.cli.OrmHarness#targetsAndUsers")
    void dynamicWhere_eachShapeMasked(Target target, String user) throws SQLException {
        List<Long> byProject = harness.directIds(
                target, "SELECT id FROM customer WHERE project_id = 4 AND id >= 100 ORDER BY id LIMIT 3");
        List<Long> unfiltered = harness.directIds(target, "SELECT id FROM customer ORDER BY id LIMIT 2");
        inSession(target, user, mapper -> {
            List<Customer> filtered = mapper.search(4L, 100L, 3);
            assertThat(filtered).extracting(Customer::getId).isEqualTo(byProject);
            List<Customer> all = mapper.search(null, null, 2);
            assertThat(all).extracting(Customer::getId).isEqualTo(unfiltered);
            List<Customer> fromOnly = mapper.search(null, 2990L, 20);
            assertThat(fromOnly).hasSize(11);
            for (List<Customer> customers : List.of(filtered, all, fromOnly)) {
                for (Customer found : customers) {
                    assertCustomer(found, expectedCustomer(target, user, found.getId()));
                }
            }
        });
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.custos.cli.OrmHarness#targetsAndUsers")
    void insertTicket_allowedWhereTheRoleMayInsert(Target target, String user) throws SQLException {
        inSession(target, user, mapper -> {
            ServiceTicket ticket =
                    new ServiceTicket(6L, "complaint", "entered by " + user, "open", LocalDateTime.now());
            Throwable thrown = catchThrowable(() -> mapper.insertTicket(ticket));
            if (harness.mayWrite(user, StatementClass.INSERT)) {
                assertThat(thrown).as("insert as %s", user).isNull();
                assertThat(ticket.getId()).as("generated key").isNotNull();
            } else {
                OrmHarness.assertRefused(thrown, target, "may not run INSERT");
            }
        });
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.custos.cli.OrmHarness#targetsAndUsers")
    void update_allowedWhereTheRoleMayUpdate(Target target, String user) throws SQLException {
        inSession(target, user, mapper -> {
            Throwable thrown = catchThrowable(() -> mapper.updateMobile(12, "13900000000"));
            if (harness.mayWrite(user, StatementClass.UPDATE)) {
                assertThat(thrown).as("update as %s", user).isNull();
            } else {
                OrmHarness.assertRefused(thrown, target, "may not run UPDATE");
            }
        });
    }

    private static void inSession(Target target, String user, Consumer<CustomerMapper> work) throws SQLException {
        try (Connection connection = target.connect(fixture, user);
                SqlSession session = factory.openSession(connection)) {
            connection.setAutoCommit(false);
            try {
                work.accept(session.getMapper(CustomerMapper.class));
            } finally {
                session.rollback(true);
            }
        }
    }

    private static Map<String, Object> expectedCustomer(Target target, String user, long id) {
        try {
            return harness.expectedRow(target, user, "customer", "id", id);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertCustomer(Customer customer, Map<String, Object> expected) {
        assertThat(customer.getName()).as("name of %d", customer.getId()).isEqualTo(expected.get("name"));
        assertThat(customer.getIdCardNo()).isEqualTo(expected.get("id_card_no"));
        assertThat(customer.getMobile()).isEqualTo(expected.get("mobile"));
        assertThat(customer.getHomeAddress()).isEqualTo(expected.get("home_address"));
        assertThat(customer.getEmployer()).isEqualTo(expected.get("employer"));
        assertThat(customer.getProjectId()).isEqualTo(((Number) expected.get("project_id")).longValue());
    }
}
