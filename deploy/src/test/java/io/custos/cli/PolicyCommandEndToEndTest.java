package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.policy.AuditSettings;
import io.custos.policy.Backend;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code custos policy validate} and {@code custos policy explain} on a policy file naming the test databases. What
 * explain prints as sent to the database is run there directly and must give what the gateway gives.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PolicyCommandEndToEndTest {
    private static final String MASKED = "SELECT id, mobile, name FROM customer WHERE id = 1";

    @TempDir
    static Path directory;

    private static GatewayFixture fixture;
    private static Path policyFile;

    @BeforeAll
    static void writePolicy() throws IOException {
        fixture = GatewayFixture.get();
        Path pgPassword = Files.writeString(directory.resolve("pg-password"), fixture.database.gatewayPassword());
        Path mysqlPassword = Files.writeString(directory.resolve("mysql-password"), fixture.mariaDb.gatewayPassword());
        Path auditKey = Files.writeString(directory.resolve("audit-key"), Demo.DEMO_AUDIT_KEY);
        String text = PolicyFileText.of(
                GatewayFixture.demoPolicyText(),
                List.of(
                        new PolicyFileText.BackendEntry(
                                Backend.Protocol.POSTGRESQL,
                                fixture.database.host(),
                                fixture.database.port(),
                                fixture.database.database(),
                                fixture.database.gatewayUser(),
                                pgPassword),
                        new PolicyFileText.BackendEntry(
                                Backend.Protocol.MYSQL,
                                fixture.mariaDb.host(),
                                fixture.mariaDb.port(),
                                fixture.mariaDb.database(),
                                fixture.mariaDb.gatewayUser(),
                                mysqlPassword)),
                List.of(),
                new PolicyFileText.AuditEntry(
                        directory.resolve("audit.jsonl"), auditKey, AuditSettings.Durability.STRICT),
                Optional.empty(),
                Optional.empty());
        policyFile = Files.writeString(directory.resolve("policy.yaml"), text);
    }

    @Test
    void validate_validFile_printsOk() {
        Result result = run("policy", "validate", policyFile.toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).startsWith("ok (version ");
    }

    @Test
    void validate_invalidFile_printsEveryProblemWithItsPosition() throws IOException {
        String broken = Files.readString(policyFile)
                .replace("role: staff\n", "role: stafff\n")
                .replace("clearance: 1\n", "clearance: 9\n");
        Path file = Files.writeString(directory.resolve("broken.yaml"), broken);

        Result validate = run("policy", "validate", file.toString());
        Result check = run("policy", "check", file.toString());

        assertThat(validate.exitCode()).isEqualTo(2);
        assertThat(validate.out()).isEmpty();
        assertThat(validate.err().lines().toList())
                .hasSize(3)
                .satisfiesExactly(
                        line -> assertThat(line).matches("broken\\.yaml:\\d+:\\d+: clearance 9 of role 'staff' .*"),
                        line -> assertThat(line)
                                .matches("broken\\.yaml:\\d+:\\d+: unknown role 'stafff' for user 'staff'.*"),
                        line -> assertThat(line).isEqualTo("2 problems in " + file));
        assertThat(check).isEqualTo(validate);
    }

    @Test
    void explain_maskedStatement_printsTheRewriteTheDatabaseRunsAsTheGatewayDoes() throws Exception {
        for (String protocol : List.of("postgresql", "mysql")) {
            Result result = run(
                    "policy",
                    "explain",
                    "--config",
                    policyFile.toString(),
                    "--user",
                    "contractor",
                    "--protocol",
                    protocol,
                    MASKED);

            assertThat(result.exitCode()).as(result.err()).isZero();
            assertThat(result.out())
                    .contains("user      contractor, role contractor, clearance 0")
                    .contains("statement 1: SELECT id, mobile, name FROM customer WHERE id = ?")
                    .contains("  decision  rewritten")
                    .containsPattern("  masked    \\w+\\.customer\\.mobile \\(level 1, mask partial, keep_first 3,"
                            + " keep_last 4, fill '\\*'\\)")
                    .containsPattern("  masked    \\w+\\.customer\\.name \\(level 1, mask partial, keep_first 1,"
                            + " keep_last 0, fill '\\*'\\)")
                    .contains("sent to the database (rewritten):");
            String sent = sentSql(result.out());
            assertThat(sent).isNotEqualTo(MASKED);
            boolean mysql = protocol.equals("mysql");
            try (Connection direct = mysql ? fixture.connectMySqlDirect() : fixture.connectDirect();
                    Connection gateway =
                            mysql ? fixture.connectMySql("contractor", "") : fixture.connect("contractor")) {
                assertThat(firstRow(direct, sent)).as(protocol).isEqualTo(firstRow(gateway, MASKED));
            }
        }
    }

    @Test
    void explain_refusedStatement_printsTheRuleAndTheNativeError() {
        String update = "UPDATE customer SET mobile = '13800000000' WHERE id = 1";
        Result postgres = run("policy", "explain", "--config", policyFile.toString(), "--user", "staff", update);
        Result mysql = run(
                "policy",
                "explain",
                "--config",
                policyFile.toString(),
                "--user",
                "staff",
                "--protocol",
                "mysql",
                update);

        assertThat(postgres.exitCode()).as(postgres.err()).isZero();
        assertThat(postgres.out())
                .contains("statement 1: UPDATE customer SET mobile = ? WHERE id = ?")
                .contains("  class     update")
                .contains("  decision  refused")
                .contains("  rule      role-permission")
                .contains("  error     custos: role staff may not run UPDATE (SQLSTATE 42501)")
                .contains("the message is refused as a whole");
        assertThat(mysql.out())
                .contains("  error     custos: role staff may not run UPDATE (MySQL error 1142, SQLSTATE 42000)")
                .contains("sent to the database: nothing; the message is refused as a whole");
    }

    @Test
    void explain_passedStatement_printsItUnchanged() {
        Result result = run("policy", "explain", "--config", policyFile.toString(), "--user", "it_admin", MASKED);

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out())
                .contains("user      it_admin, role it_engineer, clearance 3")
                .contains("  decision  allowed")
                .doesNotContain("  masked ")
                .contains("sent to the database (unchanged):");
        assertThat(sentSql(result.out())).isEqualTo(MASKED);
    }

    @Test
    void explain_unknownUser_isAUsageError() {
        Result result = run("policy", "explain", "--config", policyFile.toString(), "--user", "nobody", MASKED);

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("no user 'nobody'");
    }

    private static String sentSql(String output) {
        int marker = output.indexOf("sent to the database (");
        assertThat(marker).as(output).isGreaterThanOrEqualTo(0);
        return output.substring(output.indexOf('\n', marker) + 1).strip();
    }

    private static List<String> firstRow(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            assertThat(rows.next()).isTrue();
            int columns = rows.getMetaData().getColumnCount();
            List<String> values = new ArrayList<>();
            for (int i = 1; i <= columns; i++) {
                values.add(rows.getMetaData().getColumnLabel(i) + "=" + rows.getString(i));
            }
            return values;
        }
    }

    private static Result run(String... arguments) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exitCode = Custos.execute(
                new ByteArrayInputStream(new byte[0]),
                new PrintWriter(out, true),
                new PrintWriter(err, true),
                arguments);
        return new Result(exitCode, out.toString(), err.toString());
    }

    private record Result(int exitCode, String out, String err) {}
}
