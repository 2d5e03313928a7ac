package io.custos.rewrite;

/**
 * How big a statement is, as the analysis bounds measure it, read from the text the lexer prepared for Calcite
 * (comments and the contents of string constants are blanks there): its length in characters, its terms (a name,
 * keyword, number, string constant, quoted name, or any other character that is not white space), the deepest
 * nesting of parentheses, and its set operations (UNION, INTERSECT, EXCEPT, MINUS). One pass, no recursion, so that
 * hostile input costs time in proportion to its length and no stack.
 */
record StatementSize(int length, int terms, int depth, int setOperations) {
    static StatementSize of(String calciteText) {
        int terms = 0;
        int depth = 0;
        int deepest = 0;
        int setOperations = 0;
        int length = calciteText.length();
        int index = 0;
        while (index < length) {
            char c = calciteText.charAt(index);
            if (Character.isWhitespace(c)) {
                index++;
                continue;
            }
            terms++;
            if (c == '\'' || c == '"' || c == '`') {
                index = closingQuote(calciteText, index, c);
            } else if (isWordPart(c)) {
                int end = index;
                while (end < length && isWordPart(calciteText.charAt(end))) {
                    end++;
                }
                if (isSetOperation(calciteText, index, end)) {
                    setOperations++;
                }
                index = end;
            } else {
                if (c == '(') {
                    depth++;
                    deepest = Math.max(deepest, depth);
                } else if (c == ')') {
                    depth = Math.max(0, depth - 1);
                }
                index++;
            }
        }
        return new StatementSize(length, terms, deepest, setOperations);
    }

    /** The index after the quote closing the one at {@code start}; a doubled quote is part of the name. */
    private static int closingQuote(String text, int start, char quote) {
        int index = start + 1;
        while (index < text.length()) {
            if (text.charAt(index) == quote) {
                if (index + 1 < text.length() && text.charAt(index + 1) == quote) {
                    index += 2;
                    continue;
                }
                return index + 1;
            }
            index++;
        }
        return index;
    }

    private static boolean isWordPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }

    private static boolean isSetOperation(String text, int start, int end) {
        int length = end - start;
        return (length == 5
                        && (text.regionMatches(true, start, "UNION", 0, 5)
                                || text.regionMatches(true, start, "MINUS", 0, 5)))
                || (length == 6 && text.regionMatches(true, start, "EXCEPT", 0, 6))
                || (length == 9 && text.regionMatches(true, start, "INTERSECT", 0, 9));
    }
}
