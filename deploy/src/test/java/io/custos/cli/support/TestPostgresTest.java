package io.custos.cli.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class TestPostgresTest {
    @Test
    void get_givesOneServerWithTheSampleData() throws SQLException {
        TestPostgres postgres = TestPostgres.get();

        assertThat(TestPostgres.get()).isSameAs(postgres);
        assertThat(postgres.kind()).isIn("docker", "embedded");
        assertThat(countCustomers(postgres.connectAsSuperuser()))
                .isEqualTo(postgres.data().customers().size());
        assertThat(countCustomers(postgres.connectAsGateway())).isEqualTo(3000);
    }

    @Test
    void backend_describesTheGatewayAccount() {
        TestPostgres postgres = TestPostgres.get();

        assertThat(postgres.backend().port()).isEqualTo(postgres.port());
        assertThat(postgres.backend().user()).isEqualTo("custos_gateway");
        assertThat(postgres.backend().database()).isEqualTo("custos_demo");
        assertThat(postgres.backend().password().read()).isEqualTo(postgres.gatewayPassword());
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
