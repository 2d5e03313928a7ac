package io.custos.rewrite.postgres;

/**
 * One lexical token of a message. {@code start} and {@code end} are offsets into the message; {@code value} is the
 * identifier as PostgreSQL resolves it (unquoted words folded to lower case, quoted identifiers unescaped) for
 * {@link Kind#WORD} and {@link Kind#QUOTED_IDENTIFIER}, the operator or punctuation text for those kinds, and
 * {@code null} otherwise. {@code quoteStart} is the offset of a string constant's opening quote (after any prefix
 * such as {@code E} or {@code U&}). {@code malformed} marks a token the server's lexer would reject: an unterminated
 * quote or comment, a bad escape, trailing junk after a number, a character outside the language.
 */
record PostgresToken(Kind kind, int start, int end, String value, int quoteStart, boolean malformed) {
    enum Kind {
        WHITESPACE,
        COMMENT,
        /** An unquoted identifier or key word. */
        WORD,
        QUOTED_IDENTIFIER,
        STRING,
        NUMBER,
        PARAMETER,
        OPERATOR,
        /** {@code ( ) [ ] , . : ::} and {@code ;}. */
        PUNCTUATION,
        /** A character the server's lexer does not accept, or an unterminated construct's remainder. */
        INVALID
    }

    boolean significant() {
        return kind != Kind.WHITESPACE && kind != Kind.COMMENT;
    }

    boolean isWord(String word) {
        return kind == Kind.WORD && value.equals(word);
    }

    boolean isPunctuation(String text) {
        return kind == Kind.PUNCTUATION && value.equals(text);
    }

    boolean isLiteral() {
        return kind == Kind.STRING || kind == Kind.NUMBER;
    }

    boolean isIdentifier() {
        return kind == Kind.WORD || kind == Kind.QUOTED_IDENTIFIER;
    }
}
