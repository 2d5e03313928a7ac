package io.custos.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * A seeded generator of statements over the sample schema that try to carry a classified value out of the database:
 * the column wrapped in functions, casts, CASE and encodings, moved through derived tables, CTEs, unions, scalar
 * subqueries, joins, aggregates, windows and session variables. The same seed gives the same statements, so a failure
 * can be replayed.
 *
 * <p>Each call of {@link #next} or {@link #nextAttack} gives a script: statements to run in order on one connection (a variable is set by one
 * statement and read by the next). Most statements are valid SQL for the dialect; those that are not end in an error
 * from the database, whose message is checked like any result. Their predicates and orderings use the unclassified keys,
 * except in the predicate attacks of {@link #nextAttack}: a statement that asks about a classified value one question at a time (a pattern, a
 * range or a function of the column in WHERE, HAVING or EXISTS, the column in ORDER BY, GROUP BY or a window), which
 * the gate must refuse for every caller below the column's level.
 */
final class LeakQueryGenerator {
    enum Dialect {
        POSTGRESQL,
        MYSQL
    }

    private enum Kind {
        TEXT,
        NUMBER
    }

    private record Column(String table, String key, String name, Kind kind, int level) {}

    /**
     * One script. {@code attackedLevel} is the level of the column a predicate attack asks about, which a caller below
     * it must see refused; 0 for the other scripts.
     */
    record Script(List<String> statements, int attackedLevel) {
        Script {
            statements = List.copyOf(statements);
        }

        static Script of(String... statements) {
            return new Script(List.of(statements), 0);
        }
    }

    /** Classified columns of the demo policy, at every level. */
    private static final List<Column> CLASSIFIED = List.of(
            new Column("customer", "id", "name", Kind.TEXT, 1),
            new Column("customer", "id", "id_card_no", Kind.TEXT, 1),
            new Column("customer", "id", "mobile", Kind.TEXT, 1),
            new Column("customer", "id", "home_address", Kind.TEXT, 1),
            new Column("customer", "id", "employer", Kind.TEXT, 1),
            new Column("customer_asset", "customer_id", "property_value", Kind.NUMBER, 2),
            new Column("customer_asset", "customer_id", "annual_income", Kind.NUMBER, 2),
            new Column("customer_bank", "customer_id", "account_no", Kind.TEXT, 3),
            new Column("customer_bank", "customer_id", "credit_card_no", Kind.TEXT, 3),
            new Column("customer_bank", "customer_id", "investment_summary", Kind.TEXT, 3));

    private static final int CUSTOMERS = 3000;

    private final Random random;
    private final Dialect dialect;
    private int variables;

    LeakQueryGenerator(long seed, Dialect dialect) {
        this.random = new Random(seed);
        this.dialect = dialect;
    }

    Script next() {
        Column column = pick(CLASSIFIED);
        String alias = "s";
        String expression = wrap(alias + "." + column.name(), column.kind(), 1 + random.nextInt(3));
        int first = 1 + random.nextInt(CUSTOMERS - 10);
        String range = alias + "." + column.key() + " BETWEEN " + first + " AND " + (first + random.nextInt(6));
        String from = column.table() + " " + alias;
        return new Script(leak(random.nextInt(16), column, alias, expression, first, range, from), 0);
    }

    /** A predicate attack: one statement that asks about a classified value without showing it. */
    Script nextAttack() {
        Column column = pick(CLASSIFIED);
        int first = 1 + random.nextInt(CUSTOMERS - 10);
        String range = "s." + column.key() + " BETWEEN " + first + " AND " + (first + random.nextInt(6));
        String from = column.table() + " s";
        return new Script(List.of(attack(random.nextInt(6), column, from, range)), column.level());
    }

    /** A statement that tries to carry the value out in its result. */
    private List<String> leak(
            int kind, Column column, String alias, String expression, int first, String range, String from) {
        return switch (kind) {
            case 0 -> List.of("SELECT " + expression + " AS v FROM " + from + " WHERE " + range);
            case 1 -> List.of(
                    "SELECT d.v FROM (SELECT " + expression + " AS v FROM " + from + " WHERE " + range + ") d");
            case 2 -> List.of(
                    "WITH d AS (SELECT " + expression + " AS v FROM " + from + " WHERE " + range + ") SELECT v FROM d");
            case 3 -> List.of(union(expression, column.kind(), from, range));
            case 4 -> List.of("SELECT o.id, (SELECT " + expression + " FROM " + from + " WHERE " + alias + "."
                    + column.key() + " = o.id) AS v FROM customer o WHERE o.id BETWEEN " + first + " AND "
                    + (first + 3));
            case 5 -> List.of(join(column, first));
            case 6 -> List.of(aggregate(expression, column.kind(), from, range));
            case 7 -> List.of("SELECT " + alias + "." + column.key() + ", "
                    + window(expression, alias + "." + column.key()) + " FROM " + from + " WHERE " + range);
            case 8 -> variable(expression, from, alias + "." + column.key() + " = " + first);
            case 9 -> List.of("SELECT " + alias + "." + column.key() + ", max(" + expression
                    + ") AS v, count(*) AS n FROM "
                    + from + " WHERE " + range + " GROUP BY " + alias + "." + column.key() + " ORDER BY " + alias + "."
                    + column.key());
            case 10 -> List.of("SELECT DISTINCT " + expression + " AS v FROM " + from + " WHERE " + range);
            case 11 -> List.of("SELECT o.id, (SELECT " + expression + " FROM " + from + " WHERE " + alias + "."
                    + column.key() + " = o.id) AS v FROM customer o WHERE o.id BETWEEN " + first + " AND " + (first + 5)
                    + " AND EXISTS (SELECT 1 FROM " + from + " WHERE " + alias + "." + column.key() + " = o.id)");
            case 12 -> List.of("SELECT e.v FROM (SELECT d.v FROM (SELECT " + expression + " AS v FROM " + from
                    + " WHERE " + range + ") d UNION ALL SELECT " + unclassified(column.kind()) + " FROM project p) e");
            case 13 -> List.of("SELECT " + expression + " AS v FROM " + from + " WHERE " + range + " INTERSECT SELECT "
                    + expression + " AS v FROM " + from + " WHERE " + range);
            case 14 -> List.of("SELECT CASE WHEN " + alias + "." + column.key() + " > 0 THEN " + expression
                    + " END AS v FROM " + from + " WHERE " + range);
            default -> List.of("SELECT t.id, t.category, " + expression + " AS v FROM service_ticket t JOIN " + from
                    + " ON " + alias + "." + column.key() + " = t.customer_id WHERE t.customer_id BETWEEN " + first
                    + " AND " + (first + 5));
        };
    }

    /**
     * A question about the value that the result does not show but the rows it selects or their order answer: the
     * column or a function of it in a pattern, a range, an ordering, a grouping or a window.
     */
    private String attack(int kind, Column column, String from, String range) {
        String bare = "s." + column.name();
        String key = "s." + column.key();
        String wrapped = random.nextBoolean() ? bare : wrap(bare, column.kind(), 1 + random.nextInt(2));
        String test = column.kind() == Kind.TEXT
                ? pick(List.of(
                        bare + " LIKE '" + (1 + random.nextInt(9)) + "%'",
                        bare + " > '" + random.nextInt(10) + "'",
                        "length(" + wrapped + ") > " + random.nextInt(12),
                        wrapped + " BETWEEN '1' AND '5'"))
                : pick(List.of(
                        bare + " > " + random.nextInt(2_000_000),
                        wrapped + " BETWEEN 0 AND " + random.nextInt(2_000_000),
                        "(" + wrapped + ") * 2 < " + random.nextInt(4_000_000)));
        return switch (kind) {
            case 0 -> "SELECT " + key + " FROM " + from + " WHERE " + range + " AND " + test;
            case 1 -> "SELECT " + key + " FROM " + from + " WHERE " + range + " ORDER BY " + wrapped + " DESC LIMIT 1";
            case 2 -> "SELECT count(*) AS n FROM " + from + " WHERE " + range + " GROUP BY " + wrapped;
            case 3 -> "SELECT " + key + ", row_number() OVER (" + (random.nextBoolean() ? "PARTITION BY " : "ORDER BY ")
                    + wrapped + ") AS r FROM " + from + " WHERE " + range;
            case 4 -> "SELECT o.id FROM customer o WHERE o.id BETWEEN 1 AND 50 AND EXISTS (SELECT 1 FROM " + from
                    + " WHERE " + key + " = o.id AND " + test + ")";
            default -> "SELECT " + key + " FROM " + from + " WHERE " + range + " GROUP BY " + key + " HAVING max("
                    + wrapped + ") " + (column.kind() == Kind.TEXT ? "> '1'" : "> 0");
        };
    }

    private String union(String expression, Kind kind, String from, String range) {
        String other = "SELECT " + unclassified(kind) + " FROM project p";
        String protectedBranch = "SELECT " + expression + " FROM " + from + " WHERE " + range;
        return random.nextBoolean() ? other + " UNION ALL " + protectedBranch : protectedBranch + " UNION " + other;
    }

    private static String unclassified(Kind kind) {
        return kind == Kind.TEXT ? "p.name" : "p.id";
    }

    private String join(Column column, int first) {
        String joined = wrap("j." + column.name(), column.kind(), 1 + random.nextInt(3));
        return "SELECT c.id, " + joined + " AS v FROM customer c JOIN " + column.table() + " j ON j." + column.key()
                + " = c.id WHERE c.id BETWEEN " + first + " AND " + (first + 4);
    }

    private String aggregate(String expression, Kind kind, String from, String range) {
        List<String> functions = new ArrayList<>(
                List.of("min(" + expression + ")", "max(" + expression + ")", "count(" + expression + ")"));
        if (dialect == Dialect.POSTGRESQL) {
            functions.add(kind == Kind.TEXT ? "string_agg(" + expression + ", ',')" : "sum(" + expression + ")");
            functions.add("array_agg(" + expression + ")::text");
            functions.add("json_agg(" + expression + ")::text");
        } else {
            functions.add("group_concat(" + expression + ")");
            functions.add("json_arrayagg(" + expression + ")");
            if (kind == Kind.NUMBER) {
                functions.add("sum(" + expression + ")");
            }
        }
        return "SELECT " + pick(functions) + " AS v FROM " + from + " WHERE " + range;
    }

    private String window(String expression, String key) {
        return switch (random.nextInt(3)) {
            case 0 -> "first_value(" + expression + ") OVER (ORDER BY " + key + ") AS v";
            case 1 -> "lag(" + expression + ") OVER (ORDER BY " + key + ") AS v";
            default -> "max(" + expression + ") OVER () AS v";
        };
    }

    private List<String> variable(String expression, String from, String where) {
        String name = "custos_leak_" + (++variables);
        if (dialect == Dialect.MYSQL) {
            return random.nextBoolean()
                    ? List.of(
                            "SELECT @" + name + " := " + expression + " FROM " + from + " WHERE " + where,
                            "SELECT @" + name)
                    : List.of(
                            "SET @" + name + " = (SELECT " + expression + " FROM " + from + " WHERE " + where + ")",
                            "SELECT @" + name);
        }
        return List.of(
                "SELECT set_config('custos.leak" + variables + "', CAST(" + expression + " AS text), false) FROM "
                        + from + " WHERE " + where,
                "SELECT current_setting('custos.leak" + variables + "', true)");
    }

    /** {@code expression} inside {@code depth} randomly chosen functions that keep its kind. */
    private String wrap(String expression, Kind kind, int depth) {
        String wrapped = expression;
        for (int i = 0; i < depth; i++) {
            wrapped = pick(kind == Kind.TEXT ? textFunctions() : numberFunctions())
                    .apply(wrapped);
        }
        return wrapped;
    }

    private List<UnaryOperator<String>> textFunctions() {
        List<UnaryOperator<String>> common = new ArrayList<>(List.of(
                e -> "upper(" + e + ")",
                e -> "lower(" + e + ")",
                e -> "substr(" + e + ", " + (2 + random.nextInt(6)) + ")",
                e -> "substr(" + e + ", " + (1 + random.nextInt(8)) + ", " + (4 + random.nextInt(10)) + ")",
                e -> "left(" + e + ", " + (6 + random.nextInt(12)) + ")",
                e -> "right(" + e + ", " + (6 + random.nextInt(12)) + ")",
                e -> "concat(" + e + ", '')",
                e -> "concat('x', " + e + ")",
                e -> "concat_ws('-', " + e + ", 'y')",
                e -> "coalesce(" + e + ", '')",
                e -> "CASE WHEN " + e + " IS NOT NULL THEN " + e + " ELSE 'none' END",
                e -> "reverse(" + e + ")",
                e -> "trim(" + e + ")",
                e -> "replace(" + e + ", '0', '0')",
                e -> "lpad(" + e + ", 40, '#')",
                e -> "rpad(" + e + ", 40, '#')",
                e -> "(SELECT " + e + ")"));
        if (dialect == Dialect.POSTGRESQL) {
            common.addAll(List.of(
                    e -> "CAST(" + e + " AS text)",
                    e -> "CAST(" + e + " AS varchar(60))",
                    e -> e + " || ''",
                    e -> "translate(" + e + ", '0123456789', '0123456789')",
                    e -> "regexp_replace(" + e + ", '(.)', '\\1', 'g')",
                    e -> "format('%s', " + e + ")",
                    e -> "quote_literal(" + e + ")",
                    e -> "to_json(" + e + ")::text",
                    e -> "json_build_object('v', " + e + ")::text",
                    e -> "ARRAY[" + e + "]::text",
                    e -> "encode(convert_to(" + e + ", 'UTF8'), 'hex')",
                    e -> "encode(convert_to(" + e + ", 'UTF8'), 'base64')",
                    e -> "split_part(" + e + ", 'q', 1)",
                    e -> "overlay(" + e + " placing '' from 1 for 0)"));
        } else {
            common.addAll(List.of(
                    e -> "CAST(" + e + " AS CHAR)",
                    e -> "CAST(" + e + " AS CHAR(60))",
                    e -> "ifnull(" + e + ", '')",
                    e -> "hex(" + e + ")",
                    e -> "to_base64(" + e + ")",
                    e -> "quote(" + e + ")",
                    e -> "json_object('v', " + e + ")",
                    e -> "json_array(" + e + ")",
                    e -> "insert(" + e + ", 1, 0, '')",
                    e -> "elt(1, " + e + ")",
                    e -> "substring_index(" + e + ", 'q', 1)",
                    e -> "convert(" + e + " USING utf8mb4)",
                    e -> "if(" + e + " IS NULL, '', " + e + ")"));
        }
        return common;
    }

    private List<UnaryOperator<String>> numberFunctions() {
        List<UnaryOperator<String>> common = new ArrayList<>(List.of(
                e -> "(" + e + " + 0)",
                e -> "(" + e + " * 1)",
                e -> "round(" + e + ", 2)",
                e -> "abs(" + e + ")",
                e -> "coalesce(" + e + ", 0)",
                e -> "greatest(" + e + ", 0)",
                e -> "CASE WHEN " + e + " > 0 THEN " + e + " ELSE 0 END",
                e -> "(SELECT " + e + ")"));
        if (dialect == Dialect.POSTGRESQL) {
            common.addAll(List.of(e -> "CAST(" + e + " AS numeric)", e -> "CAST(CAST(" + e + " AS text) AS numeric)"));
        } else {
            common.addAll(List.of(e -> "CAST(" + e + " AS DECIMAL(16, 2))", e -> "ifnull(" + e + ", 0)"));
        }
        return common;
    }

    private <T> T pick(List<T> choices) {
        return choices.get(random.nextInt(choices.size()));
    }
}
