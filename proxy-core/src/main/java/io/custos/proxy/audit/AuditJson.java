package io.custos.proxy.audit;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import io.custos.policy.StatementClass;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The JSON form of an audit record: one object per line, field names in snake case, null fields (and {@code -1} for
 * rows and duration, an empty list of masked columns) left out. Readers ignore fields they do not know, so fields
 * can be added later.
 */
public final class AuditJson {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            // Without this, characters outside the BMP are written as escaped surrogate pairs.
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .build();
    private static final JsonFactory TRAIL_FACTORY = JsonFactory.builder()
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .disable(StreamWriteFeature.AUTO_CLOSE_CONTENT)
            .build();

    private AuditJson() {}

    /** The record as one line of JSON, without the line end. */
    public static String toJson(AuditRecord record) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try {
            write(record, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * Reads a record back from one line of the audit trail.
     *
     * @throws IllegalArgumentException if the line is not a well-formed audit record
     */
    public static AuditRecord parse(String line) {
        requireNonNull(line, "line is null");
        try (JsonParser parser = FACTORY.createParser(line)) {
            return read(parser);
        } catch (IOException | DateTimeParseException e) {
            throw new IllegalArgumentException("Malformed audit record: " + e.getMessage(), e);
        }
    }

    /** Writes the record as UTF-8 JSON to {@code out}, without the line end. */
    static void write(AuditRecord record, OutputStream out) throws IOException {
        try (JsonGenerator generator = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            generator.writeStartObject();
            writeFields(record, generator);
            generator.writeEndObject();
        }
    }

    /**
     * A generator for one line of the trail: closing it flushes what was written without closing the object, so the
     * chain can seal the bytes before the MAC field is appended.
     */
    static JsonGenerator trailGenerator(OutputStream out) throws IOException {
        return TRAIL_FACTORY.createGenerator(out, JsonEncoding.UTF8);
    }

    /** The record's fields, in the order they are written, into an object already started. */
    static void writeFields(AuditRecord record, JsonGenerator generator) throws IOException {
        generator.writeStringField("time", record.time().toString());
        generator.writeStringField("event", record.event().auditName());
        generator.writeNumberField("session_id", record.sessionId());
        writeOptional(generator, "user", record.user());
        writeOptional(generator, "role", record.role());
        writeOptional(generator, "client_address", record.clientAddress());
        writeOptional(generator, "database", record.database());
        writeOptional(generator, "protocol", record.protocol());
        if (record.statementClass() != null) {
            generator.writeStringField(
                    "statement_class", record.statementClass().policyName());
        }
        writeOptional(generator, "normalized", record.normalized());
        writeOptional(generator, "digest", record.digest());
        writeOptional(generator, "decision", record.decision());
        writeOptional(generator, "rule", record.rule());
        writeOptional(generator, "reason", record.reason());
        if (!record.maskedColumns().isEmpty()) {
            generator.writeArrayFieldStart("masked_columns");
            for (String column : record.maskedColumns()) {
                generator.writeString(wellFormed(column));
            }
            generator.writeEndArray();
        }
        if (record.rows() >= 0) {
            generator.writeNumberField("rows", record.rows());
        }
        if (record.durationMicros() >= 0) {
            generator.writeNumberField("duration_micros", record.durationMicros());
        }
        writeOptional(generator, "policy_version", record.policyVersion());
        writeOptional(generator, "error_code", record.errorCode());
        writeStrings(generator, "tables", record.tables());
        writeStrings(generator, "columns", record.columns());
        if (!record.levels().isEmpty()) {
            generator.writeArrayFieldStart("levels");
            for (int level : record.levels()) {
                generator.writeNumber(level);
            }
            generator.writeEndArray();
        }
        if (record.parameters() >= 0) {
            generator.writeNumberField("parameters", record.parameters());
        }
    }

    private static void writeStrings(JsonGenerator generator, String name, List<String> values) throws IOException {
        if (values.isEmpty()) {
            return;
        }
        generator.writeArrayFieldStart(name);
        for (String value : values) {
            generator.writeString(wellFormed(value));
        }
        generator.writeEndArray();
    }

    private static void writeOptional(JsonGenerator generator, String name, String value) throws IOException {
        if (value != null) {
            generator.writeStringField(name, wellFormed(value));
        }
    }

    /**
     * Replaces unpaired surrogates with U+FFFD. Jackson folds a lone high surrogate into the next character when it
     * combines surrogate pairs, which would corrupt the record instead of failing.
     */
    static String wellFormed(String value) {
        int length = value.length();
        int index = 0;
        while (index < length && !Character.isSurrogate(value.charAt(index))) {
            index++;
        }
        if (index == length) {
            return value;
        }
        StringBuilder builder = new StringBuilder(length).append(value, 0, index);
        while (index < length) {
            char c = value.charAt(index);
            if (Character.isHighSurrogate(c)
                    && index + 1 < length
                    && Character.isLowSurrogate(value.charAt(index + 1))) {
                builder.append(c).append(value.charAt(index + 1));
                index += 2;
                continue;
            }
            builder.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            index++;
        }
        return builder.toString();
    }

    private static AuditRecord read(JsonParser parser) throws IOException {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw new IllegalArgumentException("Malformed audit record: expected a JSON object");
        }
        Fields fields = new Fields();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            parser.nextToken();
            readField(parser, name, fields);
        }
        return fields.toRecord();
    }

    private static void readField(JsonParser parser, String name, Fields fields) throws IOException {
        switch (name) {
            case "time" -> fields.time = Instant.parse(parser.getText());
            case "event" -> fields.event = AuditEvent.fromAuditName(parser.getText());
            case "session_id" -> fields.sessionId = parser.getLongValue();
            case "user" -> fields.user = parser.getText();
            case "role" -> fields.role = parser.getText();
            case "client_address" -> fields.clientAddress = parser.getText();
            case "database" -> fields.database = parser.getText();
            case "protocol" -> fields.protocol = parser.getText();
            case "statement_class" -> fields.statementClass =
                    StatementClass.valueOf(parser.getText().toUpperCase(Locale.ROOT));
            case "normalized" -> fields.normalized = parser.getText();
            case "digest" -> fields.digest = parser.getText();
            case "decision" -> fields.decision = parser.getText();
            case "rule" -> fields.rule = parser.getText();
            case "reason" -> fields.reason = parser.getText();
            case "masked_columns" -> fields.maskedColumns = readStrings(parser, name);
            case "rows" -> fields.rows = parser.getLongValue();
            case "duration_micros" -> fields.durationMicros = parser.getLongValue();
            case "policy_version" -> fields.policyVersion = parser.getText();
            case "error_code" -> fields.errorCode = parser.getText();
            case "tables" -> fields.tables = readStrings(parser, name);
            case "columns" -> fields.columns = readStrings(parser, name);
            case "levels" -> fields.levels =
                    readStrings(parser, name).stream().map(Integer::valueOf).toList();
            case "parameters" -> fields.parameters = parser.getIntValue();
            default -> parser.skipChildren();
        }
    }

    private static List<String> readStrings(JsonParser parser, String name) throws IOException {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw new IllegalArgumentException("Malformed audit record: " + name + " is not an array");
        }
        List<String> values = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            values.add(parser.getText());
        }
        return values;
    }

    private static final class Fields {
        private Instant time;
        private AuditEvent event;
        private long sessionId;
        private String user;
        private String role;
        private String clientAddress;
        private String database;
        private String protocol;
        private StatementClass statementClass;
        private String normalized;
        private String digest;
        private String decision;
        private String rule;
        private String reason;
        private List<String> maskedColumns = List.of();
        private long rows = -1;
        private long durationMicros = -1;
        private String policyVersion;
        private String errorCode;
        private List<String> tables = List.of();
        private List<String> columns = List.of();
        private List<Integer> levels = List.of();
        private int parameters = -1;

        private AuditRecord toRecord() {
            require(time, "time");
            require(event, "event");
            require(clientAddress, "client_address");
            require(protocol, "protocol");
            require(policyVersion, "policy_version");
            return new AuditRecord(
                    time,
                    event,
                    sessionId,
                    user,
                    role,
                    clientAddress,
                    database,
                    protocol,
                    statementClass,
                    normalized,
                    digest,
                    decision,
                    rule,
                    reason,
                    maskedColumns,
                    rows,
                    durationMicros,
                    policyVersion,
                    errorCode,
                    tables,
                    columns,
                    levels,
                    parameters);
        }

        private static void require(Object value, String name) {
            if (value == null) {
                throw new IllegalArgumentException("Malformed audit record: field '" + name + "' is missing");
            }
        }
    }
}
