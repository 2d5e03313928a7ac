package io.custos.cli;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;

/** Times given to audit commands: an instant ({@code 2026-12-03T08:00:00Z}), a local time or a day, in a zone. */
final class AuditTimes {
    private AuditTimes() {}

    static Instant parse(String text, ZoneId zone, String option) {
        try {
            if (text.endsWith("Z") || text.matches(".*[+-]\\d\\d:\\d\\d$")) {
                return OffsetDateTime.parse(text).toInstant();
            }
            if (text.contains("T")) {
                return LocalDateTime.parse(text).atZone(zone).toInstant();
            }
            return LocalDate.parse(text).atStartOfDay(zone).toInstant();
        } catch (DateTimeException e) {
            throw CommandFailure.usage("custos: " + option + " '" + text
                    + "' is not a time (expected: 2026-12-03, 2026-12-03T08:00 or 2026-12-03T08:00:00Z)");
        }
    }

    static ZoneId zone(String text) {
        try {
            return ZoneId.of(text);
        } catch (DateTimeException e) {
            throw CommandFailure.usage(
                    "custos: --zone '" + text + "' is not a time zone (expected: UTC, Asia/Shanghai, +08:00)");
        }
    }
}
