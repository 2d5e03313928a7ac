package io.custos.rewrite.mysql;

/**
 * One lexical token of a message. {@code start} and {@code end} are offsets into the message. {@code value} is the
 * lower-cased text of a {@link Kind#WORD}, the unescaped name of a {@link Kind#QUOTED_IDENTIFIER}, the text of an
 * operator, punctuation or variable, and {@code null} otherwise. {@code quoteStart} is the offset of a string's opening
 * quote, after any prefix such as {@code N}, {@code X} or {@code _utf8mb4}. {@code malformed} marks a token the server
 * would reject: an unterminated quote or comment, a bad hexadecimal or bit string, a character outside the language.
 */
record MySqlToken(Kind kind, int start, int end, String value, int quoteStart, boolean malformed) {
    enum Kind {
        WHITESPACE,
        /** {@code -- }, {@code #} and {@code /* *}{@code /} comments, optimizer hints included. */
        COMMENT,
        /**
         * The opening {@code /*!50001} or {@code /*M!} of an executable comment, or its closing {@code *}{@code /}: the
         * text between them is code.
         */
        EXECUTABLE_MARKER,
        /** An unquoted identifier or key word, which may begin with a digit. */
        WORD,
        /** A character set introducer such as {@code _utf8mb4} before a string or hexadecimal literal. */
        INTRODUCER,
        QUOTED_IDENTIFIER,
        /** {@code '…'}, {@code "…"} without ANSI_QUOTES, {@code N'…'}, {@code X'…'}, {@code B'…'}, {@code _cs'…'}. */
        STRING,
        /** Decimal, approximate, {@code 0x…} and {@code 0b…} numbers. */
        NUMBER,
        /** {@code @name}, {@code @'name'}, {@code @@name}, {@code @@global.name}. */
        VARIABLE,
        PLACEHOLDER,
        OPERATOR,
        /** {@code ( ) , . ; : { }} and the {@code @} of an account name. */
        PUNCTUATION,
        /** A character the server's lexer does not accept. */
        INVALID
    }

    boolean significant() {
        return kind != Kind.WHITESPACE && kind != Kind.COMMENT && kind != Kind.EXECUTABLE_MARKER;
    }

    boolean isWord(String word) {
        return kind == Kind.WORD && value.equals(word);
    }

    boolean isPunctuation(String text) {
        return kind == Kind.PUNCTUATION && value.equals(text);
    }

    boolean isOperator(String text) {
        return kind == Kind.OPERATOR && value.equals(text);
    }

    boolean isLiteral() {
        return kind == Kind.STRING || kind == Kind.NUMBER;
    }

    boolean isIdentifier() {
        return kind == Kind.WORD || kind == Kind.QUOTED_IDENTIFIER;
    }
}
