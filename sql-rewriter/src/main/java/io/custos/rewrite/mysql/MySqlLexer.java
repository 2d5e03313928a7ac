package io.custos.rewrite.mysql;

import static java.util.Objects.requireNonNull;

import io.custos.rewrite.MySqlMode;
import io.custos.rewrite.mysql.MySqlToken.Kind;
import io.custos.rewrite.postgres.LexedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Splits a MySQL or MariaDB client message into statements and describes each (see {@link LexedStatement}).
 *
 * <p>Statements end at a {@code ;} outside quotes and comments (the server does not look at parentheses: a {@code ;}
 * inside them ends a statement that then fails), except inside the body of a stored program or of a MariaDB compound
 * statement ({@code BEGIN … END}, {@code IF … END IF}, …), which the server parses as one statement. The content of
 * executable comments ({@code /*! … *}{@code /}, {@code /*!50001 … *}{@code /}, {@code /*M! … *}{@code /}) is code,
 * whatever version it names. The lexer never throws on bad input: what the server's lexer would reject is reported as
 * malformed, so the gate can refuse it or let the server report the error. With multiple statements enabled, the
 * server runs the statements one after the other and stops at the first that fails.
 */
public final class MySqlLexer {
    /** The verb {@code SET STATEMENT … FOR} adds to the statement it runs. */
    public static final String SET_STATEMENT = "SET STATEMENT";

    /** The verb of a {@code SET STATEMENT … FOR} that changes how the server reads the statement's text. */
    public static final String SET_STATEMENT_READING = "SET STATEMENT SQL_MODE";

    /** Select modifiers Calcite does not know: blanked in its text. */
    private static final Set<String> SELECT_MODIFIERS = Set.of(
            "high_priority",
            "straight_join",
            "sql_small_result",
            "sql_big_result",
            "sql_buffer_result",
            "sql_cache",
            "sql_no_cache",
            "sql_calc_found_rows");

    private static final Set<String> INSERT_MODIFIERS = Set.of("low_priority", "delayed", "high_priority", "ignore");

    private MySqlLexer() {}

    /**
     * @param message the client's query text
     * @param mode the session's sql_mode flags that change how text is read
     */
    /**
     * Why the server and the analysis could read {@code text} differently, if they could: the analysis must then not
     * decide on it below full clearance.
     *
     * <ul>
     *   <li>A versioned executable comment ({@code /*!50700 … *}{@code /}, {@code /*M!100100 … *}{@code /}) is code
     *       for a server at that version or later and skipped up to the first {@code *}{@code /}, quotes and all, by
     *       an older one (MariaDB skips MySQL 5.7 and later versions too): the analysis reads it as code, so what the
     *       server skips could hide the rest of the statement from the analysis, or the other way round.
     *   <li>A name written right against a string, {@code e'x'} or {@code u&'x'}: MySQL reads a column and an alias
     *       (or an {@code &}), Calcite an escaped or Unicode string literal, without the column.
     * </ul>
     */
    public static Optional<String> readDifferently(String text, MySqlMode mode) {
        if (text.indexOf('\'') < 0 && text.indexOf('"') < 0 && !text.contains("/*")) {
            return Optional.empty();
        }
        List<MySqlToken> tokens = MySqlTokenizer.tokenize(text, mode);
        for (int i = 0; i < tokens.size(); i++) {
            MySqlToken token = tokens.get(i);
            if (token.kind() == Kind.EXECUTABLE_MARKER
                    && token.end() > token.start() + 3
                    && VERSIONED_MARKER
                            .matcher(text.substring(token.start(), token.end()))
                            .lookingAt()) {
                return Optional.of(
                        "a versioned executable comment is run or skipped depending on the server's version");
            }
            if (token.kind() == Kind.WORD && i + 1 < tokens.size()) {
                MySqlToken next = tokens.get(i + 1);
                String word = text.substring(token.start(), token.end());
                boolean adjacent = next.start() == token.end();
                if (adjacent && word.equalsIgnoreCase("e") && next.kind() == Kind.STRING) {
                    return Optional.of("a name written against a string (e'…') is read as an escaped string");
                }
                if (adjacent
                        && word.equalsIgnoreCase("u")
                        && text.startsWith("&", next.start())
                        && i + 2 < tokens.size()
                        && tokens.get(i + 2).start() == next.start() + 1
                        && tokens.get(i + 2).kind() == Kind.STRING) {
                    return Optional.of("a name written against &'…' (u&'…') is read as a Unicode string");
                }
            }
        }
        return Optional.empty();
    }

    private static final Pattern VERSIONED_MARKER = Pattern.compile("/\\*M?!\\d");

    public static List<LexedStatement> split(String message, MySqlMode mode) {
        requireNonNull(message, "message is null");
        requireNonNull(mode, "mode is null");
        return split(message, mode, 0);
    }

    /** {@code nesting} counts the PREPARE statements whose text {@code message} is. */
    static List<LexedStatement> split(String message, MySqlMode mode, int nesting) {
        List<MySqlToken> tokens = MySqlTokenizer.tokenize(message, mode);
        char[] calciteText = calciteText(message, tokens);
        List<LexedStatement> statements = new ArrayList<>();
        List<MySqlToken> current = new ArrayList<>();
        Splitter splitter = new Splitter();
        for (MySqlToken token : tokens) {
            if (token.isPunctuation(";") && splitter.atTopLevel()) {
                finish(message, mode, nesting, current, false, calciteText, statements);
                current.clear();
                splitter = new Splitter();
                continue;
            }
            current.add(token);
            splitter.accept(token);
        }
        finish(message, mode, nesting, current, !splitter.atTopLevel(), calciteText, statements);
        return statements;
    }

    private static void finish(
            String message,
            MySqlMode mode,
            int nesting,
            List<MySqlToken> segment,
            boolean unclosedBlock,
            char[] calciteText,
            List<LexedStatement> statements) {
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
        boolean trailingMalformed = unclosedBlock
                || segment.subList(last + 1, segment.size()).stream().anyMatch(MySqlToken::malformed);
        statements.add(MySqlStatementAnalyzer.analyze(
                message, mode, nesting, List.copyOf(segment.subList(first, last + 1)), trailingMalformed, calciteText));
    }

    /**
     * Tracks whether a {@code ;} ends the statement: not inside the body of a stored program ({@code CREATE PROCEDURE
     * | FUNCTION | TRIGGER | EVENT}) or of a compound statement run on the spot. Inside those, BEGIN and CASE open a
     * block, and so do IF, LOOP, WHILE, REPEAT and FOR where a statement starts; END closes one, whatever follows it
     * ({@code END IF}, {@code END label}).
     */
    private static final class Splitter {
        private static final Set<String> ROUTINES = Set.of("procedure", "function", "trigger", "event");
        /** Words after which {@code event} or {@code function} is the name of a table, not a stored program. */
        private static final Set<String> NAMED_OBJECTS = Set.of("table", "view", "index", "temporary", "exists");

        private static final Set<String> STATEMENT_BLOCKS = Set.of("if", "loop", "while", "repeat", "for", "case");
        private static final Set<String> BEFORE_STATEMENT =
                Set.of("begin", "atomic", "then", "else", "do", "loop", "repeat", "row");

        private int tokens;
        private int words;
        private boolean header = true;
        private boolean compound;
        private int depth;
        private MySqlToken first;
        private MySqlToken previous;

        void accept(MySqlToken token) {
            if (!token.significant()) {
                return;
            }
            tokens++;
            if (tokens == 1) {
                first = token;
            }
            if (token.kind() == Kind.WORD) {
                acceptWord(token.value());
            } else if (token.isPunctuation("(")) {
                header = false;
            } else if (tokens == 2 && token.isPunctuation(":") && first.kind() == Kind.WORD) {
                compound = true;
            }
            previous = token;
        }

        private void acceptWord(String word) {
            words++;
            if (words == 1 && STATEMENT_BLOCKS.contains(word)) {
                compound = true;
            } else if (words == 2 && first.isWord("begin") && word.equals("not")) {
                compound = true;
                depth++;
            } else if (header
                    && words <= 8
                    && (first.isWord("create") || first.isWord("alter"))
                    && ROUTINES.contains(word)
                    && !(previous.kind() == Kind.WORD && NAMED_OBJECTS.contains(previous.value()))) {
                compound = true;
            }
            if (!compound) {
                return;
            }
            boolean afterEnd = previous != null && previous.isWord("end");
            if (word.equals("begin") || (word.equals("case") && !afterEnd)) {
                depth++;
            } else if (STATEMENT_BLOCKS.contains(word) && startsStatement()) {
                depth++;
            } else if (word.equals("end")) {
                depth = Math.max(0, depth - 1);
            }
        }

        private boolean startsStatement() {
            return previous == null
                    || previous.isPunctuation(";")
                    || previous.isPunctuation(":")
                    || (previous.kind() == Kind.WORD && BEFORE_STATEMENT.contains(previous.value()));
        }

        boolean atTopLevel() {
            return depth == 0;
        }
    }

    /**
     * The message as Calcite's babel parser with MySQL's lexical rules (back-quoted names) should read it, offsets
     * unchanged. Comments and the markers of executable comments become spaces, the content of executable comments
     * stays. Strings of every kind (with their prefixes, escapes and {@code "…"} quotes) become a plain {@code '…'} of
     * blanks at the same positions, adjacent strings one; {@code 0x…} and {@code 0b…} numbers become {@code 0};
     * {@code @var} and {@code @@var} become a {@code ?}; an ANSI_QUOTES {@code "name"} becomes {@code `name`}. What
     * Calcite lacks is removed: locking clauses, index hints and select modifiers; {@code DISTINCTROW} becomes
     * {@code DISTINCT} and a {@code STRAIGHT_JOIN} between tables {@code JOIN}; operators Calcite lacks become ones it has
     * over the same operands ({@code ->} and {@code ->>} become {@code ||}, {@code DIV} {@code /}, {@code REGEXP}
     * {@code LIKE}, …), so lineage is unchanged. INSERT loses its modifiers and {@code ON DUPLICATE KEY UPDATE} clause,
     * REPLACE becomes INSERT. Line breaks are kept everywhere, so that line and column positions
     * agree too.
     */
    static char[] calciteText(String message, List<MySqlToken> tokens) {
        char[] text = message.toCharArray();
        MySqlToken previousSignificant = null;
        for (MySqlToken token : tokens) {
            switch (token.kind()) {
                case COMMENT, EXECUTABLE_MARKER, INTRODUCER -> blank(text, token.start(), token.end());
                case STRING -> string(text, token, previousSignificant);
                case NUMBER -> {
                    if (message.startsWith("0x", token.start()) || message.startsWith("0b", token.start())) {
                        blank(text, token.start(), token.end());
                        text[token.start()] = '0';
                    }
                }
                case VARIABLE -> {
                    blank(text, token.start(), token.end());
                    text[token.start()] = '?';
                }
                case QUOTED_IDENTIFIER -> backQuotedName(text, token, message);
                default -> {}
            }
            if (token.significant() && token.kind() != Kind.INTRODUCER) {
                previousSignificant = token;
            }
        }
        removeUnsupportedClauses(
                text, tokens.stream().filter(MySqlToken::significant).toList());
        separateMinusSigns(text, tokens);
        return text;
    }

    /**
     * MySQL reads {@code --} followed by anything but a space or control character as two minus signs
     * ({@code SELECT 1 --1, mobile} is {@code 1 - (-1)} and a column); Calcite reads every {@code --} as the start of
     * a comment, and would see {@code SELECT 1}. So the second of two adjacent minus signs becomes a plus: the same
     * operands, the same lineage, and nothing Calcite can take for a comment. The text sent to the server is never
     * this one.
     */
    private static void separateMinusSigns(char[] text, List<MySqlToken> tokens) {
        for (MySqlToken token : tokens) {
            if (token.kind() == Kind.OPERATOR
                    && token.end() - token.start() == 1
                    && text[token.start()] == '-'
                    && token.start() > 0
                    && text[token.start() - 1] == '-') {
                text[token.start()] = '+';
            }
        }
    }

    /** A string right after another (only blanks between them) continues it: the server joins them. */
    private static void string(char[] text, MySqlToken token, MySqlToken previous) {
        if (previous != null && previous.kind() == Kind.STRING && !previous.malformed()) {
            blank(text, previous.end() - 1, token.end());
        } else {
            blank(text, token.start(), token.end());
            text[token.quoteStart()] = '\'';
        }
        if (!token.malformed()) {
            text[token.end() - 1] = '\'';
        }
    }

    private static void backQuotedName(char[] text, MySqlToken token, String message) {
        if (message.charAt(token.start()) != '"' || token.malformed()) {
            return;
        }
        String quoted = '`' + token.value().replace("`", "``") + '`';
        if (quoted.length() > token.end() - token.start()) {
            return;
        }
        blank(text, token.start(), token.end());
        quoted.getChars(0, quoted.length(), text, token.start());
    }

    private static void removeUnsupportedClauses(char[] text, List<MySqlToken> significant) {
        int size = significant.size();
        int index = 0;
        while (index < size) {
            MySqlToken token = significant.get(index);
            if (token.kind() == Kind.OPERATOR) {
                operator(text, token);
            } else if (token.kind() == Kind.VARIABLE && isOperator(significant, index + 1, ":=")) {
                // @a := expression assigns as it selects: Calcite reads the expression.
                blankTokens(text, significant, index, index + 2);
            }
            if (token.kind() != Kind.WORD) {
                index++;
                continue;
            }
            index = switch (token.value()) {
                case "select" -> selectModifiers(text, significant, index + 1);
                case "for" -> lockingClause(text, significant, index);
                case "lock" -> lockInShareMode(text, significant, index);
                case "use", "force", "ignore" -> indexHint(text, significant, index);
                case "straight_join" -> replaceWord(text, token, "join", index);
                case "regexp", "rlike" -> replaceWord(text, token, "like", index);
                case "div" -> replaceWord(text, token, "/", index);
                case "mod" -> isPunctuation(significant, index + 1, "(")
                        ? index + 1
                        : replaceWord(text, token, "%", index);
                case "xor" -> replaceWord(text, token, "or", index);
                case "collate" -> blankWithNext(text, significant, index);
                case "with" -> isWord(significant, index + 1, "rollup")
                        ? blankWithNext(text, significant, index)
                        : index + 1;
                case "partition" -> partitionSelection(text, significant, index);
                case "into" -> intoVariables(text, significant, index);
                case "insert", "replace" -> insertModifiers(text, significant, index);
                case "duplicate" -> onDuplicateKeyUpdate(text, significant, index);
                default -> index + 1;
            };
        }
    }

    private static int selectModifiers(char[] text, List<MySqlToken> significant, int from) {
        int index = from;
        while (index < significant.size() && significant.get(index).kind() == Kind.WORD) {
            MySqlToken token = significant.get(index);
            if (SELECT_MODIFIERS.contains(token.value())) {
                blank(text, token.start(), token.end());
            } else if (token.value().equals("distinctrow")) {
                replaceWord(text, token, "distinct", index);
            } else if (!token.value().equals("all") && !token.value().equals("distinct")) {
                break;
            }
            index++;
        }
        return index;
    }

    /**
     * {@code FOR UPDATE | SHARE [OF t, …] [NOWAIT | SKIP LOCKED | WAIT n]}; nothing if {@code FOR} is not followed by
     * UPDATE or SHARE.
     */
    private static int lockingClause(char[] text, List<MySqlToken> significant, int index) {
        if (!isWord(significant, index + 1, "update") && !isWord(significant, index + 1, "share")) {
            return index + 1;
        }
        int end = index + 2;
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
        } else if (isWord(significant, end, "wait")
                && end + 1 < significant.size()
                && significant.get(end + 1).kind() == Kind.NUMBER) {
            end += 2;
        }
        blankTokens(text, significant, index, end);
        return end;
    }

    private static int lockInShareMode(char[] text, List<MySqlToken> significant, int index) {
        if (isWord(significant, index + 1, "in")
                && isWord(significant, index + 2, "share")
                && isWord(significant, index + 3, "mode")) {
            blankTokens(text, significant, index, index + 4);
            return index + 4;
        }
        return index + 1;
    }

    /** {@code USE | FORCE | IGNORE INDEX | KEY [FOR JOIN | ORDER BY | GROUP BY] (names)}. */
    private static int indexHint(char[] text, List<MySqlToken> significant, int index) {
        if (!isWord(significant, index + 1, "index") && !isWord(significant, index + 1, "key")) {
            return index + 1;
        }
        int end = index + 2;
        if (isWord(significant, end, "for")) {
            end += isWord(significant, end + 1, "join") ? 2 : 3;
        }
        if (end < significant.size() && significant.get(end).isPunctuation("(")) {
            while (end < significant.size() && !significant.get(end).isPunctuation(")")) {
                end++;
            }
            end = Math.min(end + 1, significant.size());
        }
        blankTokens(text, significant, index, end);
        return end;
    }

    /**
     * Operators Calcite lacks, as operators it has over the same operands: {@code ->} and {@code ->>} as {@code ||},
     * {@code &&} and {@code ||} (OR unless PIPES_AS_CONCAT) as {@code or}; {@code !} is dropped. The truth function
     * may differ: Calcite's reading serves lineage, never execution.
     */
    private static void operator(char[] text, MySqlToken token) {
        String replacement =
                switch (token.value()) {
                    case "->", "->>" -> "||";
                    case "&&", "||" -> "or";
                    case "!" -> "";
                    default -> null;
                };
        if (replacement != null) {
            replaceWord(text, token, replacement, 0);
        }
    }

    /**
     * At the start of a statement, {@code INSERT [LOW_PRIORITY | DELAYED | HIGH_PRIORITY] [IGNORE]} loses its
     * modifiers, and {@code REPLACE} reads as {@code INSERT}: the rows and columns written are the same.
     */
    private static int insertModifiers(char[] text, List<MySqlToken> significant, int index) {
        boolean statementStart = index == 0 || significant.get(index - 1).isPunctuation(";");
        if (!statementStart) {
            return index + 1;
        }
        MySqlToken verb = significant.get(index);
        if (verb.value().equals("replace")) {
            replaceWord(text, verb, "insert", index);
        }
        int end = index + 1;
        while (end < significant.size()
                && significant.get(end).kind() == Kind.WORD
                && INSERT_MODIFIERS.contains(significant.get(end).value())) {
            end++;
        }
        blankTokens(text, significant, index + 1, end);
        return end;
    }

    /** {@code ON DUPLICATE KEY UPDATE …} to the end of the statement: Calcite has no such clause. */
    private static int onDuplicateKeyUpdate(char[] text, List<MySqlToken> significant, int index) {
        boolean clause = index > 0
                && significant.get(index - 1).isWord("on")
                && isWord(significant, index + 1, "key")
                && isWord(significant, index + 2, "update");
        if (!clause) {
            return index + 1;
        }
        int end = index;
        while (end < significant.size() && !significant.get(end).isPunctuation(";")) {
            end++;
        }
        blankTokens(text, significant, index - 1, end);
        return end;
    }

    private static int blankWithNext(char[] text, List<MySqlToken> significant, int index) {
        int end = Math.min(index + 2, significant.size());
        blankTokens(text, significant, index, end);
        return end;
    }

    /** {@code table PARTITION (p0, p1)}, but not {@code OVER (PARTITION BY …)}. */
    private static int partitionSelection(char[] text, List<MySqlToken> significant, int index) {
        boolean afterTable = index > 0 && significant.get(index - 1).isIdentifier();
        if (!afterTable
                || index + 1 >= significant.size()
                || !significant.get(index + 1).isPunctuation("(")) {
            return index + 1;
        }
        int end = index + 1;
        while (end < significant.size() && !significant.get(end).isPunctuation(")")) {
            end++;
        }
        end = Math.min(end + 1, significant.size());
        blankTokens(text, significant, index, end);
        return end;
    }

    /**
     * {@code INTO @a, @b} of a query: the query Calcite reads is the one whose result goes into the variables, so a
     * masked rewrite stores masked values. {@code INTO OUTFILE} stays, for Calcite to reject.
     */
    private static int intoVariables(char[] text, List<MySqlToken> significant, int index) {
        int end = index + 1;
        while (end < significant.size()
                && significant.get(end).kind() == Kind.VARIABLE
                && !significant.get(end).value().startsWith("@@")) {
            end++;
            if (end + 1 < significant.size()
                    && significant.get(end).isPunctuation(",")
                    && significant.get(end + 1).kind() == Kind.VARIABLE) {
                end++;
            }
        }
        if (end == index + 1) {
            return index + 1;
        }
        blankTokens(text, significant, index, end);
        return end;
    }

    private static int replaceWord(char[] text, MySqlToken token, String replacement, int index) {
        blank(text, token.start(), token.end());
        replacement.getChars(0, replacement.length(), text, token.start());
        return index + 1;
    }

    private static boolean isPunctuation(List<MySqlToken> significant, int index, String punctuation) {
        return index < significant.size() && significant.get(index).isPunctuation(punctuation);
    }

    private static boolean isOperator(List<MySqlToken> significant, int index, String operator) {
        return index < significant.size() && significant.get(index).isOperator(operator);
    }

    private static boolean isWord(List<MySqlToken> significant, int index, String word) {
        return index < significant.size() && significant.get(index).isWord(word);
    }

    /** Blanks the significant tokens {@code [from, to)} and everything between them. */
    private static void blankTokens(char[] text, List<MySqlToken> significant, int from, int to) {
        if (to > from) {
            blank(text, significant.get(from).start(), significant.get(to - 1).end());
        }
    }

    private static void blank(char[] text, int start, int end) {
        for (int index = start; index < end; index++) {
            if (text[index] != '\n' && text[index] != '\r') {
                text[index] = ' ';
            }
        }
    }
}
