package io.custos.rewrite.postgres;

import io.custos.policy.StatementClass;
import io.custos.rewrite.Digests;
import io.custos.rewrite.PreparedStatementUse;
import io.custos.rewrite.postgres.LexedStatement.Verb;
import io.custos.rewrite.postgres.PostgresToken.Kind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Describes one statement from its tokens: class and verbs, import/export calls, normalized text, identifier chains.
 * Classification reads only the leading key words and a few clause key words, never the whole grammar; where the
 * statement's shape is not what the server would accept, the statement is marked malformed rather than guessed at.
 */
final class StatementAnalyzer {
    private static final Set<String> DDL_WORDS = Set.of(
            "create",
            "alter",
            "drop",
            "grant",
            "revoke",
            "comment",
            "reindex",
            "cluster",
            "refresh",
            "import",
            "reassign");
    private static final Set<String> TRANSACTION_WORDS =
            Set.of("begin", "start", "commit", "end", "rollback", "abort", "savepoint", "release");
    private static final Set<String> SESSION_WORDS = Set.of(
            "set", "reset", "show", "discard", "deallocate", "listen", "unlisten", "notify", "fetch", "move", "close");
    private static final Set<String> CREATE_MODIFIERS =
            Set.of("or", "replace", "temp", "temporary", "unlogged", "global", "local");
    private static final Set<String> TRANSACTION_SECOND_WORDS = Set.of("transaction", "work", "prepared");

    /** Statements nest through WITH, EXPLAIN, PREPARE and DECLARE; deeper than this is refused as malformed. */
    private static final int MAX_NESTING = 64;

    private final String message;
    private final List<PostgresToken> tokens;
    private final List<PostgresToken> significant;
    /** Parenthesis depth before each significant token. */
    private final int[] depth;
    /** For each significant {@code (}, the index of its {@code )}, or -1. */
    private final int[] closing;

    private boolean malformed;
    private int nesting;

    private StatementAnalyzer(String message, List<PostgresToken> tokens, boolean trailingMalformed) {
        this.message = message;
        this.tokens = tokens;
        this.significant = tokens.stream().filter(PostgresToken::significant).toList();
        this.depth = new int[significant.size() + 1];
        this.closing = new int[significant.size()];
        Arrays.fill(closing, -1);
        Deque<Integer> open = new ArrayDeque<>();
        for (int index = 0; index < significant.size(); index++) {
            depth[index] = open.size();
            PostgresToken token = significant.get(index);
            if (token.isPunctuation("(") || token.isPunctuation("[")) {
                open.push(index);
            } else if (token.isPunctuation(")") || token.isPunctuation("]")) {
                if (open.isEmpty()) {
                    malformed = true;
                    continue;
                }
                int opener = open.pop();
                malformed = malformed
                        || significant.get(opener).value().equals("(")
                                != token.value().equals(")");
                closing[opener] = index;
            }
        }
        depth[significant.size()] = open.size();
        malformed = malformed
                || !open.isEmpty()
                || trailingMalformed
                || tokens.stream().anyMatch(PostgresToken::malformed);
    }

    /**
     * {@code tokens} are the statement's tokens, the first and last significant; {@code trailingMalformed} says an
     * unterminated comment follows them.
     */
    static LexedStatement analyze(
            String message, List<PostgresToken> tokens, boolean trailingMalformed, char[] calciteText) {
        return new StatementAnalyzer(message, tokens, trailingMalformed).describe(calciteText);
    }

    private LexedStatement describe(char[] calciteText) {
        int start = tokens.get(0).start();
        int end = tokens.get(tokens.size() - 1).end();
        Shape shape = classify(0, significant.size());
        Optional<String> importExport = importExport(shape);
        Optional<String> sqlTextFunction = findCall(PostgresKeywords.SQL_TEXT_FUNCTIONS);
        List<Verb> verbs = new ArrayList<>(shape.verbs());
        importExport.ifPresent(name -> addVerb(verbs, new Verb(StatementClass.IMPORT_EXPORT, name)));
        boolean statementMalformed = malformed || shape.malformed();
        StatementClass statementClass = statementMalformed
                ? StatementClass.OTHER
                : importExport.isPresent() ? StatementClass.IMPORT_EXPORT : primaryClass(verbs);
        String normalized = normalize();
        List<Chain> chains = identifierChains();
        Optional<Chain> target = writeTarget(shape, chains);
        int queryOffset = shape.queryIndex() < significant.size()
                ? significant.get(shape.queryIndex()).start() - start
                : 0;
        return new LexedStatement(
                start,
                end,
                message.substring(start, end),
                statementClass,
                verbs,
                importExport,
                sqlTextFunction,
                normalized,
                Digests.sha256Hex(normalized),
                new String(calciteText, start, end - start),
                queryOffset,
                chains.stream().map(Chain::parts).toList(),
                target.map(Chain::parts),
                sourceChains(shape, chains, target),
                embedsQuery(),
                significant.stream().anyMatch(token -> token.isWord("returning")),
                statementMalformed,
                statementMalformed ? Optional.empty() : preparedStatementUse(message.substring(start, end)));
    }

    /**
     * {@code PREPARE name [(types)] AS …}, {@code EXECUTE name [(arguments)]}, {@code DEALLOCATE [PREPARE] name | ALL}
     * and {@code DISCARD ALL}, which deallocates every prepared statement.
     */
    private Optional<PreparedStatementUse> preparedStatementUse(String text) {
        int to = significant.size();
        String word = word(0, to);
        if (word == null) {
            return Optional.empty();
        }
        return switch (word) {
            case "prepare" -> isWord(1, to, "transaction")
                    ? Optional.empty()
                    : name(1).map(name ->
                            new PreparedStatementUse(PreparedStatementUse.Kind.PREPARE, name, text, -1, -1, ""));
            case "execute" -> name(1).map(name -> PreparedStatementUse.of(PreparedStatementUse.Kind.EXECUTE, name));
            case "deallocate" -> {
                int position = isWord(1, to, "prepare") ? 2 : 1;
                yield isWord(position, to, "all") && position + 1 == to
                        ? Optional.of(PreparedStatementUse.of(PreparedStatementUse.Kind.DEALLOCATE_ALL, ""))
                        : name(position)
                                .map(name -> PreparedStatementUse.of(PreparedStatementUse.Kind.DEALLOCATE, name));
            }
            case "discard" -> isWord(1, to, "all")
                    ? Optional.of(PreparedStatementUse.of(PreparedStatementUse.Kind.DEALLOCATE_ALL, ""))
                    : Optional.empty();
            default -> Optional.empty();
        };
    }

    /** The identifier at {@code index}, as PostgreSQL folds it. */
    private Optional<String> name(int index) {
        if (index >= significant.size() || !significant.get(index).isIdentifier()) {
            return Optional.empty();
        }
        return Optional.of(significant.get(index).value());
    }

    /**
     * The main statement's class, unless it is a query that also does more: SELECT … INTO creates a table, and a
     * WITH query may insert, update or delete.
     */
    private static StatementClass primaryClass(List<Verb> verbs) {
        StatementClass main = verbs.get(0).statementClass();
        if (main != StatementClass.READ) {
            return main;
        }
        return verbs.stream()
                .map(Verb::statementClass)
                .filter(statementClass -> statementClass != StatementClass.READ)
                .findFirst()
                .orElse(main);
    }

    /**
     * What classification found: the verbs, where the query to analyse begins, where the main statement's key word
     * is (after any WITH list or PREPARE, DECLARE, EXPLAIN wrapper), all as indexes of significant tokens.
     */
    private record Shape(List<Verb> verbs, int queryIndex, int mainIndex, boolean malformed) {
        static Shape of(StatementClass statementClass, String keywords, int index) {
            return new Shape(List.of(new Verb(statementClass, keywords)), index, index, false);
        }

        static Shape broken(String keywords, int index) {
            return new Shape(List.of(new Verb(StatementClass.OTHER, keywords)), index, index, true);
        }
    }

    /** Classifies the significant tokens {@code [from, to)} as one statement. */
    private Shape classify(int from, int to) {
        if (nesting >= MAX_NESTING) {
            return Shape.broken("", from);
        }
        nesting++;
        try {
            return classifyStatement(from, to);
        } finally {
            nesting--;
        }
    }

    private Shape classifyStatement(int from, int to) {
        int index = from;
        while (index < to && significant.get(index).isPunctuation("(")) {
            index++;
        }
        String word = word(index, to);
        if (word == null) {
            return Shape.broken("", from);
        }
        String keywords = word.toUpperCase(Locale.ROOT);
        if (index > from && !Set.of("select", "values", "table", "with").contains(word)) {
            return Shape.broken(keywords, from);
        }
        return switch (word) {
            case "select", "values", "table" -> query(from, index, to, keywords);
            case "with" -> with(from, index, to);
            case "insert" -> insert(index, to);
            case "update" -> Shape.of(StatementClass.UPDATE, keywords, from);
            case "delete", "truncate" -> Shape.of(StatementClass.DELETE, keywords, from);
            case "merge" -> merge(index, to);
            case "security" -> Shape.of(StatementClass.DDL, twoWords(index, to), from);
            case "copy" -> Shape.of(StatementClass.IMPORT_EXPORT, keywords, from);
            case "prepare" -> prepare(index, to);
            case "execute" -> Shape.of(StatementClass.OTHER, keywords, from);
            case "declare" -> declare(index, to);
            case "explain" -> explain(index, to);
            default -> simple(word, index, to);
        };
    }

    private Shape simple(String word, int index, int to) {
        if (DDL_WORDS.contains(word)) {
            return Shape.of(StatementClass.DDL, ddlKeywords(word, index, to), index);
        }
        if (TRANSACTION_WORDS.contains(word)) {
            String next = word(index + 1, to);
            String keywords = next != null && TRANSACTION_SECOND_WORDS.contains(next) ? twoWords(index, to) : word;
            return Shape.of(StatementClass.TRANSACTION, keywords.toUpperCase(Locale.ROOT), index);
        }
        if (SESSION_WORDS.contains(word)) {
            return Shape.of(StatementClass.SESSION, word.toUpperCase(Locale.ROOT), index);
        }
        return Shape.of(StatementClass.OTHER, word.toUpperCase(Locale.ROOT), index);
    }

    /**
     * SELECT, VALUES, TABLE. An INTO not right after INSERT or MERGE can only be SELECT … INTO, which creates a table
     * (the server refuses it anywhere but the top level, so looking at every depth errs on the safe side).
     */
    private Shape query(int from, int index, int to, String keywords) {
        List<Verb> verbs = new ArrayList<>();
        verbs.add(new Verb(StatementClass.READ, keywords));
        for (int position = index; position < to; position++) {
            if (isWord(position, to, "into")
                    && !isWord(position - 1, to, "insert")
                    && !isWord(position - 1, to, "merge")) {
                addVerb(verbs, new Verb(StatementClass.DDL, "SELECT INTO"));
                break;
            }
        }
        return new Shape(verbs, from, index, false);
    }

    /**
     * {@code WITH [RECURSIVE] name [(columns)] AS [[NOT] MATERIALIZED] (query) [SEARCH …] [CYCLE …], …} and the
     * main statement, which decides the class; a WITH query that inserts, updates or deletes adds its verb.
     */
    private Shape with(int from, int index, int to) {
        int position = index + 1;
        if (isWord(position, to, "recursive")) {
            position++;
        }
        List<Verb> cteVerbs = new ArrayList<>();
        boolean bodyMalformed = false;
        while (true) {
            if (position >= to || !significant.get(position).isIdentifier()) {
                return Shape.broken("WITH", from);
            }
            position++;
            if (isPunctuation(position, to, "(")) {
                position = closing(position, to) + 1;
            }
            if (!isWord(position, to, "as")) {
                return Shape.broken("WITH", from);
            }
            position++;
            if (isWord(position, to, "not")) {
                position++;
            }
            if (isWord(position, to, "materialized")) {
                position++;
            }
            int close = isPunctuation(position, to, "(") ? closing(position, to) : -1;
            if (close < 0) {
                return Shape.broken("WITH", from);
            }
            Shape body = classify(position + 1, close);
            bodyMalformed = bodyMalformed || body.malformed();
            body.verbs().stream()
                    .filter(verb -> verb.statementClass() != StatementClass.READ)
                    .forEach(verb -> addVerb(cteVerbs, verb));
            position = skipSearchAndCycle(close + 1, to);
            if (!isPunctuation(position, to, ",")) {
                break;
            }
            position++;
        }
        Shape main = classify(position, to);
        List<Verb> verbs = new ArrayList<>(main.verbs());
        cteVerbs.forEach(verb -> addVerb(verbs, verb));
        return new Shape(verbs, from, main.mainIndex(), bodyMalformed || main.malformed());
    }

    /** {@code SEARCH … SET column} and {@code CYCLE … SET column [TO value DEFAULT value] USING column}. */
    private int skipSearchAndCycle(int from, int to) {
        int position = from;
        while (isWord(position, to, "search") || isWord(position, to, "cycle")) {
            while (position < to && !isWord(position, to, "set")) {
                position++;
            }
            position += 2;
            if (isWord(position, to, "to")) {
                position += 4;
            }
            if (isWord(position, to, "using")) {
                position += 2;
            }
        }
        return position;
    }

    /** {@code INSERT … ON CONFLICT … DO UPDATE} updates existing rows, which the server too requires UPDATE for. */
    private Shape insert(int index, int to) {
        List<Verb> verbs = new ArrayList<>();
        verbs.add(new Verb(StatementClass.INSERT, "INSERT"));
        for (int position = index; position + 1 < to; position++) {
            if (isWord(position, to, "do") && isWord(position + 1, to, "update")) {
                verbs.add(new Verb(StatementClass.UPDATE, "INSERT ON CONFLICT DO UPDATE"));
                break;
            }
        }
        return new Shape(verbs, index, index, false);
    }

    /** MERGE updates, and inserts or deletes when a WHEN clause says THEN INSERT or THEN DELETE. */
    private Shape merge(int index, int to) {
        List<Verb> verbs = new ArrayList<>();
        verbs.add(new Verb(StatementClass.UPDATE, "MERGE"));
        for (int position = index; position + 1 < to; position++) {
            if (isWord(position, to, "then") && isWord(position + 1, to, "insert")) {
                addVerb(verbs, new Verb(StatementClass.INSERT, "MERGE"));
            }
            if (isWord(position, to, "then") && isWord(position + 1, to, "delete")) {
                addVerb(verbs, new Verb(StatementClass.DELETE, "MERGE"));
            }
        }
        return new Shape(verbs, index, index, false);
    }

    /** {@code PREPARE TRANSACTION 'id'}, or {@code PREPARE name [(types)] AS statement}: the inner statement's. */
    private Shape prepare(int index, int to) {
        if (isWord(index + 1, to, "transaction")) {
            return Shape.of(StatementClass.TRANSACTION, "PREPARE TRANSACTION", index);
        }
        int position = index + 2;
        if (isPunctuation(position, to, "(")) {
            position = closing(position, to) + 1;
        }
        if (position <= index || !isWord(position, to, "as")) {
            return Shape.broken("PREPARE", index);
        }
        return classify(position + 1, to);
    }

    /** {@code DECLARE name … CURSOR … FOR query}: the query's class, since FETCH returns its rows. */
    private Shape declare(int index, int to) {
        int position = index + 1;
        while (position < to && !isWord(position, to, "cursor")) {
            position++;
        }
        while (position < to && !isWord(position, to, "for")) {
            position++;
        }
        if (position >= to) {
            return Shape.broken("DECLARE", index);
        }
        return classify(position + 1, to);
    }

    /**
     * {@code EXPLAIN [(options)] [ANALYZE] [VERBOSE] statement}. With ANALYZE the statement runs, so it is classed as
     * that statement; ANALYZE among the options counts even when set to false, to err on the safe side.
     */
    private Shape explain(int index, int to) {
        int position = index + 1;
        boolean analyze = false;
        if (isPunctuation(position, to, "(")) {
            int close = closing(position, to);
            if (close < 0) {
                return Shape.broken("EXPLAIN", index);
            }
            for (int option = position; option < close; option++) {
                analyze = analyze || isWord(option, to, "analyze") || isWord(option, to, "analyse");
            }
            position = close + 1;
        } else {
            while (isWord(position, to, "analyze")
                    || isWord(position, to, "analyse")
                    || isWord(position, to, "verbose")) {
                analyze = analyze || !isWord(position, to, "verbose");
                position++;
            }
        }
        Shape inner = classify(position, to);
        if (analyze) {
            return inner;
        }
        return new Shape(
                List.of(new Verb(StatementClass.READ, "EXPLAIN")), position, inner.mainIndex(), inner.malformed());
    }

    /** The first two key words, skipping CREATE's modifiers: {@code CREATE OR REPLACE TEMP VIEW} is CREATE VIEW. */
    private String ddlKeywords(String word, int index, int to) {
        int position = index + 1;
        if (word.equals("create")) {
            while (position < to && CREATE_MODIFIERS.contains(word(position, to))) {
                position++;
            }
        }
        String next = word(position, to);
        String keywords = next == null ? word : word + " " + next;
        return keywords.toUpperCase(Locale.ROOT);
    }

    private String twoWords(int index, int to) {
        String next = word(index + 1, to);
        String first = word(index, to);
        return (next == null ? first : first + " " + next).toUpperCase(Locale.ROOT);
    }

    private Optional<String> importExport(Shape shape) {
        if (shape.verbs().stream().anyMatch(verb -> verb.statementClass() == StatementClass.IMPORT_EXPORT)) {
            return Optional.of("COPY");
        }
        return findCall(PostgresKeywords.IMPORT_EXPORT_FUNCTIONS);
    }

    /** The first identifier from {@code names} followed by {@code (}, quoted names matched exactly. */
    private Optional<String> findCall(Set<String> names) {
        for (int index = 0; index + 1 < significant.size(); index++) {
            PostgresToken token = significant.get(index);
            if (token.isIdentifier()
                    && names.contains(token.value())
                    && significant.get(index + 1).isPunctuation("(")) {
                return Optional.of(token.value());
            }
        }
        return Optional.empty();
    }

    /** A dotted name and the indexes of its first and last significant tokens. */
    private record Chain(List<String> parts, int first, int last) {}

    /** Dotted names; a reserved key word cannot start one, but any word may follow a dot. */
    private List<Chain> identifierChains() {
        List<Chain> chains = new ArrayList<>();
        int index = 0;
        while (index < significant.size()) {
            PostgresToken token = significant.get(index);
            boolean startsChain = token.kind() == Kind.QUOTED_IDENTIFIER
                    || (token.kind() == Kind.WORD && !PostgresKeywords.RESERVED.contains(token.value()));
            boolean afterDot = index > 0 && significant.get(index - 1).isPunctuation(".");
            if (!startsChain || afterDot) {
                index++;
                continue;
            }
            int first = index;
            List<String> parts = new ArrayList<>();
            parts.add(token.value());
            index++;
            while (index + 1 < significant.size()
                    && significant.get(index).isPunctuation(".")
                    && significant.get(index + 1).isIdentifier()) {
                parts.add(significant.get(index + 1).value());
                index += 2;
            }
            chains.add(new Chain(parts, first, index - 1));
        }
        return chains;
    }

    /**
     * The table an INSERT, UPDATE, DELETE or MERGE writes: the name right after {@code INSERT INTO}, {@code UPDATE},
     * {@code DELETE FROM} or {@code MERGE INTO} (and {@code ONLY}).
     */
    private Optional<Chain> writeTarget(Shape shape, List<Chain> chains) {
        int main = shape.mainIndex();
        String keyword = word(main, significant.size());
        int target;
        if ("update".equals(keyword)) {
            target = main + 1;
        } else if (("insert".equals(keyword) || "merge".equals(keyword))
                && isWord(main + 1, significant.size(), "into")) {
            target = main + 2;
        } else if ("delete".equals(keyword) && isWord(main + 1, significant.size(), "from")) {
            target = main + 2;
        } else {
            return Optional.empty();
        }
        int first = isWord(target, significant.size(), "only") ? target + 1 : target;
        return chains.stream().filter(chain -> chain.first() == first).findFirst();
    }

    /**
     * The names a write statement reads or tests: every chain but the target itself, the column list of an INSERT,
     * and the columns assigned by {@code SET column = …} or {@code SET (a, b) = …} at the statement's top level.
     */
    private List<List<String>> sourceChains(Shape shape, List<Chain> chains, Optional<Chain> target) {
        if (target.isEmpty()) {
            return chains.stream().map(Chain::parts).toList();
        }
        int level = depth[shape.mainIndex()];
        Map<Integer, Chain> chainsByFirst = new HashMap<>();
        chains.forEach(chain -> chainsByFirst.put(chain.first(), chain));
        Set<Integer> excluded = new HashSet<>();
        excluded.add(target.get().first());
        int after = target.get().last() + 1;
        if (isWord(after, significant.size(), "as")) {
            after += 2;
        }
        if (isWord(shape.mainIndex(), significant.size(), "insert") && isPunctuation(after, significant.size(), "(")) {
            excludeNameList(after, chainsByFirst, excluded);
        }
        for (int index = shape.mainIndex(); index < significant.size(); index++) {
            if (depth[index] != level
                    || !(isWord(index, significant.size(), "set") || isPunctuation(index, significant.size(), ","))) {
                continue;
            }
            int next = index + 1;
            if (isPunctuation(next, significant.size(), "(")) {
                int close = closing(next, significant.size());
                if (close > 0 && isOperator(close + 1, "=")) {
                    excludeNameList(next, chainsByFirst, excluded);
                }
                continue;
            }
            Chain chain = chainsByFirst.get(next);
            if (chain != null && isOperator(chain.last() + 1, "=")) {
                excluded.add(chain.first());
            }
        }
        // In ON CONFLICT … DO UPDATE, excluded.column is the row being inserted, not stored data.
        boolean insert = isWord(shape.mainIndex(), significant.size(), "insert");
        return chains.stream()
                .filter(chain -> !excluded.contains(chain.first()))
                .filter(chain -> !(insert
                        && chain.parts().size() == 2
                        && chain.parts().get(0).equals("excluded")))
                .map(Chain::parts)
                .toList();
    }

    /** Excludes the chains in the parenthesis at {@code open} if it holds nothing but names, dots and commas. */
    private void excludeNameList(int open, Map<Integer, Chain> chainsByFirst, Set<Integer> excluded) {
        int close = closing(open, significant.size());
        if (close < 0) {
            return;
        }
        for (int index = open + 1; index < close; index++) {
            PostgresToken token = significant.get(index);
            boolean name = token.kind() == Kind.QUOTED_IDENTIFIER
                    || (token.kind() == Kind.WORD && !PostgresKeywords.RESERVED.contains(token.value()));
            if (!name && !token.isPunctuation(",") && !token.isPunctuation(".")) {
                // Not a column list: INSERT INTO t (SELECT …) is a parenthesized query.
                return;
            }
        }
        for (int index = open + 1; index < close; index++) {
            if (chainsByFirst.containsKey(index)) {
                excluded.add(index);
            }
        }
    }

    /**
     * Whether the statement holds a query or, in DDL, an expression over stored columns: CREATE TABLE … AS, CREATE
     * VIEW, a rule, ALTER … TYPE … USING, a generated column.
     */
    private boolean embedsQuery() {
        int size = significant.size();
        for (int index = 0; index < size; index++) {
            if (isWord(index, size, "select")
                    || isWord(index, size, "values")
                    || (isWord(index, size, "as") && isWord(index + 1, size, "table"))
                    || (isWord(0, size, "alter") && isWord(index, size, "using"))
                    || isWord(index, size, "generated")) {
                return true;
            }
        }
        return false;
    }

    private boolean isOperator(int index, String operator) {
        return index < significant.size()
                && significant.get(index).kind() == Kind.OPERATOR
                && significant.get(index).value().equals(operator);
    }

    /**
     * Literals become {@code ?}, comments and whitespace one space, key words upper case, other unquoted names lower
     * case. A malformed token (an unterminated quoted name swallows the rest) becomes {@code ?} too, so no literal text
     * can reach the audit trail through it.
     */
    private String normalize() {
        StringBuilder normalized = new StringBuilder();
        boolean space = false;
        for (PostgresToken token : tokens) {
            if (!token.significant()) {
                space = true;
                continue;
            }
            if (space && !normalized.isEmpty()) {
                normalized.append(' ');
            }
            space = false;
            if (token.isLiteral() || token.malformed()) {
                normalized.append('?');
            } else if (token.kind() == Kind.WORD) {
                String word = PostgresTokenizer.foldCase(message.substring(token.start(), token.end()));
                normalized.append(
                        PostgresKeywords.upperCasedInNormalizedText(word) ? word.toUpperCase(Locale.ROOT) : word);
            } else {
                normalized.append(message, token.start(), token.end());
            }
        }
        return normalized.toString();
    }

    private static void addVerb(List<Verb> verbs, Verb verb) {
        if (verbs.stream().noneMatch(existing -> existing.statementClass() == verb.statementClass())) {
            verbs.add(verb);
        }
    }

    /** The index of the token closing the parenthesis at {@code open}, or -1 if it is not closed before {@code to}. */
    private int closing(int open, int to) {
        int close = open >= 0 && open < closing.length ? closing[open] : -1;
        return close < to ? close : -1;
    }

    private String word(int index, int to) {
        if (index < 0 || index >= to || index >= significant.size()) {
            return null;
        }
        PostgresToken token = significant.get(index);
        return token.kind() == Kind.WORD ? token.value() : null;
    }

    private boolean isWord(int index, int to, String word) {
        return word.equals(word(index, to));
    }

    private boolean isPunctuation(int index, int to, String text) {
        return index >= 0
                && index < to
                && index < significant.size()
                && significant.get(index).isPunctuation(text);
    }
}
