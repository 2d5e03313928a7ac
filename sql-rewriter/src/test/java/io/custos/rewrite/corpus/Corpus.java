package io.custos.rewrite.corpus;

import static java.util.Objects.requireNonNull;

import io.custos.rewrite.corpus.CorpusCase.Expected;
import io.custos.rewrite.corpus.CorpusCase.MaskedOutput;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Loads a corpus file. A file holds {@code cases:}, a list of statements; each names the statement ({@code sql}) and,
 * under each demo role's name, what the gate does with it for that role:
 *
 * <pre>
 * cases:
 *   - sql: SELECT id, name, mobile FROM customer ORDER BY id LIMIT 5
 *     note: classified columns in the select list
 *     it_engineer: pass
 *     staff: pass
 *     contractor: {masked: {name: customer.name, mobile: customer.mobile}}
 *     others: pass
 * </pre>
 *
 * <p>A decision is {@code pass}, {@code {masked: {OUTPUT: SOURCE, …}}} (rewritten) or {@code {refused: RULE}} with an
 * optional {@code message:} (a part of the message the client sees). {@code others} holds the decision of every role
 * not named; a role neither named nor covered by {@code others} has no case for the statement. A rewrite whose
 * result has no masked output (an {@code EXPLAIN}, a {@code PREPARE}) gives {@code masked: {}} and the {@code sources}. In {@code masked}, OUTPUT is the output's label or its position from 1, and SOURCE either the column
 * whose mask the value gets ({@code customer.mobile}) or {@code computed from customer.name, …} for a value computed
 * from protected columns, which comes back NULL; {@code sources:} beside {@code masked} lists the masked source
 * columns the gate reports when they are more than those named (a set operation takes the mask of its highest-level
 * branch). Optional keys of a statement: {@code params} (values for its placeholders), {@code sql_mode} (MySQL flags
 * set in the session first), {@code note}, and {@code not_end_to_end} (why it runs against the rewriter only).
 *
 * <p>Beside {@code cases:} a file may hold {@code views:}, views the cases read, each with its {@code sql} (the CREATE
 * VIEW statement, every relation qualified by its schema, as the database prints a view's definition) and its {@code
 * columns} with their types as the server's catalog shows them; and {@code classification:}, entries added to the demo
 * policy's classification (rules for view columns, which win over what the view derives from its sources). The
 * end-to-end run creates the views on the database before it starts its gateway, and drops them after; the rewriter run
 * puts them in its catalog.
 */
public final class Corpus {
    public static final List<String> ROLES = List.of("it_engineer", "info_clerk", "staff", "contractor");

    public static final String POSTGRESQL = "postgresql.yaml";
    public static final String MYSQL = "mysql.yaml";

    private static final Set<String> FILE_KEYS = Set.of("cases", "views", "classification");
    private static final Set<String> VIEW_KEYS = Set.of("sql", "columns");
    private static final Pattern CREATE_VIEW =
            Pattern.compile("CREATE VIEW (\\w+) AS (.+)", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Set<String> STATEMENT_KEYS =
            Set.of("sql", "note", "params", "sql_mode", "not_end_to_end", "others");
    private static final Set<String> DECISION_KEYS = Set.of("masked", "sources", "refused", "message");
    private static final Pattern COLUMN = Pattern.compile("[a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*");
    private static final Pattern COMPUTED = Pattern.compile("computed from (.+)");

    private Corpus() {}

    /** The cases of one corpus file ({@link #POSTGRESQL} or {@link #MYSQL}), in file order. */
    public static List<CorpusCase> load(String file) {
        return parse(file, read(file));
    }

    /**
     * A view the cases of a corpus file read.
     *
     * @param name the view's name, in the schema the cases run in
     * @param sql the statement that creates it
     * @param definition its query, as the catalog holds it
     * @param columns its columns' names and types, in order
     */
    public record View(String name, String sql, String definition, Map<String, String> columns) {
        public View {
            requireNonNull(name, "name is null");
            requireNonNull(sql, "sql is null");
            requireNonNull(definition, "definition is null");
            columns = Collections.unmodifiableMap(new LinkedHashMap<>(columns));
        }
    }

    /** The views a corpus file's cases read, in the order they are created. */
    public static List<View> views(String file) {
        Map<?, ?> root = root(file, read(file));
        if (root.get("views") == null) {
            return List.of();
        }
        if (!(root.get("views") instanceof List<?> views)) {
            throw new IllegalArgumentException(file + ": 'views' must be a list");
        }
        List<View> parsed = new ArrayList<>();
        for (Object node : views) {
            if (!(node instanceof Map<?, ?> view)
                    || !(view.get("sql") instanceof String sql)
                    || !(view.get("columns") instanceof Map<?, ?> columns)
                    || !VIEW_KEYS.containsAll(view.keySet())) {
                throw new IllegalArgumentException(file + ": a view needs 'sql' and 'columns' and nothing else");
            }
            Matcher create = CREATE_VIEW.matcher(sql.strip());
            if (!create.matches()) {
                throw new IllegalArgumentException(file + ": expected CREATE VIEW name AS query: " + sql);
            }
            Map<String, String> types = new LinkedHashMap<>();
            columns.forEach((column, type) -> types.put(String.valueOf(column), String.valueOf(type)));
            parsed.add(new View(create.group(1), sql.strip(), create.group(2), types));
        }
        return List.copyOf(parsed);
    }

    /**
     * The classification entries a corpus file adds to the demo policy, as items of its {@code classification:} list
     * (each line indented by two spaces, as the demo policy's are); empty for none.
     */
    public static String classification(String file) {
        Object classification = root(file, read(file)).get("classification");
        if (classification == null) {
            return "";
        }
        return String.valueOf(classification)
                .lines()
                .map(line -> line.isBlank() ? "" : "  " + line)
                .collect(Collectors.joining("\n", "", "\n"));
    }

    private static String read(String file) {
        String resource = "/io/custos/rewrite/corpus/" + file;
        try (InputStream in = requireNonNull(Corpus.class.getResourceAsStream(resource), resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<?, ?> root(String file, String text) {
        Object document = new Load(LoadSettings.builder().setLabel(file).build()).loadFromString(text);
        if (!(document instanceof Map<?, ?> root) || !(root.get("cases") instanceof List<?>)) {
            throw new IllegalArgumentException(file + ": expected a mapping with a list 'cases'");
        }
        for (Object key : root.keySet()) {
            if (!FILE_KEYS.contains(String.valueOf(key))) {
                throw new IllegalArgumentException(file + ": unknown key '" + key + "'");
            }
        }
        return root;
    }

    static List<CorpusCase> parse(String file, String text) {
        List<?> statements = (List<?>) root(file, text).get("cases");
        List<CorpusCase> cases = new ArrayList<>();
        for (int index = 0; index < statements.size(); index++) {
            cases.addAll(statement(file, index + 1, statements.get(index)));
        }
        return List.copyOf(cases);
    }

    private static List<CorpusCase> statement(String file, int number, Object node) {
        String where = file + " case " + number;
        if (!(node instanceof Map<?, ?> map) || !(map.get("sql") instanceof String sql)) {
            throw new IllegalArgumentException(where + ": expected a mapping with 'sql'");
        }
        where += " (" + sql.strip().split("\n")[0] + ")";
        for (Object key : map.keySet()) {
            if (!STATEMENT_KEYS.contains(String.valueOf(key)) && !ROLES.contains(String.valueOf(key))) {
                throw new IllegalArgumentException(where + ": unknown key '" + key + "'");
            }
        }
        String note = map.get("note") == null ? "" : String.valueOf(map.get("note"));
        List<Object> params = list(map.get("params"), where, "params");
        List<String> sqlMode = list(map.get("sql_mode"), where, "sql_mode").stream()
                .map(String::valueOf)
                .toList();
        Optional<String> notEndToEnd =
                Optional.ofNullable(map.get("not_end_to_end")).map(String::valueOf);
        if (ROLES.stream().noneMatch(map::containsKey) && !map.containsKey("others")) {
            throw new IllegalArgumentException(where + ": no decision for any role");
        }
        List<CorpusCase> cases = new ArrayList<>();
        for (String role : ROLES) {
            Object decision = map.containsKey(role) ? map.get(role) : map.get("others");
            if (decision == null) {
                continue;
            }
            cases.add(decision(
                    file, number, sql.strip(), role, decision, params, sqlMode, note, notEndToEnd, where + " " + role));
        }
        return cases;
    }

    private static CorpusCase decision(
            String file,
            int number,
            String sql,
            String role,
            Object decision,
            List<Object> params,
            List<String> sqlMode,
            String note,
            Optional<String> notEndToEnd,
            String where) {
        if ("pass".equals(decision)) {
            return new CorpusCase(
                    file,
                    number,
                    sql,
                    role,
                    Expected.PASS,
                    Optional.empty(),
                    Optional.empty(),
                    List.of(),
                    Set.of(),
                    params,
                    sqlMode,
                    note,
                    notEndToEnd);
        }
        if (!(decision instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException(where + ": expected pass, {masked: …} or {refused: …}");
        }
        for (Object key : map.keySet()) {
            if (!DECISION_KEYS.contains(String.valueOf(key))) {
                throw new IllegalArgumentException(where + ": unknown key '" + key + "'");
            }
        }
        if (map.get("refused") instanceof String rule) {
            return new CorpusCase(
                    file,
                    number,
                    sql,
                    role,
                    Expected.REFUSE,
                    Optional.of(rule),
                    Optional.ofNullable(map.get("message")).map(String::valueOf),
                    List.of(),
                    Set.of(),
                    params,
                    sqlMode,
                    note,
                    notEndToEnd);
        }
        if (!(map.get("masked") instanceof Map<?, ?> outputs) || (outputs.isEmpty() && map.get("sources") == null)) {
            throw new IllegalArgumentException(
                    where + ": expected 'refused: RULE', or 'masked' with an output or with 'sources'");
        }
        List<MaskedOutput> masked = new ArrayList<>();
        Set<String> sources = new LinkedHashSet<>();
        for (Map.Entry<?, ?> output : outputs.entrySet()) {
            int position = output.getKey() instanceof Integer index ? index : 0;
            Optional<String> label = position > 0 ? Optional.empty() : Optional.of(String.valueOf(output.getKey()));
            String source = String.valueOf(output.getValue()).strip();
            Matcher computed = COMPUTED.matcher(source);
            if (computed.matches()) {
                sources.addAll(columns(computed.group(1), where));
                masked.add(new MaskedOutput(label, position, Optional.empty()));
            } else {
                sources.addAll(columns(source, where));
                masked.add(new MaskedOutput(label, position, Optional.of(source)));
            }
        }
        for (Object source : list(map.get("sources"), where, "sources")) {
            sources.addAll(columns(String.valueOf(source), where));
        }
        return new CorpusCase(
                file,
                number,
                sql,
                role,
                Expected.REWRITE,
                Optional.empty(),
                Optional.empty(),
                masked,
                sources,
                params,
                sqlMode,
                note,
                notEndToEnd);
    }

    private static List<String> columns(String text, String where) {
        List<String> columns = new ArrayList<>();
        for (String part : text.split(",")) {
            String column = part.strip();
            if (!COLUMN.matcher(column).matches()) {
                throw new IllegalArgumentException(
                        where + ": '" + column + "' is not a table.column nor 'computed from table.column, …'");
            }
            columns.add(column);
        }
        return columns;
    }

    private static List<Object> list(Object value, String where, String key) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof List<?> list) {
            return new ArrayList<>(list);
        }
        throw new IllegalArgumentException(where + ": '" + key + "' must be a list");
    }
}
