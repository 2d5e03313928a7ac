package io.custos.proxy.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.policy.StatementClass;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class AuditJsonTest {
    private static final Instant TIME = Instant.parse("2026-12-03T08:15:30.123456Z");
    private static final AuditContext ANONYMOUS = AuditContext.connection(7, "10.0.0.8:51544", AuditContext.POSTGRESQL);
    private static final AuditContext CLERK = ANONYMOUS.authenticated("clerk", "info_clerk", "custos_demo");

    @Test
    void toJson_connectRecord_omitsNullFields() {
        AuditRecord record = new AuditRecord(
                TIME,
                AuditEvent.CONNECT,
                7,
                null,
                null,
                "10.0.0.8:51544",
                null,
                "postgresql",
                null,
                null,
                null,
                null,
                null,
                null,
                List.of(),
                -1,
                -1,
                "v3",
                null);

        assertThat(AuditJson.toJson(record))
                .isEqualTo(
                        "{\"time\":\"2026-12-03T08:15:30.123456Z\",\"event\":\"connect\",\"session_id\":7,"
                                + "\"client_address\":\"10.0.0.8:51544\",\"protocol\":\"postgresql\",\"policy_version\":\"v3\"}");
    }

    @Test
    void toJson_statementRecord_writesSnakeCaseFields() {
        AuditRecord record = new AuditRecord(
                TIME,
                AuditEvent.STATEMENT,
                7,
                "clerk",
                "info_clerk",
                "10.0.0.8:51544",
                "custos_demo",
                "postgresql",
                StatementClass.IMPORT_EXPORT,
                "COPY customer TO STDOUT",
                "9f2c",
                AuditRecord.REFUSED,
                "import_export",
                "Role 'info_clerk' may not export",
                List.of(),
                -1,
                -1,
                "v3",
                "42501");

        assertThat(AuditJson.toJson(record))
                .isEqualTo("{\"time\":\"2026-12-03T08:15:30.123456Z\",\"event\":\"statement\",\"session_id\":7,"
                        + "\"user\":\"clerk\",\"role\":\"info_clerk\",\"client_address\":\"10.0.0.8:51544\","
                        + "\"database\":\"custos_demo\",\"protocol\":\"postgresql\",\"statement_class\":\"import_export\","
                        + "\"normalized\":\"COPY customer TO STDOUT\",\"digest\":\"9f2c\",\"decision\":\"refused\","
                        + "\"rule\":\"import_export\",\"reason\":\"Role 'info_clerk' may not export\","
                        + "\"policy_version\":\"v3\",\"error_code\":\"42501\"}");
    }

    @ParameterizedTest
    @MethodSource("records")
    void parse_writtenRecord_givesItBack(AuditRecord record) {
        String json = AuditJson.toJson(record);

        assertThat(json).doesNotContain("null").doesNotContain("\n");
        assertThat(AuditJson.parse(json)).isEqualTo(record);
    }

    static Stream<Arguments> records() {
        return Stream.of(
                Arguments.of(AuditRecord.connect(ANONYMOUS, "v1")),
                Arguments.of(AuditRecord.authOk(CLERK, "v1")),
                Arguments.of(AuditRecord.authFailed(
                        ANONYMOUS.requested("王小明", "custos_demo"), "Password does not match", "28P01", "v1")),
                Arguments.of(AuditRecord.disconnect(CLERK, 1_250_000, "v1")),
                Arguments.of(
                        AuditRecord.allowed(CLERK, StatementClass.READ, "SELECT id FROM project", "a1", 12, 830, "v1")),
                Arguments.of(AuditRecord.rewritten(
                        CLERK,
                        StatementClass.READ,
                        "SELECT name, mobile FROM customer WHERE city = ?",
                        "b2",
                        List.of("customer.name", "customer.mobile"),
                        3,
                        1400,
                        "v1")),
                Arguments.of(AuditRecord.refused(
                        CLERK,
                        StatementClass.DELETE,
                        "DELETE FROM customer",
                        "c3",
                        "role_statements",
                        "Role 'staff' may not run DELETE",
                        "42501",
                        "v1")),
                Arguments.of(AuditRecord.failed(
                        CLERK,
                        StatementClass.INSERT,
                        "INSERT INTO project VALUES (?, ?, ?)",
                        "d4",
                        List.of(),
                        "23505",
                        "duplicate key value violates unique constraint",
                        220,
                        "v1")));
    }

    @Test
    void parse_nonAsciiText_keepsItIntact() {
        AuditRecord record = AuditRecord.allowed(
                ANONYMOUS.authenticated("张伟", "信息员", "管控系统"),
                StatementClass.READ,
                "SELECT * FROM customer WHERE name = '李娜' AND note = 'é ü 😀 \"quoted\" \\ tab\t'",
                "e5",
                1,
                10,
                "v1");

        String json = AuditJson.toJson(record);

        assertThat(json).contains("张伟", "信息员", "管控系统", "李娜", "😀");
        assertThat(AuditJson.parse(json)).isEqualTo(record);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "plain text        | plain text",
                "pair \uD83D\uDE00 | pair \uD83D\uDE00",
                "lone \uD83D x     | lone \uFFFD x",
                "end \uD83D        | end \uFFFD",
                "low \uDE00 first  | low \uFFFD first",
            })
    void wellFormed_unpairedSurrogates_becomeReplacementCharacters(String input, String expected) {
        assertThat(AuditJson.wellFormed(input)).isEqualTo(expected);
    }

    @Test
    void toJson_loneSurrogate_doesNotSwallowTheNextCharacter() {
        AuditRecord record = AuditRecord.allowed(CLERK, StatementClass.READ, "SELECT '\uD83D x'", "f6", 1, 10, "v1");

        assertThat(AuditJson.parse(AuditJson.toJson(record)).normalized()).isEqualTo("SELECT '\uFFFD x'");
    }

    @Test
    void parse_unknownFields_areIgnored() {
        AuditRecord record = AuditRecord.authOk(CLERK, "v1");
        String json = AuditJson.toJson(record);
        String extended = json.substring(0, json.length() - 1) + ",\"chain\":{\"previous\":\"00ff\",\"n\":[1,2]}}";

        assertThat(AuditJson.parse(extended)).isEqualTo(record);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                "[]                                                                        | expected a JSON object",
                "{\"event\":\"connect\"                                                    | Malformed audit record",
                "{\"event\":\"connect\",\"client_address\":\"a\",\"protocol\":\"p\",\"policy_version\":\"v\"} | field 'time' is missing",
                "{\"time\":\"yesterday\",\"event\":\"connect\"}                            | Malformed audit record",
                "{\"time\":\"2026-12-03T08:15:30Z\",\"event\":\"teleport\"}                | Unknown audit event 'teleport'",
            })
    void parse_malformedLine_isRejected(String line, String message) {
        assertThatThrownBy(() -> AuditJson.parse(line))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void record_unknownDecision_isRejected() {
        assertThatThrownBy(() -> new AuditRecord(
                        TIME,
                        AuditEvent.STATEMENT,
                        1,
                        null,
                        null,
                        "a",
                        null,
                        "postgresql",
                        null,
                        null,
                        null,
                        "maybe",
                        null,
                        null,
                        null,
                        -1,
                        -1,
                        "v1",
                        null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("decision: maybe (expected: one of");
    }
}
