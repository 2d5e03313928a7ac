package io.custos.rewrite.postgres;

import io.custos.rewrite.postgres.PostgresToken.Kind;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a message into tokens the way the server's scanner ({@code scan.l}) does. Whitespace and comments are kept as
 * tokens so that statement spans and the Calcite text can be built from offsets. Nothing here throws on bad input: a
 * construct the server would reject becomes a token marked malformed, and an unterminated one runs to the end.
 */
final class PostgresTokenizer {
    /** PostgreSQL truncates identifiers to NAMEDATALEN - 1 bytes. */
    private static final int MAX_IDENTIFIER_BYTES = 63;

    private static final String OPERATOR_CHARS = "~!@#^&|`?+-*/%<>=";
    private static final String NON_ARITHMETIC_OPERATOR_CHARS = "~!@#^&|`?%";

    private enum StringMode {
        /** {@code '...'} with standard_conforming_strings on, {@code U&'...'}: only {@code ''} escapes a quote. */
        STANDARD,
        /** {@code E'...'}, or {@code '...'} with standard_conforming_strings off: backslash escapes too. */
        BACKSLASH,
        /** {@code B'...'} and {@code X'...'}: no escapes at all. */
        BIT
    }

    private final String text;
    private final boolean standardConformingStrings;
    private final int length;
    private final List<PostgresToken> tokens = new ArrayList<>();
    private int position;

    private PostgresTokenizer(String text, boolean standardConformingStrings) {
        this.text = text;
        this.standardConformingStrings = standardConformingStrings;
        this.length = text.length();
    }

    static List<PostgresToken> tokenize(String text, boolean standardConformingStrings) {
        PostgresTokenizer tokenizer = new PostgresTokenizer(text, standardConformingStrings);
        while (tokenizer.position < tokenizer.length) {
            tokenizer.next();
        }
        return tokenizer.resolveUnicodeEscapes();
    }

    private void next() {
        int start = position;
        char c = text.charAt(start);
        if (isSpace(c)) {
            whitespace(start);
            return;
        }
        if (text.startsWith("--", start)) {
            lineComment(start);
            return;
        }
        if (text.startsWith("/*", start)) {
            blockComment(start);
            return;
        }
        if (c == '\'') {
            string(start, start, standardConformingStrings ? StringMode.STANDARD : StringMode.BACKSLASH, false);
            return;
        }
        if (c == '"') {
            quotedIdentifier(start, start, false);
            return;
        }
        if (c == '$') {
            dollar(start);
            return;
        }
        if (isDigit(c) || (c == '.' && isDigit(at(start + 1)))) {
            number(start);
            return;
        }
        if (isIdentifierStart(c)) {
            wordOrPrefixedConstant(start, c);
            return;
        }
        if (OPERATOR_CHARS.indexOf(c) >= 0) {
            operator(start);
            return;
        }
        punctuation(start, c);
    }

    private void whitespace(int start) {
        position = start;
        while (position < length && isSpace(text.charAt(position))) {
            position++;
        }
        add(Kind.WHITESPACE, start, null, start, false);
    }

    private void lineComment(int start) {
        position = start + 2;
        while (position < length && !isNewline(text.charAt(position))) {
            position++;
        }
        add(Kind.COMMENT, start, null, start, false);
    }

    private void blockComment(int start) {
        int end = blockCommentEnd(start);
        position = end < 0 ? length : end;
        add(Kind.COMMENT, start, null, start, end < 0);
    }

    /** Block comments nest, as the SQL standard says and unlike C. Returns the offset past the end, or -1. */
    private int blockCommentEnd(int start) {
        int depth = 0;
        int index = start;
        while (index < length) {
            if (text.startsWith("/*", index)) {
                depth++;
                index += 2;
            } else if (text.startsWith("*/", index)) {
                depth--;
                index += 2;
                if (depth == 0) {
                    return index;
                }
            } else {
                index++;
            }
        }
        return -1;
    }

    private void wordOrPrefixedConstant(int start, char c) {
        char next = at(start + 1);
        char lower = Character.toLowerCase(c);
        if (next == '\'') {
            switch (lower) {
                case 'e' -> {
                    string(start, start + 1, StringMode.BACKSLASH, false);
                    return;
                }
                case 'b', 'x' -> {
                    string(start, start + 1, StringMode.BIT, false);
                    return;
                }
                case 'n' -> {
                    // N'...' is NCHAR followed by an ordinary string constant.
                    StringMode mode = standardConformingStrings ? StringMode.STANDARD : StringMode.BACKSLASH;
                    string(start, start + 1, mode, false);
                    return;
                }
                default -> {}
            }
        }
        if (lower == 'u' && next == '&' && at(start + 2) == '\'') {
            // The server refuses U&'' when standard_conforming_strings is off.
            string(start, start + 2, StringMode.STANDARD, !standardConformingStrings);
            return;
        }
        if (lower == 'u' && next == '&' && at(start + 2) == '"') {
            quotedIdentifier(start, start + 2, true);
            return;
        }
        position = start + 1;
        while (position < length && isIdentifierPart(text.charAt(position))) {
            position++;
        }
        add(Kind.WORD, start, truncate(foldCase(text.substring(start, position))), start, false);
    }

    private void string(int start, int quote, StringMode mode, boolean malformed) {
        position = quote + 1;
        while (position < length) {
            char c = text.charAt(position);
            if (mode == StringMode.BACKSLASH && c == '\\') {
                position = Math.min(position + 2, length);
                continue;
            }
            if (c != '\'') {
                position++;
                continue;
            }
            if (mode != StringMode.BIT && at(position + 1) == '\'') {
                position += 2;
                continue;
            }
            int continuation = continuationQuote(position + 1);
            if (continuation >= 0) {
                position = continuation + 1;
                continue;
            }
            position++;
            add(Kind.STRING, start, null, quote, malformed);
            return;
        }
        add(Kind.STRING, start, null, quote, true);
    }

    /**
     * Two string constants separated only by whitespace that holds at least one newline (and {@code --} comments)
     * are one constant. Returns the offset of the continuing quote, or -1.
     */
    private int continuationQuote(int from) {
        boolean newline = false;
        int index = from;
        while (index < length) {
            char c = text.charAt(index);
            if (isNewline(c)) {
                newline = true;
                index++;
            } else if (isSpace(c)) {
                index++;
            } else if (text.startsWith("--", index)) {
                while (index < length && !isNewline(text.charAt(index))) {
                    index++;
                }
            } else {
                break;
            }
        }
        return newline && at(index) == '\'' ? index : -1;
    }

    /** A {@code U&"…"} name keeps its escapes in {@code value} until {@link #resolveUnicodeEscapes} decodes them. */
    private void quotedIdentifier(int start, int quote, boolean unicode) {
        StringBuilder value = new StringBuilder();
        position = quote + 1;
        while (position < length) {
            char c = text.charAt(position);
            if (c != '"') {
                value.append(c);
                position++;
                continue;
            }
            if (at(position + 1) == '"') {
                value.append('"');
                position += 2;
                continue;
            }
            position++;
            String name = unicode ? value.toString() : truncate(value.toString());
            add(Kind.QUOTED_IDENTIFIER, start, name, quote, value.isEmpty());
            return;
        }
        add(Kind.QUOTED_IDENTIFIER, start, truncate(value.toString()), quote, true);
    }

    /**
     * Decodes {@code U&} names and absorbs an optional {@code UESCAPE 'c'} after a {@code U&} constant or name into
     * its token, so that {@code U&"!0070g_read_file" UESCAPE '!'} is recognised for what it is. The server takes any
     * simple string constant after UESCAPE ({@code 'c'}, {@code E'c'}, {@code $$c$$}), with comments in between.
     */
    private List<PostgresToken> resolveUnicodeEscapes() {
        List<PostgresToken> resolved = new ArrayList<>(tokens.size());
        int index = 0;
        while (index < tokens.size()) {
            PostgresToken token = tokens.get(index);
            boolean unicode = token.quoteStart() == token.start() + 2
                    && (token.kind() == Kind.STRING || token.kind() == Kind.QUOTED_IDENTIFIER);
            if (!unicode) {
                resolved.add(token);
                index++;
                continue;
            }
            int keyword = nextSignificant(index + 1);
            int end = token.end();
            char escape = '\\';
            boolean malformed = token.malformed();
            int last = index;
            if (keyword >= 0 && tokens.get(keyword).isWord("uescape")) {
                last = keyword;
                end = tokens.get(keyword).end();
                int argument = nextSignificant(keyword + 1);
                String value = argument >= 0 ? simpleStringValue(tokens.get(argument)) : null;
                if (value != null) {
                    last = argument;
                    end = tokens.get(argument).end();
                }
                if (value != null && value.length() == 1 && validEscape(value.charAt(0))) {
                    escape = value.charAt(0);
                } else {
                    malformed = true;
                }
            }
            String name = token.value();
            if (token.kind() == Kind.QUOTED_IDENTIFIER && !token.malformed()) {
                String decoded = decodeUnicodeEscapes(name, escape);
                malformed = malformed || decoded == null || decoded.isEmpty();
                name = decoded == null ? name : truncate(decoded);
            }
            resolved.add(new PostgresToken(token.kind(), token.start(), end, name, token.quoteStart(), malformed));
            index = last + 1;
        }
        return resolved;
    }

    private int nextSignificant(int from) {
        for (int index = from; index < tokens.size(); index++) {
            if (tokens.get(index).significant()) {
                return index;
            }
        }
        return -1;
    }

    /**
     * The value of a string constant the grammar calls simple: {@code '…'} (with continuation lines), {@code E'…'},
     * or dollar-quoted; {@code null} for anything else.
     */
    private String simpleStringValue(PostgresToken token) {
        if (token.kind() != Kind.STRING || token.malformed()) {
            return null;
        }
        char first = text.charAt(token.start());
        if (first == '$') {
            int tagEnd = text.indexOf('$', token.start() + 1) + 1;
            return text.substring(tagEnd, token.end() - (tagEnd - token.start()));
        }
        boolean escapes;
        if (token.quoteStart() == token.start()) {
            escapes = !standardConformingStrings;
        } else if (token.quoteStart() == token.start() + 1 && (first == 'e' || first == 'E')) {
            escapes = true;
        } else {
            return null;
        }
        return quotedValue(token.quoteStart(), token.end(), escapes);
    }

    /** The value of the quoted segments between {@code from} and {@code to}, which lexing has already checked. */
    private String quotedValue(int from, int to, boolean escapes) {
        StringBuilder value = new StringBuilder();
        int index = from + 1;
        while (index < to) {
            char c = text.charAt(index);
            if (escapes && c == '\\') {
                index = unescape(index + 1, value);
            } else if (c == '\'' && at(index + 1) == '\'') {
                value.append('\'');
                index += 2;
            } else if (c == '\'') {
                // The end of a segment: a continuation segment, if any, starts at the next quote.
                int next = continuationQuote(index + 1);
                index = next < 0 || next >= to ? to : next + 1;
            } else {
                value.append(c);
                index++;
            }
        }
        return value.toString();
    }

    /** Decodes the escape after the backslash before {@code index} in {@code E'…'}; returns the offset after it. */
    private int unescape(int index, StringBuilder value) {
        char c = at(index);
        switch (c) {
            case 'b' -> value.append('\b');
            case 'f' -> value.append('\f');
            case 'n' -> value.append('\n');
            case 'r' -> value.append('\r');
            case 't' -> value.append('\t');
            case 'x', 'u', 'U' -> {
                int digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
                int end = index + 1;
                while (end < length && end < index + 1 + digits && isHexDigit(text.charAt(end))) {
                    end++;
                }
                if (end == index + 1 || (c != 'x' && end != index + 1 + digits)) {
                    value.append(c);
                    return index + 1;
                }
                int codePoint = Integer.parseInt(text, index + 1, end, 16);
                if (codePoint > Character.MAX_CODE_POINT) {
                    value.append('\uFFFD');
                } else {
                    value.appendCodePoint(codePoint);
                }
                return end;
            }
            default -> {
                if (c >= '0' && c <= '7') {
                    int end = index;
                    while (end < length && end < index + 3 && text.charAt(end) >= '0' && text.charAt(end) <= '7') {
                        end++;
                    }
                    value.append((char) (Integer.parseInt(text, index, end, 8) & 0xFF));
                    return end;
                }
                value.append(c);
            }
        }
        return index + 1;
    }

    private int skipSpaceAndComments(int from) {
        int index = from;
        while (index < length) {
            if (isSpace(text.charAt(index))) {
                index++;
            } else if (text.startsWith("--", index)) {
                while (index < length && !isNewline(text.charAt(index))) {
                    index++;
                }
            } else if (text.startsWith("/*", index)) {
                int end = blockCommentEnd(index);
                if (end < 0) {
                    return index;
                }
                index = end;
            } else {
                return index;
            }
        }
        return index;
    }

    private static boolean validEscape(char c) {
        return !isHexDigit(c) && c != '+' && c != '\'' && c != '"' && !isSpace(c) && c != 0;
    }

    /** Returns the decoded text, or {@code null} if an escape is invalid. */
    static String decodeUnicodeEscapes(String value, char escape) {
        StringBuilder decoded = new StringBuilder(value.length());
        int index = 0;
        while (index < value.length()) {
            char c = value.charAt(index);
            if (c != escape) {
                decoded.append(c);
                index++;
                continue;
            }
            if (index + 1 < value.length() && value.charAt(index + 1) == escape) {
                decoded.append(escape);
                index += 2;
                continue;
            }
            int digits = index + 1 < value.length() && value.charAt(index + 1) == '+' ? 6 : 4;
            int from = digits == 6 ? index + 2 : index + 1;
            if (from + digits > value.length() || !allHex(value, from, from + digits)) {
                return null;
            }
            int codePoint = Integer.parseInt(value, from, from + digits, 16);
            if (codePoint == 0 || codePoint > Character.MAX_CODE_POINT) {
                return null;
            }
            decoded.appendCodePoint(codePoint);
            index = from + digits;
        }
        return decoded.toString();
    }

    private static boolean allHex(String value, int from, int to) {
        for (int index = from; index < to; index++) {
            if (!isHexDigit(value.charAt(index))) {
                return false;
            }
        }
        return true;
    }

    private void dollar(int start) {
        if (isDigit(at(start + 1))) {
            position = start + 1;
            while (position < length && isDigit(text.charAt(position))) {
                position++;
            }
            // PostgreSQL 16 and later reject "$1abc" as trailing junk after a parameter.
            add(Kind.PARAMETER, start, null, start, isIdentifierPart(at(position)));
            return;
        }
        int tagEnd = start + 1;
        if (isDollarTagStart(at(tagEnd))) {
            while (tagEnd < length && isDollarTagPart(text.charAt(tagEnd))) {
                tagEnd++;
            }
        }
        if (at(tagEnd) != '$') {
            position = start + 1;
            add(Kind.INVALID, start, null, start, true);
            return;
        }
        String tag = text.substring(start, tagEnd + 1);
        int close = text.indexOf(tag, tagEnd + 1);
        if (close < 0) {
            position = length;
            add(Kind.STRING, start, null, start, true);
            return;
        }
        position = close + tag.length();
        add(Kind.STRING, start, null, start, false);
    }

    /** Numeric constants as PostgreSQL 16 and later read them, with underscores and 0x, 0o, 0b prefixes. */
    private void number(int start) {
        boolean malformed = false;
        position = start;
        char prefix = Character.toLowerCase(at(start + 1));
        if (at(start) == '0'
                && (prefix == 'x' || prefix == 'o' || prefix == 'b')
                && radixDigitAfter(start + 2, prefix)) {
            position = start + 2;
            while (position < length && (radixDigit(text.charAt(position), prefix) || underscoreBefore(prefix))) {
                position++;
            }
        } else {
            decimalDigits();
            if (at(position) == '.' && at(position + 1) != '.') {
                position++;
                decimalDigits();
            }
            if (Character.toLowerCase(at(position)) == 'e') {
                int exponent = position + 1;
                if (at(exponent) == '+' || at(exponent) == '-') {
                    exponent++;
                }
                if (isDigit(at(exponent))) {
                    position = exponent;
                    decimalDigits();
                } else {
                    malformed = true;
                }
            }
        }
        // PostgreSQL 16 and later reject an identifier character right after a number ("trailing junk").
        malformed = malformed || isIdentifierPart(at(position));
        add(Kind.NUMBER, start, null, start, malformed);
    }

    private void decimalDigits() {
        while (position < length
                && (isDigit(text.charAt(position)) || (text.charAt(position) == '_' && isDigit(at(position + 1))))) {
            position++;
        }
    }

    private boolean radixDigitAfter(int index, char radix) {
        return radixDigit(at(index), radix) || (at(index) == '_' && radixDigit(at(index + 1), radix));
    }

    private boolean underscoreBefore(char radix) {
        return text.charAt(position) == '_' && radixDigit(at(position + 1), radix);
    }

    private static boolean radixDigit(char c, char radix) {
        return switch (radix) {
            case 'x' -> isHexDigit(c);
            case 'o' -> c >= '0' && c <= '7';
            default -> c == '0' || c == '1';
        };
    }

    /**
     * An operator ends where {@code --} or {@code /*} begins; a trailing + or - is dropped unless the name holds a
     * character other than + - * / < > =, so that {@code a=-1} reads as {@code a = -1}.
     */
    private void operator(int start) {
        int end = start + 1;
        while (end < length
                && OPERATOR_CHARS.indexOf(text.charAt(end)) >= 0
                && !text.startsWith("--", end)
                && !text.startsWith("/*", end)) {
            end++;
        }
        if (end - start > 1 && isPlusOrMinus(text.charAt(end - 1)) && !hasNonArithmeticChar(start, end - 1)) {
            do {
                end--;
            } while (end - start > 1 && isPlusOrMinus(text.charAt(end - 1)));
        }
        position = end;
        add(Kind.OPERATOR, start, text.substring(start, end), start, false);
    }

    private boolean hasNonArithmeticChar(int from, int to) {
        for (int index = from; index < to; index++) {
            if (NON_ARITHMETIC_OPERATOR_CHARS.indexOf(text.charAt(index)) >= 0) {
                return true;
            }
        }
        return false;
    }

    private void punctuation(int start, char c) {
        position = start + 1;
        switch (c) {
            case '(', ')', '[', ']', ',', ';' -> add(Kind.PUNCTUATION, start, String.valueOf(c), start, false);
            case ':' -> {
                if (at(position) == ':' || at(position) == '=') {
                    position++;
                }
                add(Kind.PUNCTUATION, start, text.substring(start, position), start, false);
            }
            case '.' -> {
                if (at(position) == '.') {
                    position++;
                }
                add(Kind.PUNCTUATION, start, text.substring(start, position), start, false);
            }
            default -> {
                if (Character.isHighSurrogate(c) && Character.isLowSurrogate(at(position))) {
                    position++;
                }
                add(Kind.INVALID, start, null, start, true);
            }
        }
    }

    private void add(Kind kind, int start, String value, int quoteStart, boolean malformed) {
        tokens.add(new PostgresToken(kind, start, position, value, quoteStart, malformed));
    }

    private char at(int index) {
        return index < length ? text.charAt(index) : 0;
    }

    /** Unquoted identifiers fold to lower case; like the server with a multibyte encoding, only ASCII letters fold. */
    static String foldCase(String word) {
        StringBuilder folded = null;
        for (int index = 0; index < word.length(); index++) {
            char c = word.charAt(index);
            if (c >= 'A' && c <= 'Z') {
                if (folded == null) {
                    folded = new StringBuilder(word);
                }
                folded.setCharAt(index, (char) (c + ('a' - 'A')));
            }
        }
        return folded == null ? word : folded.toString();
    }

    static String truncate(String identifier) {
        if (identifier.length() * 3 <= MAX_IDENTIFIER_BYTES
                || identifier.getBytes(StandardCharsets.UTF_8).length <= MAX_IDENTIFIER_BYTES) {
            return identifier;
        }
        int bytes = 0;
        int index = 0;
        while (index < identifier.length()) {
            int codePoint = identifier.codePointAt(index);
            int size = new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + size > MAX_IDENTIFIER_BYTES) {
                break;
            }
            bytes += size;
            index += Character.charCount(codePoint);
        }
        return identifier.substring(0, index);
    }

    static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\u000B';
    }

    static boolean isNewline(char c) {
        return c == '\n' || c == '\r';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isHexDigit(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static boolean isPlusOrMinus(char c) {
        return c == '+' || c == '-';
    }

    /** Letters, underscore and every non-ASCII character, as the server's byte-wise scanner treats bytes 0x80-0xFF. */
    static boolean isIdentifierStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
    }

    static boolean isIdentifierPart(char c) {
        return isIdentifierStart(c) || isDigit(c) || c == '$';
    }

    private static boolean isDollarTagStart(char c) {
        return isIdentifierStart(c);
    }

    private static boolean isDollarTagPart(char c) {
        return isIdentifierStart(c) || isDigit(c);
    }
}
