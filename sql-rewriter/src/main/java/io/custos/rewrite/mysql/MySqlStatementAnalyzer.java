package io.custos.rewrite.mysql;

import io.custos.policy.StatementClass;
import io.custos.rewrite.Digests;
import io.custos.rewrite.MySqlMode;
import io.custos.rewrite.PreparedStatementUse;
import io.custos.rewrite.mysql.MySqlToken.Kind;
import io.custos.rewrite.postgres.LexedStatement;
import io.custos.rewrite.postgres.LexedStatement.Verb;
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
 * Describes one statement from its tokens: class and verbs, import/export, normalized text, identifier chains.
 * Classification reads only the leading key words and a few clause key words, never the whole grammar; where the
 * statement's shape is not one the lexer can follow, the statement is marked malformed rather than guessed at.
 *
 * <p>Identifier chains are folded to lower case, tables and schemas included: column names never depend on case, and
 * table names compare as a server with {@code lower_case_table_names} set does, which on a case-sensitive server errs on
 * the side of matching a protected table.
 */
final class MySqlStatementAnalyzer {
    private static final Set<String> DDL_WORDS =
            Set.of("create", "alter", "drop", "rename", "grant", "revoke", "optimize", "repair");
    private static final Set<String> DDL_OBJECTS = Set.of(
            "table",
            "view",
            "index",
            "procedure",
            "function",
            "trigger",
            "event",
            "database",
            "schema",
            "user",
            "role",
            "server",
            "tablespace",
            "logfile",
            "sequence",
            "package",
            "resource",
            "undo");
    private static final Set<String> SESSION_WORDS = Set.of("set", "use", "kill");
    private static final Set<String> QUERY_WORDS = Set.of("select", "values", "table", "with");
    private static final Set<String> EXPLAINABLE =
            Set.of("select", "values", "table", "with", "insert", "replace", "update", "delete");
    private static final Set<String> COMPOUND_WORDS = Set.of("if", "while", "loop", "repeat", "case", "for");
    private static final Set<String> INSERT_MODIFIERS = Set.of("low_priority", "delayed", "high_priority", "ignore");
    private static final Set<String> UPDATE_MODIFIERS = Set.of("low_priority", "ignore");
    private static final Set<String> DELETE_MODIFIERS = Set.of("low_priority", "quick", "ignore");

    /** Variables that change how the server reads a statement's text. */
    private static final Set<String> READING_VARIABLES =
            Set.of("sql_mode", "character_set_client", "character_set_connection", "collation_connection");

    /** Statements nest through WITH, EXPLAIN and PREPARE; deeper than this is refused as malformed. */
    static final int MAX_NESTING = 64;

    private final String message;
    private final MySqlMode mode;
    private final int nestingBase;
    private final List<MySqlToken> tokens;
    private final List<MySqlToken> significant;
    /** Parenthesis depth before each significant token. */
    private final int[] depth;
    /** For each significant {@code (}, the index of its {@code )}, or -1. */
    private final int[] closing;

    private boolean malformed;
    private int nesting;

    private MySqlStatementAnalyzer(
            String message, MySqlMode mode, int nestingBase, List<MySqlToken> tokens, boolean trailingMalformed) {
        this.message = message;
        this.mode = mode;
        this.nestingBase = nestingBase;
        this.tokens = tokens;
        this.significant = tokens.stream().filter(MySqlToken::significant).toList();
        this.depth = new int[significant.size() + 1];
        this.closing = new int[significant.size()];
        Arrays.fill(closing, -1);
        Deque<Integer> open = new ArrayDeque<>();
        for (int index = 0; index < significant.size(); index++) {
            depth[index] = open.size();
            MySqlToken token = significant.get(index);
            if (token.isPunctuation("(")) {
                open.push(index);
            } else if (token.isPunctuation(")")) {
                if (open.isEmpty()) {
                    malformed = true;
                    continue;
                }
                closing[open.pop()] = index;
            }
        }
        depth[significant.size()] = open.size();
        malformed = malformed
                || !open.isEmpty()
                || trailingMalformed
                || tokens.stream().anyMatch(MySqlToken::malformed);
    }

    /**
     * {@code tokens} are the statement's tokens, the first and last significant; {@code trailingMalformed} says what
     * follows them makes the statement one the server rejects (an unterminated comment, an unclosed compound block).
     * {@code nesting} counts the PREPARE statements whose text this statement is.
     */
    static LexedStatement analyze(
            String message,
            MySqlMode mode,
            int nesting,
            List<MySqlToken> tokens,
            boolean trailingMalformed,
            char[] calciteText) {
        return new MySqlStatementAnalyzer(message, mode, nesting, tokens, trailingMalformed).describe(calciteText);
    }

    private LexedStatement describe(char[] calciteText) {
        int start = tokens.get(0).start();
        int end = tokens.get(tokens.size() - 1).end();
        Shape shape = classify(0, significant.size());
        Optional<LexedStatement> inner = shape.inner();
        Optional<String> importExport = importExport(shape).or(() -> inner.flatMap(LexedStatement::importExport));
        Optional<String> sqlTextFunction = shape.sqlText()
                .or(() -> findCall(MySqlKeywords.SQL_TEXT_ROUTINES))
                .or(() -> inner.flatMap(LexedStatement::sqlTextFunction));
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
        List<List<String>> identifierChains =
                new ArrayList<>(chains.stream().map(Chain::parts).toList());
        List<List<String>> sourceChains = new ArrayList<>(sourceChains(shape, chains, target));
        inner.ifPresent(statement -> {
            identifierChains.addAll(statement.identifierChains());
            sourceChains.addAll(statement.sourceChains());
        });
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
                identifierChains,
                inner.isPresent() ? inner.get().writeTarget() : target.map(Chain::parts),
                sourceChains,
                embedsQuery() || inner.map(LexedStatement::embedsQuery).orElse(false),
                significant.stream().anyMatch(token -> token.isWord("returning"))
                        || inner.map(LexedStatement::hasReturning).orElse(false),
                statementMalformed,
                statementMalformed ? Optional.empty() : preparedStatementUse(start, end));
    }

    /**
     * {@code PREPARE name FROM 'text'} (with the literal's place, for the gate to mask inside it) or {@code FROM @var},
     * {@code EXECUTE name [USING …]}, and {@code DEALLOCATE PREPARE name} or {@code DROP PREPARE name}. Names compare
     * without case.
     */
    private Optional<PreparedStatementUse> preparedStatementUse(int start, int end) {
        int to = significant.size();
        String word = word(0, to);
        if (word == null) {
            return Optional.empty();
        }
        return switch (word) {
            case "prepare" -> name(1).map(name -> prepareUse(name, start, end));
            case "execute" -> isWord(1, to, "immediate")
                    ? Optional.empty()
                    : name(1).map(name -> PreparedStatementUse.of(PreparedStatementUse.Kind.EXECUTE, name));
            case "deallocate", "drop" -> isWord(1, to, "prepare")
                    ? name(2).map(name -> PreparedStatementUse.of(PreparedStatementUse.Kind.DEALLOCATE, name))
                    : Optional.empty();
            default -> Optional.empty();
        };
    }

    private PreparedStatementUse prepareUse(String name, int start, int end) {
        String text = message.substring(start, end);
        int position = 3;
        if (position < significant.size() && significant.get(position).kind() == Kind.INTRODUCER) {
            position++;
        }
        int first = position;
        StringBuilder body = new StringBuilder();
        while (position < significant.size() && significant.get(position).kind() == Kind.STRING) {
            body.append(MySqlTokenizer.stringValue(message, significant.get(position), mode));
            position++;
        }
        if (!isWord(2, significant.size(), "from") || position == first || position < significant.size()) {
            return new PreparedStatementUse(PreparedStatementUse.Kind.PREPARE, name, text, -1, -1, "");
        }
        return new PreparedStatementUse(
                PreparedStatementUse.Kind.PREPARE,
                name,
                text,
                significant.get(first).start() - start,
                significant.get(position - 1).end() - start,
                body.toString());
    }

    /** The identifier at {@code index}, lower-cased. */
    private Optional<String> name(int index) {
        if (index >= significant.size() || !significant.get(index).isIdentifier()) {
            return Optional.empty();
        }
        return Optional.of(significant.get(index).value().toLowerCase(Locale.ROOT));
    }

    /**
     * The main statement's class, unless it is a query that also does more: SELECT … INTO sets variables or writes a
     * file.
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
     * is (after any WITH list or EXPLAIN wrapper), all as indexes of significant tokens; for {@code PREPARE … FROM
     * 'text'}, the statement the text holds; for a statement that runs SQL text out of sight, what it is.
     */
    private record Shape(
            List<Verb> verbs,
            int queryIndex,
            int mainIndex,
            boolean malformed,
            Optional<LexedStatement> inner,
            Optional<String> sqlText) {
        Shape(List<Verb> verbs, int queryIndex, int mainIndex, boolean malformed) {
            this(verbs, queryIndex, mainIndex, malformed, Optional.empty(), Optional.empty());
        }

        static Shape of(StatementClass statementClass, String keywords, int index) {
            return new Shape(List.of(new Verb(statementClass, keywords)), index, index, false);
        }

        static Shape broken(String keywords, int index) {
            return new Shape(List.of(new Verb(StatementClass.OTHER, keywords)), index, index, true);
        }
    }

    /** Classifies the significant tokens {@code [from, to)} as one statement. */
    private Shape classify(int from, int to) {
        if (nestingBase + nesting >= MAX_NESTING) {
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
        if (index > from && !QUERY_WORDS.contains(word)) {
            return Shape.broken(keywords, from);
        }
        if (isPunctuation(index + 1, to, ":") && index == from) {
            return compound(index, to, "LABEL");
        }
        return switch (word) {
            case "select", "values", "table" -> query(from, index, to, keywords);
            case "with" -> with(from, index, to);
            case "insert" -> insert(index, to, false);
            case "replace" -> insert(index, to, true);
            case "update" -> Shape.of(StatementClass.UPDATE, keywords, index);
            case "delete", "truncate" -> Shape.of(StatementClass.DELETE, keywords, index);
            case "load" -> load(index, to);
            case "show" -> show(index, to);
            case "explain", "describe", "desc" -> explain(index, to, keywords);
            case "analyze" -> analyze(index, to);
            case "help" -> Shape.of(StatementClass.READ, keywords, index);
                // HANDLER … READ returns a table's rows without a SELECT: a read no analysis can follow.
            case "handler" -> Shape.of(StatementClass.READ, keywords, index);
            case "prepare" -> prepare(index, to);
            case "execute" -> isWord(index + 1, to, "immediate") ? executeImmediate(index) : simple(word, index, to);
            case "deallocate" -> Shape.of(StatementClass.SESSION, "DEALLOCATE PREPARE", index);
            case "drop" -> isWord(index + 1, to, "prepare")
                    ? Shape.of(StatementClass.SESSION, "DEALLOCATE PREPARE", index)
                    : Shape.of(StatementClass.DDL, ddlKeywords(word, index, to), index);
            case "begin" -> isWord(index + 1, to, "not")
                    ? compound(index, to, "BEGIN NOT ATOMIC")
                    : Shape.of(StatementClass.TRANSACTION, keywords, index);
            case "set" -> set(index, to);
            case "import" -> isWord(index + 1, to, "table")
                    ? Shape.of(StatementClass.IMPORT_EXPORT, "IMPORT TABLE", index)
                    : Shape.of(StatementClass.OTHER, keywords, index);
            default -> simple(word, index, to);
        };
    }

    private Shape simple(String word, int index, int to) {
        String keywords = word.toUpperCase(Locale.ROOT);
        if (DDL_WORDS.contains(word)) {
            return Shape.of(StatementClass.DDL, ddlKeywords(word, index, to), index);
        }
        if (COMPOUND_WORDS.contains(word)) {
            return compound(index, to, keywords);
        }
        switch (word) {
            case "start" -> {
                return isWord(index + 1, to, "transaction")
                        ? Shape.of(StatementClass.TRANSACTION, "START TRANSACTION", index)
                        : Shape.of(StatementClass.OTHER, twoWords(index, to), index);
            }
            case "commit", "rollback", "savepoint" -> {
                return Shape.of(StatementClass.TRANSACTION, keywords, index);
            }
            case "release" -> {
                return Shape.of(StatementClass.TRANSACTION, twoWords(index, to), index);
            }
            case "xa" -> {
                // XA transactions outlive their connection and are named by an id any session may recover, commit or
                // roll back: all sessions share the gateway's account, so a caller would reach others' transactions.
                return Shape.of(StatementClass.OTHER, twoWords(index, to), index);
            }
            case "lock", "unlock" -> {
                // LOCK TABLES holds other sessions off whole tables, as PostgreSQL's LOCK does (OTHER there too);
                // releasing them is part of ending a transaction.
                boolean tables = isWord(index + 1, to, "tables") || isWord(index + 1, to, "table");
                return tables
                        ? Shape.of(
                                word.equals("lock") ? StatementClass.OTHER : StatementClass.TRANSACTION,
                                keywords + " TABLES",
                                index)
                        : Shape.of(StatementClass.OTHER, twoWords(index, to), index);
            }
            default -> {}
        }
        if (SESSION_WORDS.contains(word)) {
            return Shape.of(StatementClass.SESSION, keywords, index);
        }
        return Shape.of(StatementClass.OTHER, keywords, index);
    }

    /**
     * SELECT, VALUES, TABLE. INTO in a query stores the result: in variables ({@code INTO @a}, which a later SELECT
     * reads unmasked), or in a server file ({@code INTO OUTFILE}, {@code INTO DUMPFILE}), which is export.
     */
    private Shape query(int from, int index, int to, String keywords) {
        List<Verb> verbs = new ArrayList<>();
        verbs.add(new Verb(StatementClass.READ, keywords));
        for (int position = index; position < to; position++) {
            if (!isWord(position, to, "into")) {
                continue;
            }
            if (isWord(position + 1, to, "outfile") || isWord(position + 1, to, "dumpfile")) {
                addVerb(verbs, new Verb(StatementClass.IMPORT_EXPORT, "INTO " + upper(position + 1, to)));
            } else {
                addVerb(verbs, new Verb(StatementClass.SESSION, "SELECT INTO"));
            }
        }
        return new Shape(verbs, from, index, false);
    }

    /** {@code WITH [RECURSIVE] name [(columns)] AS (query), …} and the main statement, which decides the class. */
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
            int close = isPunctuation(position, to, "(") ? closing(position, to) : -1;
            if (close < 0) {
                return Shape.broken("WITH", from);
            }
            Shape body = classify(position + 1, close);
            bodyMalformed = bodyMalformed || body.malformed();
            body.verbs().stream()
                    .filter(verb -> verb.statementClass() != StatementClass.READ)
                    .forEach(verb -> addVerb(cteVerbs, verb));
            position = close + 1;
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

    /**
     * INSERT, and REPLACE, which deletes the rows it replaces; {@code ON DUPLICATE KEY UPDATE} updates existing rows,
     * which the server too requires UPDATE for.
     */
    private Shape insert(int index, int to, boolean replace) {
        List<Verb> verbs = new ArrayList<>();
        String keywords = replace ? "REPLACE" : "INSERT";
        verbs.add(new Verb(StatementClass.INSERT, keywords));
        if (replace) {
            verbs.add(new Verb(StatementClass.DELETE, keywords));
        }
        for (int position = index; position + 2 < to; position++) {
            if (isWord(position, to, "duplicate")
                    && isWord(position + 1, to, "key")
                    && isWord(position + 2, to, "update")) {
                addVerb(verbs, new Verb(StatementClass.UPDATE, keywords + " ON DUPLICATE KEY UPDATE"));
                break;
            }
        }
        return new Shape(verbs, index, index, false);
    }

    /**
     * {@code LOAD DATA [LOCAL] INFILE} and {@code LOAD XML} import a file into a table: import, and an insert (with
     * REPLACE, a delete too). {@code LOAD INDEX INTO CACHE} only warms a cache.
     */
    private Shape load(int index, int to) {
        if (!isWord(index + 1, to, "data") && !isWord(index + 1, to, "xml")) {
            return Shape.of(StatementClass.OTHER, twoWords(index, to), index);
        }
        String keywords = twoWords(index, to);
        List<Verb> verbs = new ArrayList<>();
        verbs.add(new Verb(StatementClass.IMPORT_EXPORT, keywords));
        verbs.add(new Verb(StatementClass.INSERT, keywords));
        for (int position = index; position < to && !isWord(position, to, "into"); position++) {
            if (isWord(position, to, "replace")) {
                verbs.add(new Verb(StatementClass.DELETE, keywords));
                break;
            }
        }
        return new Shape(verbs, index, index, false);
    }

    /** {@code SHOW [GLOBAL | SESSION] VARIABLES | STATUS} reads settings; every other SHOW reads metadata. */
    private Shape show(int index, int to) {
        int position = index + 1;
        while (isWord(position, to, "global")
                || isWord(position, to, "session")
                || isWord(position, to, "local")
                || isWord(position, to, "full")) {
            position++;
        }
        String what = word(position, to);
        if ("variables".equals(what) || "status".equals(what)) {
            return Shape.of(StatementClass.SESSION, "SHOW " + what.toUpperCase(Locale.ROOT), index);
        }
        return Shape.of(StatementClass.READ, what == null ? "SHOW" : "SHOW " + what.toUpperCase(Locale.ROOT), index);
    }

    /**
     * {@code EXPLAIN | DESCRIBE | DESC} of a table, or of a statement with options ({@code FORMAT = …},
     * {@code EXTENDED}, {@code PARTITIONS}, {@code ANALYZE}). With ANALYZE the statement runs, so it is classed as
     * that statement.
     */
    private Shape explain(int index, int to, String keywords) {
        int position = index + 1;
        boolean analyze = false;
        while (true) {
            if (isWord(position, to, "analyze")) {
                analyze = true;
                position++;
            } else if (isWord(position, to, "extended") || isWord(position, to, "partitions")) {
                position++;
            } else if (isWord(position, to, "format") && isOperator(position + 1, "=")) {
                position += 3;
            } else {
                break;
            }
        }
        String next = word(position, to);
        boolean statement = isPunctuation(position, to, "(") || (next != null && EXPLAINABLE.contains(next));
        if (!statement) {
            // EXPLAIN table, EXPLAIN FOR CONNECTION n: metadata. No other reserved word can follow.
            boolean table = next == null || next.equals("for") || !MySqlKeywords.RESERVED.contains(next);
            return table ? Shape.of(StatementClass.READ, keywords, index) : Shape.broken(keywords, index);
        }
        Shape inner = classify(position, to);
        if (analyze) {
            return inner;
        }
        return new Shape(
                List.of(new Verb(StatementClass.READ, keywords)), position, inner.mainIndex(), inner.malformed());
    }

    /**
     * {@code ANALYZE [NO_WRITE_TO_BINLOG | LOCAL] TABLE} updates statistics; MariaDB's {@code ANALYZE [FORMAT = …]
     * statement} runs the statement, so it is classed as that statement.
     */
    private Shape analyze(int index, int to) {
        int position = index + 1;
        if (isWord(position, to, "format") && isOperator(position + 1, "=")) {
            position += 3;
        }
        String next = word(position, to);
        // ANALYZE TABLE is the statistics statement, never ANALYZE of a TABLE query.
        boolean statement = next != null && !next.equals("table") && EXPLAINABLE.contains(next);
        if (statement || isPunctuation(position, to, "(")) {
            return classify(position, to);
        }
        return Shape.of(StatementClass.DDL, "ANALYZE TABLE", index);
    }

    /**
     * {@code PREPARE name FROM 'text'}: the statement the text holds, lexed on its own. {@code PREPARE name FROM @var}
     * runs text no analysis of this statement can see.
     */
    private Shape prepare(int index, int to) {
        int from = index + 2;
        if (!isWord(from, to, "from")) {
            return Shape.broken("PREPARE", index);
        }
        int position = from + 1;
        if (position < to && significant.get(position).kind() == Kind.INTRODUCER) {
            position++;
        }
        StringBuilder text = new StringBuilder();
        int strings = 0;
        while (position < to && significant.get(position).kind() == Kind.STRING) {
            text.append(MySqlTokenizer.stringValue(message, significant.get(position), mode));
            strings++;
            position++;
        }
        if (strings == 0 || position < to) {
            Shape shape = Shape.of(StatementClass.OTHER, "PREPARE", index);
            return new Shape(shape.verbs(), index, index, false, Optional.empty(), Optional.of("PREPARE FROM @var"));
        }
        List<LexedStatement> statements = MySqlLexer.split(text.toString(), mode, nestingBase + nesting);
        if (statements.size() != 1) {
            return Shape.broken("PREPARE", index);
        }
        LexedStatement inner = statements.get(0);
        return new Shape(inner.verbs(), index, index, inner.malformed(), Optional.of(inner), Optional.empty());
    }

    /** MariaDB's {@code EXECUTE IMMEDIATE expression} runs the text the expression evaluates to, out of sight. */
    private static Shape executeImmediate(int index) {
        Shape shape = Shape.of(StatementClass.OTHER, "EXECUTE IMMEDIATE", index);
        return new Shape(shape.verbs(), index, index, false, Optional.empty(), Optional.of("EXECUTE IMMEDIATE"));
    }

    /** {@code SET GLOBAL} and {@code SET PERSIST} change the server, not the session. */
    private Shape set(int index, int to) {
        String next = word(index + 1, to);
        if ("statement".equals(next)) {
            return setStatement(index, to);
        }
        MySqlToken variable = index + 1 < to ? significant.get(index + 1) : null;
        boolean server = "global".equals(next)
                || "persist".equals(next)
                || "persist_only".equals(next)
                || (variable != null
                        && variable.kind() == Kind.VARIABLE
                        && variable.value().toLowerCase(Locale.ROOT).matches("@@(global|persist|persist_only)\\..*"));
        return server
                ? Shape.of(StatementClass.OTHER, "SET GLOBAL", index)
                : Shape.of(StatementClass.SESSION, "SET", index);
    }

    /**
     * MariaDB's {@code SET STATEMENT var = value [, …] FOR statement} runs the statement with the variables changed
     * for its duration; MariaDB Connector/J sends every statement with a query timeout in this form. It is classed as
     * the statement it runs, plus a {@value MySqlLexer#SET_STATEMENT} verb. Values must be plain literals or words: a value
     * computed by an expression or a query could quote a column in the error that refuses it. A variable that changes
     * how the server reads the text ({@code sql_mode}, the client character set) gets the verb
     * {@value MySqlLexer#SET_STATEMENT_READING}, since the gate reads the statement under the session's settings.
     */
    private Shape setStatement(int index, int to) {
        int forIndex = -1;
        for (int position = index + 2; position < to; position++) {
            if (depth[position] == depth[index] && isWord(position, to, "for")) {
                forIndex = position;
                break;
            }
        }
        if (forIndex < 0 || forIndex + 1 >= to) {
            return Shape.broken("SET STATEMENT", index);
        }
        boolean reading = false;
        boolean plainValues = true;
        for (int position = index + 2; position < forIndex; position++) {
            MySqlToken token = significant.get(position);
            String word = word(position, to);
            if (word != null && READING_VARIABLES.contains(word.toLowerCase(Locale.ROOT))) {
                reading = true;
            }
            if (token.isPunctuation("(") || token.isPunctuation(")") || token.kind() == Kind.VARIABLE) {
                plainValues = false;
            }
        }
        Shape inner = classify(forIndex + 1, to);
        List<Verb> verbs = new ArrayList<>(inner.verbs());
        addVerb(
                verbs,
                new Verb(
                        StatementClass.SESSION, reading ? MySqlLexer.SET_STATEMENT_READING : MySqlLexer.SET_STATEMENT));
        return new Shape(
                verbs,
                inner.queryIndex(),
                inner.mainIndex(),
                inner.malformed() || !plainValues,
                inner.inner(),
                inner.sqlText());
    }

    /**
     * A compound statement run on the spot (MariaDB's {@code BEGIN NOT ATOMIC}, {@code IF}, {@code WHILE}, … outside
     * stored programs): the lexer does not follow its body, so it is malformed, and it does every kind of work a key
     * word in it names.
     */
    private Shape compound(int index, int to, String keywords) {
        List<Verb> verbs = new ArrayList<>();
        verbs.add(new Verb(StatementClass.OTHER, keywords));
        for (int position = index; position < to; position++) {
            String word = word(position, to);
            if (word == null) {
                continue;
            }
            switch (word) {
                case "select" -> addVerb(verbs, new Verb(StatementClass.READ, "SELECT"));
                case "insert" -> addVerb(verbs, new Verb(StatementClass.INSERT, "INSERT"));
                case "replace" -> {
                    if (!isPunctuation(position + 1, to, "(")) {
                        addVerb(verbs, new Verb(StatementClass.INSERT, "REPLACE"));
                        addVerb(verbs, new Verb(StatementClass.DELETE, "REPLACE"));
                    }
                }
                case "update" -> addVerb(verbs, new Verb(StatementClass.UPDATE, "UPDATE"));
                case "delete", "truncate" -> addVerb(verbs, new Verb(StatementClass.DELETE, upper(position, to)));
                case "create", "alter", "drop", "rename", "grant", "revoke" -> addVerb(
                        verbs, new Verb(StatementClass.DDL, upper(position, to)));
                case "load", "outfile", "dumpfile" -> addVerb(
                        verbs, new Verb(StatementClass.IMPORT_EXPORT, upper(position, to)));
                default -> {}
            }
        }
        return new Shape(verbs, index, index, true);
    }

    /**
     * The verb and the object it acts on, skipping modifiers: {@code CREATE OR REPLACE DEFINER = x VIEW} is CREATE
     * VIEW, {@code DROP TEMPORARY TABLE} is DROP TABLE.
     */
    private String ddlKeywords(String word, int index, int to) {
        if (word.equals("create") || word.equals("alter") || word.equals("drop")) {
            for (int position = index + 1; position < to && position < index + 12; position++) {
                String next = word(position, to);
                if (next != null && DDL_OBJECTS.contains(next)) {
                    return (word + " " + next).toUpperCase(Locale.ROOT);
                }
            }
        }
        return twoWords(index, to);
    }

    private String twoWords(int index, int to) {
        String next = word(index + 1, to);
        String first = word(index, to);
        return (next == null ? first : first + " " + next).toUpperCase(Locale.ROOT);
    }

    private String upper(int index, int to) {
        return word(index, to).toUpperCase(Locale.ROOT);
    }

    private Optional<String> importExport(Shape shape) {
        Optional<String> verb = shape.verbs().stream()
                .filter(candidate -> candidate.statementClass() == StatementClass.IMPORT_EXPORT)
                .map(Verb::keywords)
                .findFirst();
        return verb.isPresent() ? verb : findCall(MySqlKeywords.IMPORT_EXPORT_FUNCTIONS);
    }

    /**
     * The first name from {@code names} followed by {@code (}; quoted names too, since MySQL matches function and
     * routine names without regard to case or quoting.
     */
    private Optional<String> findCall(Set<String> names) {
        for (int index = 0; index + 1 < significant.size(); index++) {
            MySqlToken token = significant.get(index);
            if (token.isIdentifier()
                    && names.contains(token.value().toLowerCase(Locale.ROOT))
                    && significant.get(index + 1).isPunctuation("(")) {
                return Optional.of(token.value().toLowerCase(Locale.ROOT));
            }
        }
        return Optional.empty();
    }

    /** A dotted name and the indexes of its first and last significant tokens. */
    private record Chain(List<String> parts, int first, int last) {}

    /** Dotted names, folded to lower case; a reserved word cannot start one, but any word may follow a dot. */
    private List<Chain> identifierChains() {
        List<Chain> chains = new ArrayList<>();
        int index = 0;
        while (index < significant.size()) {
            MySqlToken token = significant.get(index);
            boolean afterDot = index > 0 && significant.get(index - 1).isPunctuation(".");
            if (!startsChain(token) || afterDot) {
                index++;
                continue;
            }
            int first = index;
            List<String> parts = new ArrayList<>();
            parts.add(fold(token));
            index++;
            while (index + 1 < significant.size()
                    && significant.get(index).isPunctuation(".")
                    && significant.get(index + 1).isIdentifier()) {
                parts.add(fold(significant.get(index + 1)));
                index += 2;
            }
            chains.add(new Chain(parts, first, index - 1));
        }
        return chains;
    }

    private static boolean startsChain(MySqlToken token) {
        return token.kind() == Kind.QUOTED_IDENTIFIER
                || (token.kind() == Kind.WORD && !MySqlKeywords.RESERVED.contains(token.value()));
    }

    private static String fold(MySqlToken token) {
        return token.value().toLowerCase(Locale.ROOT);
    }

    /**
     * The table an INSERT, REPLACE, UPDATE or DELETE writes: the name after the verb, its modifiers and
     * {@code INTO}, or after {@code DELETE … FROM}; for a multi-table DELETE, the first table named before FROM.
     */
    private Optional<Chain> writeTarget(Shape shape, List<Chain> chains) {
        int main = shape.mainIndex();
        int size = significant.size();
        String keyword = word(main, size);
        if (keyword == null) {
            return Optional.empty();
        }
        Set<String> modifiers =
                switch (keyword) {
                    case "insert", "replace" -> INSERT_MODIFIERS;
                    case "update" -> UPDATE_MODIFIERS;
                    case "delete" -> DELETE_MODIFIERS;
                    default -> null;
                };
        if (modifiers == null) {
            return Optional.empty();
        }
        int target = main + 1;
        while (target < size && word(target, size) != null && modifiers.contains(word(target, size))) {
            target++;
        }
        if ((keyword.equals("insert") || keyword.equals("replace")) && isWord(target, size, "into")) {
            target++;
        } else if (keyword.equals("delete") && isWord(target, size, "from")) {
            target++;
        }
        int first = target;
        return chains.stream().filter(chain -> chain.first() == first).findFirst();
    }

    /**
     * The names a write statement reads or tests: every chain but the target itself, the column list of an INSERT,
     * the columns assigned by {@code SET column = …} or {@code ON DUPLICATE KEY UPDATE column = …} at the statement's
     * top level, and the {@code VALUES(column)} that stands for the row being inserted.
     */
    private List<List<String>> sourceChains(Shape shape, List<Chain> chains, Optional<Chain> target) {
        if (target.isEmpty()) {
            return chains.stream().map(Chain::parts).toList();
        }
        int size = significant.size();
        int level = depth[shape.mainIndex()];
        boolean insert = isWord(shape.mainIndex(), size, "insert") || isWord(shape.mainIndex(), size, "replace");
        Map<Integer, Chain> chainsByFirst = new HashMap<>();
        chains.forEach(chain -> chainsByFirst.put(chain.first(), chain));
        Set<Integer> excluded = new HashSet<>();
        excluded.add(target.get().first());
        int after = target.get().last() + 1;
        if (insert && isPunctuation(after, size, "(")) {
            excludeNameList(after, chainsByFirst, excluded);
        }
        for (int index = shape.mainIndex(); index < size; index++) {
            boolean assignmentStart = isWord(index, size, "set")
                    || isPunctuation(index, size, ",")
                    || (insert && isWord(index, size, "update") && isWord(index - 1, size, "key"));
            if (depth[index] != level || !assignmentStart) {
                continue;
            }
            Chain chain = chainsByFirst.get(index + 1);
            if (chain != null && isOperator(chain.last() + 1, "=")) {
                excluded.add(chain.first());
            }
        }
        return chains.stream()
                .filter(chain -> !excluded.contains(chain.first()))
                .filter(chain -> !(insert && isInsertedValue(chain)))
                .map(Chain::parts)
                .toList();
    }

    /** {@code VALUES(column)} in ON DUPLICATE KEY UPDATE: the value being inserted, not stored data. */
    private boolean isInsertedValue(Chain chain) {
        int size = significant.size();
        return isPunctuation(chain.first() - 1, size, "(")
                && isWord(chain.first() - 2, size, "values")
                && isPunctuation(chain.last() + 1, size, ")")
                && chain.parts().size() == 1;
    }

    /** Excludes the chains in the parenthesis at {@code open} if it holds nothing but names, dots and commas. */
    private void excludeNameList(int open, Map<Integer, Chain> chainsByFirst, Set<Integer> excluded) {
        int close = closing(open, significant.size());
        if (close < 0) {
            return;
        }
        for (int index = open + 1; index < close; index++) {
            MySqlToken token = significant.get(index);
            if (!startsChain(token) && !token.isPunctuation(",") && !token.isPunctuation(".")) {
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
     * Whether the statement holds a query or, in DDL, an expression over stored columns: CREATE TABLE … SELECT,
     * CREATE VIEW, a generated column ({@code GENERATED ALWAYS AS (…)} or just {@code AS (…)}), a routine body; and
     * {@code SET @v = (SELECT …)}, which stores a query's result where a later statement reads it.
     */
    private boolean embedsQuery() {
        int size = significant.size();
        for (int index = 0; index < size; index++) {
            if (isWord(index, size, "select")
                    || isWord(index, size, "values")
                    || isWord(index, size, "generated")
                    || (isWord(index, size, "as") && isPunctuation(index + 1, size, "("))
                    || (isWord(index, size, "table") && (index == 0 || isWord(index - 1, size, "as")))) {
                return true;
            }
        }
        return false;
    }

    private boolean isOperator(int index, String operator) {
        return index >= 0
                && index < significant.size()
                && significant.get(index).isOperator(operator);
    }

    /**
     * Literals become {@code ?} (adjacent strings, which the server joins into one, a single {@code ?}; a character
     * set introducer goes with its literal), comments and whitespace one space, executable comment markers vanish
     * while their content stays, key words upper case; names, variables and placeholders stay as written. A
     * malformed token (an unterminated quote swallows the rest) becomes {@code ?} too, so no literal text can reach the
     * audit trail through it.
     */
    private String normalize() {
        StringBuilder normalized = new StringBuilder();
        boolean space = false;
        MySqlToken previous = null;
        for (MySqlToken token : tokens) {
            if (!token.significant()) {
                space = true;
                continue;
            }
            if (token.kind() == Kind.INTRODUCER) {
                continue;
            }
            boolean joinsPrevious = token.kind() == Kind.STRING && previous != null && previous.kind() == Kind.STRING;
            previous = token;
            if (joinsPrevious) {
                continue;
            }
            if (space && !normalized.isEmpty()) {
                normalized.append(' ');
            }
            space = false;
            if (token.isLiteral() || token.malformed()) {
                normalized.append('?');
            } else if (token.kind() == Kind.WORD) {
                normalized.append(
                        MySqlKeywords.upperCasedInNormalizedText(token.value())
                                ? token.value().toUpperCase(Locale.ROOT)
                                : message.substring(token.start(), token.end()));
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
        MySqlToken token = significant.get(index);
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
