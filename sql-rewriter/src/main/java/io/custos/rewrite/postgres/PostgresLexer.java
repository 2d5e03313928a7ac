package io.custos.rewrite.postgres;

import io.custos.rewrite.postgres.PostgresToken.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Splits a PostgreSQL client message into statements and describes each (see {@link LexedStatement}).
 *
 * <p>Statements end at a {@code ;} outside quotes, comments, dollar quotes and parentheses, and outside the body of
 * {@code CREATE FUNCTION … BEGIN ATOMIC … END}, which the server parses as one statement. The lexer never throws on
 * bad input: what the server's lexer would reject is reported as malformed, so the gate can refuse it or let the
 * server report the error. The server parses a whole simple-query message before running any of it, so a message
 * with a syntax error anywhere runs nothing.
 */
public final class PostgresLexer {
    private PostgresLexer() {}

    /**
     * @param message the client's query text
     * @param standardConformingStrings the session's {@code standard_conforming_strings}: when off, a backslash
     *     escapes the next character in plain {@code '...'} strings too
     */
    public static List<LexedStatement> split(String message, boolean standardConformingStrings) {
        List<PostgresToken> tokens = PostgresTokenizer.tokenize(message, standardConformingStrings);
        char[] calciteText = calciteText(message, tokens);
        List<LexedStatement> statements = new ArrayList<>();
        List<PostgresToken> current = new ArrayList<>();
        Splitter splitter = new Splitter();
        for (PostgresToken token : tokens) {
            if (token.isPunctuation(";") && splitter.atTopLevel()) {
                finish(message, current, calciteText, statements);
                current.clear();
                splitter = new Splitter();
                continue;
            }
            current.add(token);
            splitter.accept(token);
        }
        finish(message, current, calciteText, statements);
        return statements;
    }

    private static void finish(
            String message, List<PostgresToken> segment, char[] calciteText, List<LexedStatement> statements) {
        int first = -1;
        int last = -1;
        for (int index = 0; index < segment.size(); index++) {
            if (segment.get(index).significant()) {
                first = first < 0 ? index : first;
                last = index;
            }
        }
        if (first < 0) {
            return;
        }
        // An unterminated comment after the last token still makes the statement one the server rejects.
        boolean trailingMalformed =
                segment.subList(last + 1, segment.size()).stream().anyMatch(PostgresToken::malformed);
        statements.add(StatementAnalyzer.analyze(
                message, List.copyOf(segment.subList(first, last + 1)), trailingMalformed, calciteText));
    }

    /**
     * Tracks what decides whether a {@code ;} ends the statement: parenthesis depth, and the body of a routine written
     * {@code BEGIN ATOMIC … END}, in which CASE … END pairs nest.
     */
    private static final class Splitter {
        private int parentheses;
        private int atomicDepth;
        private int words;
        private boolean routine;
        private String previousWord;

        void accept(PostgresToken token) {
            if (!token.significant()) {
                return;
            }
            if (token.isPunctuation("(") || token.isPunctuation("[")) {
                parentheses++;
            } else if (token.isPunctuation(")") || token.isPunctuation("]")) {
                parentheses = Math.max(0, parentheses - 1);
            }
            String word = token.kind() == Kind.WORD ? token.value() : null;
            if (word != null) {
                trackRoutineBody(word);
            }
            previousWord = word;
        }

        private void trackRoutineBody(String word) {
            words++;
            if (words == 1 && !word.equals("create")) {
                words = Integer.MIN_VALUE;
            }
            if ((words == 2 || words == 4) && (word.equals("function") || word.equals("procedure"))) {
                routine = words == 2 || "replace".equals(previousWord);
            }
            if (routine && atomicDepth == 0 && word.equals("atomic") && "begin".equals(previousWord)) {
                atomicDepth = 1;
            } else if (atomicDepth > 0 && word.equals("case")) {
                atomicDepth++;
            } else if (atomicDepth > 0 && word.equals("end")) {
                atomicDepth--;
            }
        }

        boolean atTopLevel() {
            return parentheses == 0 && atomicDepth == 0;
        }
    }

    /**
     * The message as Calcite should read it, offsets unchanged: comments become spaces; string constants of every
     * kind become a plain {@code '…'} of blanks at the same opening and closing positions; {@code $n} becomes
     * {@code ?}; a {@code U&"…"} name becomes the plain quoted name it denotes, padded with spaces; locking clauses
     * ({@code FOR UPDATE}, {@code FOR NO KEY UPDATE}, {@code FOR SHARE}, {@code FOR KEY SHARE}, with {@code OF …},
     * {@code NOWAIT} or {@code SKIP LOCKED}), which Calcite does not parse and which change no output, become spaces.
     * {@code DISTINCT ON (list)} after SELECT, which Calcite does not parse either, keeps one row of each group and
     * changes no output's value: it becomes a comment holding the list as prepared for Calcite, {@code /*list*}{@code
     * /}, padded with spaces, which the masker reads back to check the list as it checks ORDER BY (Calcite ignores
     * it; the comments of the client's text are spaces by then, so it is the only one). Line breaks are kept
     * everywhere, so that line and column positions agree too; a DISTINCT ON across lines stays as it is, and Calcite
     * fails on it.
     */
    static char[] calciteText(String message, List<PostgresToken> tokens) {
        char[] text = message.toCharArray();
        List<PostgresToken> significant =
                tokens.stream().filter(PostgresToken::significant).toList();
        blankLockingClauses(text, significant);
        List<int[]> distinctOn = distinctOn(message, significant);
        for (PostgresToken token : tokens) {
            switch (token.kind()) {
                case COMMENT -> blank(text, token.start(), token.end());
                case STRING -> {
                    blank(text, token.start(), token.end());
                    if (!token.malformed()) {
                        text[token.quoteStart()] = '\'';
                        text[token.end() - 1] = '\'';
                    }
                }
                case PARAMETER -> {
                    blank(text, token.start(), token.end());
                    text[token.start()] = '?';
                }
                case QUOTED_IDENTIFIER -> plainQuotedName(text, token);
                default -> {}
            }
        }
        intervalConstants(text, message, significant);
        for (int[] region : distinctOn) {
            String list = new String(text, region[1], region[2] - region[1]);
            if (list.contains("*/") || list.contains("/*")) {
                continue;
            }
            blank(text, region[0], region[3]);
            String comment = "/*" + list;
            comment.getChars(0, comment.length(), text, region[0]);
            text[region[3] - 2] = '*';
            text[region[3] - 1] = '/';
        }
        return text;
    }

    /**
     * PostgreSQL's interval constant written as one string, {@code interval '7 days'}, which Calcite parses only with a
     * unit after the string: it becomes {@code INTERVAL '1' DAY}, moved to the end of the constant's place and padded
     * with spaces after {@code INTERVAL}, so that an expression ending with it ends at the same offset. The constant
     * names no column, so any interval serves the analysis; the database gets the client's text. Left as it is (and
     * not parsed): a constant across lines, or one too short to hold the replacement ({@code interval '1h'}). A unit
     * after the string is the standard form, which Calcite reads as it is.
     */
    private static void intervalConstants(char[] text, String message, List<PostgresToken> significant) {
        String replacement = "'1' DAY";
        for (int index = 0; index + 1 < significant.size(); index++) {
            PostgresToken string = significant.get(index + 1);
            if (!significant.get(index).isWord("interval")
                    || string.kind() != Kind.STRING
                    || string.malformed()
                    || (index + 2 < significant.size() && isIntervalUnit(significant.get(index + 2)))) {
                continue;
            }
            int start = significant.get(index).start();
            int end = string.end();
            String region = message.substring(start, end);
            if (end - start < "INTERVAL ".length() + replacement.length()
                    || region.indexOf('\n') >= 0
                    || region.indexOf('\r') >= 0) {
                continue;
            }
            blank(text, start, end);
            "INTERVAL".getChars(0, "INTERVAL".length(), text, start);
            replacement.getChars(0, replacement.length(), text, end - replacement.length());
        }
    }

    private static final Set<String> INTERVAL_UNITS = Set.of("year", "month", "day", "hour", "minute", "second");

    private static boolean isIntervalUnit(PostgresToken token) {
        return token.kind() == Kind.WORD && INTERVAL_UNITS.contains(token.value());
    }

    /**
     * Each {@code SELECT DISTINCT ON (list)} on one line: the offsets of DISTINCT, of the list's start and end, and
     * just past its closing parenthesis.
     */
    private static List<int[]> distinctOn(String message, List<PostgresToken> significant) {
        List<int[]> regions = new ArrayList<>();
        for (int index = 1; index + 2 < significant.size(); index++) {
            if (!significant.get(index).isWord("distinct")
                    || !significant.get(index - 1).isWord("select")
                    || !significant.get(index + 1).isWord("on")
                    || !significant.get(index + 2).isPunctuation("(")) {
                continue;
            }
            int depth = 0;
            for (int close = index + 2; close < significant.size(); close++) {
                PostgresToken token = significant.get(close);
                if (token.isPunctuation("(")) {
                    depth++;
                } else if (token.isPunctuation(")") && --depth == 0) {
                    int start = significant.get(index).start();
                    String region = message.substring(start, token.end());
                    if (region.indexOf('\n') < 0 && region.indexOf('\r') < 0) {
                        regions.add(new int[] {start, significant.get(index + 2).end(), token.start(), token.end()});
                    }
                    index = close;
                    break;
                }
            }
        }
        return regions;
    }

    private static void blankLockingClauses(char[] text, List<PostgresToken> significant) {
        for (int index = 0; index < significant.size(); index++) {
            if (!significant.get(index).isWord("for")) {
                continue;
            }
            int end = lockStrength(significant, index + 1);
            if (end < 0) {
                continue;
            }
            if (isWord(significant, end, "of")) {
                end++;
                while (end < significant.size()
                        && (significant.get(end).isIdentifier()
                                || significant.get(end).isPunctuation(".")
                                || significant.get(end).isPunctuation(","))) {
                    end++;
                }
            }
            if (isWord(significant, end, "nowait")) {
                end++;
            } else if (isWord(significant, end, "skip") && isWord(significant, end + 1, "locked")) {
                end += 2;
            }
            blank(text, significant.get(index).start(), significant.get(end - 1).end());
            index = end - 1;
        }
    }

    /** The index after {@code UPDATE}, {@code NO KEY UPDATE}, {@code SHARE} or {@code KEY SHARE}; -1 if none. */
    private static int lockStrength(List<PostgresToken> significant, int index) {
        if (isWord(significant, index, "update") || isWord(significant, index, "share")) {
            return index + 1;
        }
        if (isWord(significant, index, "key") && isWord(significant, index + 1, "share")) {
            return index + 2;
        }
        if (isWord(significant, index, "no")
                && isWord(significant, index + 1, "key")
                && isWord(significant, index + 2, "update")) {
            return index + 3;
        }
        return -1;
    }

    private static boolean isWord(List<PostgresToken> tokens, int index, String word) {
        return index < tokens.size() && tokens.get(index).isWord(word);
    }

    private static void plainQuotedName(char[] text, PostgresToken token) {
        if (token.quoteStart() == token.start() || token.malformed()) {
            return;
        }
        String quoted = '"' + token.value().replace("\"", "\"\"") + '"';
        if (quoted.length() > token.end() - token.start()) {
            return;
        }
        blank(text, token.start(), token.end());
        quoted.getChars(0, quoted.length(), text, token.start());
    }

    private static void blank(char[] text, int start, int end) {
        for (int index = start; index < end; index++) {
            if (text[index] != '\n' && text[index] != '\r') {
                text[index] = ' ';
            }
        }
    }
}
