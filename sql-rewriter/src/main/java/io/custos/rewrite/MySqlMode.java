package io.custos.rewrite;

import java.util.List;
import java.util.Locale;

/**
 * The session settings that change how MySQL reads a statement's text: {@code ANSI_QUOTES} makes {@code "…"} an
 * identifier, {@code NO_BACKSLASH_ESCAPES} makes backslash an ordinary character in strings. The session follows them
 * from the server's sql_mode.
 */
public record MySqlMode(boolean ansiQuotes, boolean noBackslashEscapes) {
    public static final MySqlMode DEFAULT = new MySqlMode(false, false);

    /** The settings of a {@code sql_mode} value as the server reports it: comma-separated flags, any case. */
    public static MySqlMode of(String sqlMode) {
        List<String> flags = List.of(sqlMode.toUpperCase(Locale.ROOT).split(","));
        return new MySqlMode(
                flags.contains("ANSI_QUOTES") || flags.contains("ANSI"), flags.contains("NO_BACKSLASH_ESCAPES"));
    }
}
