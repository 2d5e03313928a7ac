package io.custos.proxy.mysql;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The client character sets the gateway reads statements in. Each maps to a Java charset that decodes the bytes exactly
 * as the server reads them where it matters to the gate (quotes, backslashes, comment markers are ASCII in all of
 * them). Multi-byte sets whose trail bytes can be a backslash or a quote (gbk, big5, sjis, cp932 …) are not served:
 * statements in them are refused.
 */
final class MySqlCharsets {
    private static final Map<String, Charset> CHARSETS = Map.of(
            "utf8mb4", StandardCharsets.UTF_8,
            "utf8mb3", StandardCharsets.UTF_8,
            "utf8", StandardCharsets.UTF_8,
            "latin1", Charset.forName("windows-1252"),
            "ascii", StandardCharsets.US_ASCII,
            "binary", StandardCharsets.ISO_8859_1);

    private MySqlCharsets() {}

    /** The charset for a MySQL character set name, if the gateway serves it. */
    static Optional<Charset> charset(String name) {
        return Optional.ofNullable(CHARSETS.get(name.toLowerCase(Locale.ROOT)));
    }
}
