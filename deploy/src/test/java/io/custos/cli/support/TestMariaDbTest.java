package io.custos.cli.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class TestMariaDbTest {
    @Test
    void get_givesOneServerWithTheSampleData() throws SQLException {
        TestMariaDb mariadb = TestMariaDb.get();

        assertThat(TestMariaDb.get()).isSameAs(mariadb);
        assertThat(mariadb.kind()).isIn("docker", "embedded");
        assertThat(countCustomers(mariadb.connectAsSuperuser()))
                .isEqualTo(mariadb.data().customers().size());
        assertThat(countCustomers(mariadb.connectAsGateway())).isEqualTo(3000);
    }

    @Test
    void superuser_seesTheSameRowsAsTheSampleData() throws SQLException {
        TestMariaDb mariadb = TestMariaDb.get();

        try (Connection connection = mariadb.connectAsSuperuser();
                Statement statement = connection.createStatement();
                ResultSet result =
                        statement.executeQuery("SELECT name, id_card_no, mobile FROM customer WHERE id = 1")) {
            assertThat(result.next()).isTrue();
            assertThat(result.getString(1)).isEqualTo(mariadb.data().customer(1).name());
            assertThat(result.getString(2)).isEqualTo(mariadb.data().customer(1).idCardNo());
            assertThat(result.getString(3)).isEqualTo(mariadb.data().customer(1).mobile());
        }
    }

    @Test
    void backend_describesTheGatewayAccount() {
        TestMariaDb mariadb = TestMariaDb.get();

        assertThat(mariadb.backend().port()).isEqualTo(mariadb.port());
        assertThat(mariadb.backend().user()).isEqualTo("custos_gateway");
        assertThat(mariadb.backend().database()).isEqualTo("custos_demo");
        assertThat(mariadb.backend().password().read()).isEqualTo(mariadb.gatewayPassword());
        assertThat(mariadb.jdbcUrl())
                .isEqualTo("jdbc:mariadb://" + mariadb.host() + ":" + mariadb.port() + "/custos_demo");
    }

    private static int countCustomers(Connection connection) throws SQLException {
        try (connection;
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT count(*) FROM customer")) {
            result.next();
            return result.getInt(1);
        }
    }
}
