package io.custos.rewrite;

/**
 * The session settings that change how MySQL reads a statement's text: {@code ANSI_QUOTES} makes {@code "…"} an
 * identifier, {@code NO_BACKSLASH_ESCAPES} makes backslash an ordinary character in strings. The session follows them
 * from the server's sql_mode.
 */
public record MySqlMode(boolean ansiQuotes, boolean noBackslashEscapes) {
    public static final MySqlMode DEFAULT = new MySqlMode(false, false);
}
