package io.custos.rewrite.mysql;

import io.custos.rewrite.MySqlMode;
import io.custos.rewrite.mysql.MySqlToken.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits a message into tokens the way the server's lexer ({@code sql_lex.cc}) does. Whitespace and comments are kept
 * as tokens so that statement spans and the Calcite text can be built from offsets. Executable comments
 * ({@code /*! … *}{@code /}, {@code /*!50001 … *}{@code /}, MariaDB's {@code /*M! … *}{@code /}) become two markers
 * with ordinary tokens between them, since the server runs their content whatever version they name. Nothing here
 * throws on bad input: a construct the server would reject becomes a token marked malformed, and an unterminated one
 * runs to the end.
 */
final class MySqlTokenizer {
    /** Multi-character operators, longest first so that the first match is the longest. */
    private static final List<String> OPERATORS =
            List.of("<=>", "->>", ":=", "||", "&&", "->", "<<", ">>", "<=", ">=", "<>", "!=");

    private static final String SINGLE_OPERATORS = "=<>+-*/%^~!&|";
    private static final String PUNCTUATION = "(),.;:{}";

    private final String text;
    private final MySqlMode mode;
    private final int length;
    private final List<MySqlToken> tokens = new ArrayList<>();
    private int position;
    private boolean inExecutableComment;

    private MySqlTokenizer(String text, MySqlMode mode) {
        this.text = text;
        this.mode = mode;
        this.length = text.length();
    }

    static List<MySqlToken> tokenize(String text, MySqlMode mode) {
        MySqlTokenizer tokenizer = new MySqlTokenizer(text, mode);
        while (tokenizer.position < tokenizer.length) {
            tokenizer.next();
        }
        if (tokenizer.inExecutableComment) {
            // The server rejects an executable comment left open; an empty marker carries the mark.
            tokenizer.tokens.add(new MySqlToken(Kind.EXECUTABLE_MARKER, text.length(), text.length(), null, 0, true));
        }
        return tokenizer.tokens;
    }

    private void next() {
        int start = position;
        char c = text.charAt(start);
        if (isSpace(c)) {
            whitespace(start);
            return;
        }
        if (inExecutableComment && text.startsWith("*/", start)) {
            inExecutableComment = false;
            position = start + 2;
            add(Kind.EXECUTABLE_MARKER, start, null, start, false);
            return;
        }
        if (text.startsWith("/*", start)) {
            blockComment(start);
            return;
        }
        if (c == '#' || isDashComment(start)) {
            lineComment(start);
            return;
        }
        if (c == '\'' || (c == '"' && !mode.ansiQuotes())) {
            string(start, start, !mode.noBackslashEscapes());
            return;
        }
        if (c == '`' || c == '"') {
            quotedIdentifier(start, c);
            return;
        }
        if (c == '@') {
            variable(start);
            return;
        }
        if (c == '?') {
            position = start + 1;
            add(Kind.PLACEHOLDER, start, "?", start, false);
            return;
        }
        if (c == '.' && isDigit(at(start + 1)) && !followsIdentifier(start)) {
            number(start, start);
            return;
        }
        if (isIdentifierChar(c)) {
            wordOrNumber(start);
            return;
        }
        operatorOrPunctuation(start, c);
    }

    private void whitespace(int start) {
        position = start;
        while (position < length && isSpace(text.charAt(position))) {
            position++;
        }
        add(Kind.WHITESPACE, start, null, start, false);
    }

    /** {@code --} starts a comment only when a space or control character (or the end) follows. */
    private boolean isDashComment(int start) {
        if (!text.startsWith("--", start)) {
            return false;
        }
        if (start + 2 >= length) {
            return true;
        }
        char next = text.charAt(start + 2);
        return next <= ' ' || next == 0x7f;
    }

    /** Line comments end at a line feed only: a lone carriage return does not end them. */
    private void lineComment(int start) {
        position = start;
        while (position < length && text.charAt(position) != '\n') {
            position++;
        }
        add(Kind.COMMENT, start, null, start, false);
    }

    /**
     * {@code /* … *}{@code /} does not nest. {@code /*!} and {@code /*M!} open an executable comment, whose version
     * number (five or six digits) is part of the marker. An executable comment inside another is refused by the
     * server, and a plain comment inside one leaves it unclear which {@code *}{@code /} closes what: both are marked
     * malformed.
     */
    private void blockComment(int start) {
        int markerEnd = executableMarkerEnd(start);
        if (markerEnd > 0) {
            boolean nested = inExecutableComment;
            inExecutableComment = true;
            position = markerEnd;
            add(Kind.EXECUTABLE_MARKER, start, null, start, nested);
            return;
        }
        int close = text.indexOf("*/", start + 2);
        position = close < 0 ? length : close + 2;
        add(Kind.COMMENT, start, null, start, close < 0 || inExecutableComment);
    }

    private int executableMarkerEnd(int start) {
        int index = start + 2;
        if (at(index) == 'M' && at(index + 1) == '!') {
            index += 2;
        } else if (at(index) == '!') {
            index++;
        } else {
            return -1;
        }
        int digits = 0;
        while (digits < 6 && isDigit(at(index + digits))) {
            digits++;
        }
        return digits >= 5 ? index + digits : index;
    }

    /**
     * A string from {@code quoteStart}: a doubled quote stands for one, and a backslash escapes the next character
     * unless NO_BACKSLASH_ESCAPES is set.
     */
    private void string(int start, int quoteStart, boolean backslashEscapes) {
        char quote = text.charAt(quoteStart);
        int index = quoteStart + 1;
        while (index < length) {
            char c = text.charAt(index);
            if (c == '\\' && backslashEscapes) {
                index += 2;
            } else if (c == quote && at(index + 1) == quote) {
                index += 2;
            } else if (c == quote) {
                position = index + 1;
                add(Kind.STRING, start, null, quoteStart, false);
                return;
            } else {
                index++;
            }
        }
        position = length;
        add(Kind.STRING, start, null, quoteStart, true);
    }

    /** {@code X'…'} holds an even number of hexadecimal digits, {@code B'…'} binary digits; neither has escapes. */
    private void digitString(int start, String digits, boolean even) {
        int quoteStart = start + 1;
        int close = text.indexOf('\'', quoteStart + 1);
        if (close < 0) {
            position = length;
            add(Kind.STRING, start, null, quoteStart, true);
            return;
        }
        boolean malformed = even && (close - quoteStart - 1) % 2 != 0;
        for (int index = quoteStart + 1; index < close && !malformed; index++) {
            malformed = digits.indexOf(Character.toLowerCase(text.charAt(index))) < 0;
        }
        position = close + 1;
        add(Kind.STRING, start, null, quoteStart, malformed);
    }

    private void quotedIdentifier(int start, char quote) {
        StringBuilder name = new StringBuilder();
        int index = start + 1;
        while (index < length) {
            char c = text.charAt(index);
            if (c == quote && at(index + 1) == quote) {
                name.append(quote);
                index += 2;
            } else if (c == quote) {
                position = index + 1;
                add(Kind.QUOTED_IDENTIFIER, start, name.toString(), start, name.isEmpty());
                return;
            } else {
                name.append(c);
                index++;
            }
        }
        position = length;
        add(Kind.QUOTED_IDENTIFIER, start, name.toString(), start, true);
    }

    /**
     * {@code @name}, {@code @'name'}, {@code @"name"}, {@code @`name`}, {@code @@name}, {@code @@global.name}. Right
     * after a name or string, as in {@code 'user'@'host'}, the {@code @} joins an account name and is punctuation.
     */
    private void variable(int start) {
        MySqlToken previous = tokens.isEmpty() ? null : tokens.get(tokens.size() - 1);
        if (previous != null
                && previous.end() == start
                && (previous.kind() == Kind.STRING || previous.isIdentifier())) {
            position = start + 1;
            add(Kind.PUNCTUATION, start, "@", start, false);
            return;
        }
        int index = at(start + 1) == '@' ? start + 2 : start + 1;
        char c = at(index);
        if (index == start + 1 && (c == '\'' || c == '"' || c == '`')) {
            int close = quotedEnd(index, c);
            position = close < 0 ? length : close;
            add(Kind.VARIABLE, start, text.substring(start, position), start, close < 0);
            return;
        }
        if (index == start + 2 && c == '`') {
            int close = quotedEnd(index, c);
            index = close < 0 ? length : close;
        }
        while (index < length && (isIdentifierChar(text.charAt(index)) || text.charAt(index) == '.')) {
            index++;
        }
        position = index;
        add(Kind.VARIABLE, start, text.substring(start, index), start, false);
    }

    /** The offset past the quote closing the one at {@code open} (doubling escapes it), or -1. */
    private int quotedEnd(int open, char quote) {
        int index = open + 1;
        while (index < length) {
            if (text.charAt(index) == quote && at(index + 1) == quote) {
                index += 2;
            } else if (text.charAt(index) == quote) {
                return index + 1;
            } else {
                index++;
            }
        }
        return -1;
    }

    /**
     * A run of identifier characters: a number if it is one ({@code 12}, {@code 1e5}, {@code 0x1F}, {@code 0b101}),
     * a prefixed string ({@code N'…'}, {@code X'…'}, {@code B'…'}, {@code _latin1'…'}), otherwise a word, which may
     * begin with digits ({@code 1abc}, {@code 0X1F}).
     */
    private void wordOrNumber(int start) {
        int end = start;
        while (end < length && isIdentifierChar(text.charAt(end))) {
            end++;
        }
        String run = text.substring(start, end);
        if (at(end) == '\'' && end - start == 1) {
            switch (Character.toLowerCase(run.charAt(0))) {
                case 'x' -> {
                    digitString(start, "0123456789abcdef", true);
                    return;
                }
                case 'b' -> {
                    digitString(start, "01", false);
                    return;
                }
                case 'n' -> {
                    string(start, end, !mode.noBackslashEscapes());
                    return;
                }
                default -> {}
            }
        }
        String lower = run.toLowerCase(Locale.ROOT);
        if (run.startsWith("_")
                && MySqlKeywords.CHARACTER_SETS.contains(lower.substring(1))
                && (at(end) == '\'' || (at(end) == '"' && !mode.ansiQuotes()))) {
            string(start, end, !mode.noBackslashEscapes());
            return;
        }
        if (isDigit(run.charAt(0)) && !followsIdentifierAndDot(start) && isNumberStart(run, end)) {
            number(start, start);
            return;
        }
        position = end;
        Kind kind =
                run.startsWith("_") && MySqlKeywords.CHARACTER_SETS.contains(lower.substring(1)) && literalFollows(end)
                        ? Kind.INTRODUCER
                        : Kind.WORD;
        add(kind, start, lower, start, false);
    }

    private boolean isNumberStart(String run, int runEnd) {
        if (run.matches("0x[0-9a-fA-F]+|0b[01]+|[0-9]+|[0-9]+[eE][0-9]+")) {
            return true;
        }
        // 1e+5 and 1e-5: the run stops at the sign.
        return run.matches("[0-9]+[eE]") && (at(runEnd) == '+' || at(runEnd) == '-') && isDigit(at(runEnd + 1));
    }

    /** Digits, an optional fraction and an optional exponent; or a {@code 0x} or {@code 0b} number. */
    private void number(int start, int from) {
        int index = from;
        if (text.startsWith("0x", index) || text.startsWith("0b", index)) {
            index += 2;
            while (index < length && isIdentifierChar(text.charAt(index))) {
                index++;
            }
            position = index;
            add(Kind.NUMBER, start, null, start, false);
            return;
        }
        index = digits(index);
        if (at(index) == '.') {
            index = digits(index + 1);
        }
        if ((at(index) == 'e' || at(index) == 'E')
                && (isDigit(at(index + 1))
                        || ((at(index + 1) == '+' || at(index + 1) == '-') && isDigit(at(index + 2))))) {
            index = digits(index + 2);
        }
        position = index;
        add(Kind.NUMBER, start, null, start, false);
    }

    private int digits(int from) {
        int index = from;
        while (index < length && isDigit(text.charAt(index))) {
            index++;
        }
        return index;
    }

    /** Whether a string or hexadecimal literal follows, after whitespace: then a {@code _charset} word introduces it. */
    private boolean literalFollows(int from) {
        int index = from;
        while (index < length && isSpace(text.charAt(index))) {
            index++;
        }
        char c = at(index);
        char next = at(index + 1);
        return c == '\''
                || (c == '"' && !mode.ansiQuotes())
                || ((c == 'x' || c == 'X' || c == 'b' || c == 'B') && next == '\'')
                || (c == '0' && (next == 'x' || next == 'b'));
    }

    private boolean followsIdentifier(int start) {
        MySqlToken previous = tokens.isEmpty() ? null : tokens.get(tokens.size() - 1);
        return previous != null && previous.end() == start && previous.isIdentifier();
    }

    /** After {@code name.}, digits name a column or table: {@code t.1e5} is the column {@code 1e5}. */
    private boolean followsIdentifierAndDot(int start) {
        int size = tokens.size();
        if (size < 2) {
            return false;
        }
        MySqlToken dot = tokens.get(size - 1);
        return dot.isPunctuation(".")
                && dot.end() == start
                && tokens.get(size - 2).isIdentifier();
    }

    private void operatorOrPunctuation(int start, char c) {
        for (String operator : OPERATORS) {
            if (text.startsWith(operator, start)) {
                position = start + operator.length();
                add(Kind.OPERATOR, start, operator, start, false);
                return;
            }
        }
        position = start + 1;
        if (PUNCTUATION.indexOf(c) >= 0) {
            add(Kind.PUNCTUATION, start, String.valueOf(c), start, false);
        } else if (SINGLE_OPERATORS.indexOf(c) >= 0) {
            add(Kind.OPERATOR, start, String.valueOf(c), start, false);
        } else {
            add(Kind.INVALID, start, String.valueOf(c), start, true);
        }
    }

    private void add(Kind kind, int start, String value, int quoteStart, boolean malformed) {
        tokens.add(new MySqlToken(kind, start, position, value, quoteStart, malformed));
    }

    private char at(int index) {
        return index < length ? text.charAt(index) : '\0';
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0b;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** Letters, digits, {@code _}, {@code $} and every character from U+0080 on. */
    static boolean isIdentifierChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) || c == '_' || c == '$' || c >= 0x80;
    }

    /**
     * The text a string token denotes: prefix and quotes removed, doubled quotes and (unless NO_BACKSLASH_ESCAPES)
     * backslash escapes resolved. Hexadecimal and bit strings give their digits.
     */
    static String stringValue(String text, MySqlToken token, MySqlMode mode) {
        char quote = text.charAt(token.quoteStart());
        int end = token.malformed() ? token.end() : token.end() - 1;
        char prefix = Character.toLowerCase(text.charAt(token.start()));
        boolean escapes = !mode.noBackslashEscapes()
                && !(token.quoteStart() == token.start() + 1 && (prefix == 'x' || prefix == 'b'));
        StringBuilder value = new StringBuilder();
        for (int index = token.quoteStart() + 1; index < end; index++) {
            char c = text.charAt(index);
            if (c == '\\' && escapes && index + 1 < end) {
                index++;
                char escaped = text.charAt(index);
                if (escaped == '%' || escaped == '_') {
                    // The server keeps the backslash of \% and \_, for LIKE patterns.
                    value.append('\\');
                }
                value.append(unescape(escaped));
            } else if (c == quote && index + 1 < end && text.charAt(index + 1) == quote) {
                index++;
                value.append(quote);
            } else {
                value.append(c);
            }
        }
        return value.toString();
    }

    private static char unescape(char c) {
        return switch (c) {
            case '0' -> '\0';
            case 'b' -> '\b';
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case 'Z' -> (char) 26;
            default -> c;
        };
    }
}
