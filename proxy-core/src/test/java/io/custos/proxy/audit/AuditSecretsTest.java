package io.custos.proxy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.policy.Classification;
import io.custos.policy.Role;
import io.custos.policy.StatementClass;
import io.custos.rewrite.Caller;
import io.custos.rewrite.Catalog;
import io.custos.rewrite.Decision;
import io.custos.rewrite.MySqlMode;
import io.custos.rewrite.StatementGate;
import io.custos.rewrite.StatementVerdict;
import io.custos.rewrite.analysis.QueryMasker;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No password or other secret written in a statement reaches the trail in any form, and the digest cannot confirm a
 * guessed one: the statements go through the real lexers and gate, as a session sends them, into the record a
 * session writes, for a caller with full clearance (whose statements pass) and one without (refused).
 */
class AuditSecretsTest {
    private static final String SECRET = "Tr0ub4dor&3";
    private static final String OTHER = "correct-horse";
    private static final Role ADMIN =
            new Role("it_engineer", 3, EnumSet.complementOf(EnumSet.of(StatementClass.IMPORT_EXPORT)), true);
    private static final Role STAFF = new Role("staff", 1, EnumSet.of(StatementClass.READ), false);
    private static final AuditContext CONTEXT = AuditContext.connection(1, "127.0.0.1:40000", "postgresql")
            .authenticated("it_admin", "it_engineer", "custos_demo");

    private final StatementGate gate =
            new StatementGate(new QueryMasker(() -> Catalog.of(List.of(), 1)), () -> 1L, 100);

    @ParameterizedTest
    @ValueSource(
            strings = {
                "CREATE USER bob PASSWORD '%s'",
                "CREATE ROLE bob WITH LOGIN PASSWORD '%s' VALID UNTIL '2030-01-01'",
                "ALTER ROLE bob PASSWORD E'%s\\\\'",
                "ALTER USER bob WITH ENCRYPTED PASSWORD $$%s$$",
                "ALTER USER bob PASSWORD $pw$%s$pw$",
                "ALTER ROLE bob PASSWORD U&'%s'",
                "ALTER ROLE bob PASSWORD \"%s\"",
                "ALTER ROLE bob PASSWORD %s",
                "create user mapping for bob server remote options (user 'bob', password '%s')",
                "CREATE SUBSCRIPTION s CONNECTION 'host=h password=%s' PUBLICATION p",
                "BEGIN; ALTER ROLE bob PASSWORD '%s'; COMMIT"
            })
    void postgres_secretNeverReachesTheTrail(String template) {
        String sql = template.formatted(SECRET);
        String guess = template.formatted(OTHER);

        for (Role role : List.of(ADMIN, STAFF)) {
            List<StatementVerdict> verdicts =
                    gate.check(sql, caller(role, "public"), true).statements();
            List<StatementVerdict> guessed =
                    gate.check(guess, caller(role, "public"), true).statements();

            assertSecretAbsent(verdicts, guessed);
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "CREATE USER 'bob'@'%%' IDENTIFIED BY '%s'",
                "CREATE USER bob IDENTIFIED BY \"%s\"",
                "ALTER USER bob IDENTIFIED WITH mysql_native_password BY '%s'",
                "ALTER USER bob IDENTIFIED WITH mysql_native_password AS '*%s'",
                "CREATE USER bob IDENTIFIED VIA ed25519 USING PASSWORD('%s')",
                "SET PASSWORD FOR bob = PASSWORD('%s')",
                "SET PASSWORD = '%s'",
                "SET PASSWORD FOR 'bob'@'localhost' = X'%s'",
                "ALTER USER bob IDENTIFIED BY 0x%s",
                "GRANT ALL ON *.* TO bob IDENTIFIED BY '%s'",
                "CHANGE MASTER TO MASTER_HOST='h', MASTER_PASSWORD='%s'",
                "ALTER USER bob IDENTIFIED BY _utf8mb4'%s'",
                "CREATE USER bob IDENTIFIED BY %s"
            })
    void mysql_secretNeverReachesTheTrail(String template) {
        for (String secret : List.of(SECRET, hex(SECRET))) {
            String sql = template.formatted(secret);
            String guess = template.formatted(secret.equals(SECRET) ? OTHER : hex(OTHER));
            for (MySqlMode mode : List.of(MySqlMode.DEFAULT, new MySqlMode(true, false), new MySqlMode(false, true))) {
                for (Role role : List.of(ADMIN, STAFF)) {
                    List<StatementVerdict> verdicts = gate.checkMySql(sql, caller(role, "custos_demo"), mode)
                            .statements();
                    List<StatementVerdict> guessed = gate.checkMySql(guess, caller(role, "custos_demo"), mode)
                            .statements();

                    assertSecretAbsent(verdicts, guessed);
                }
            }
        }
    }

    /** Every record the session would write, allowed or refused, holds no form of the secret, nor digests it. */
    private static void assertSecretAbsent(List<StatementVerdict> verdicts, List<StatementVerdict> guessed) {
        assertThat(verdicts).hasSameSizeAs(guessed).isNotEmpty();
        for (int index = 0; index < verdicts.size(); index++) {
            AuditRecord record = recordOf(verdicts.get(index));
            AuditRecord guessRecord = recordOf(guessed.get(index));
            String json = AuditJson.toJson(record);
            assertThat(json.toLowerCase(Locale.ROOT))
                    .doesNotContain("tr0ub4dor", hex(SECRET).toLowerCase(Locale.ROOT), "ub4dor");
            assertThat(record.normalized())
                    .as("a guessed password gives the same record")
                    .isEqualTo(guessRecord.normalized());
            assertThat(record.digest()).isEqualTo(guessRecord.digest());
        }
    }

    private static AuditRecord recordOf(StatementVerdict verdict) {
        if (verdict.decision() == Decision.REFUSED) {
            return AuditRecord.refusedBy(CONTEXT, verdict, "42501", "v1");
        }
        return AuditRecord.completed(CONTEXT, verdict, 0, 10, "v1");
    }

    private static Caller caller(Role role, String schema) {
        return new Caller("it_admin", role, new Classification(List.of()), "v1", List.of(schema));
    }

    private static String hex(String text) {
        StringBuilder hex = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            hex.append(String.format("%02X", b));
        }
        return hex.toString();
    }
}
