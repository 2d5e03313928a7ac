package io.custos.rewrite.analysis;

import io.custos.rewrite.Catalog;
import io.custos.rewrite.CatalogTable;
import io.custos.rewrite.MySqlMode;
import io.custos.rewrite.mysql.MySqlLexer;
import io.custos.rewrite.postgres.LexedStatement;
import io.custos.rewrite.postgres.PostgresLexer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.calcite.jdbc.CalciteSchema;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql.validate.SqlValidator;

/**
 * The columns of views, traced into their definitions, for one catalog snapshot in one dialect.
 *
 * <p>A view's definition is analysed once per snapshot, on first use, like a query: parsed, validated against the
 * same schema, and each output traced by {@link Lineage} to the columns it derives from. Those may be columns of other
 * views, which the caller expands in turn ({@link #sources}); materialized views are treated the same way, since the
 * copy they hold is the result of their definition. A view whose definition is withheld from the gateway's account,
 * cannot be parsed or validated, or whose outputs cannot be traced, is remembered as failed, and tracing a column of
 * it throws a {@link LineageException} naming the view, so the statement fails closed.
 *
 * <p>The definitions come from the catalog with every relation qualified (PostgreSQL's {@code pg_get_viewdef} read
 * with an empty search_path; MySQL stores them qualified), so they resolve without a search path of their own.
 *
 * <p>Thread safety: safe for concurrent use; two threads may analyse the same view at once, with the same result.
 */
final class ViewLineage {
    /** Views over views deeper than this are not followed: the statement is unanalysable. */
    static final int MAX_VIEW_DEPTH = 32;

    private final Catalog catalog;
    private final CalciteSchema root;
    private final Dialect dialect;
    private final ConcurrentMap<String, Resolution> resolved = new ConcurrentHashMap<>();

    ViewLineage(Catalog catalog, CalciteSchema root, Dialect dialect) {
        this.catalog = catalog;
        this.root = root;
        this.dialect = dialect;
    }

    private sealed interface Resolution {}

    /** For each column of the view, in order, what it derives from. */
    private record Derived(List<Derivation> columns) implements Resolution {}

    /**
     * The columns a view column derives from; {@code bare} when it is a plain reference to one column in every branch
     * of the definition, so that a mask fits its values (a computed value is masked as NULL instead).
     */
    record Derivation(Set<Lineage.Source> sources, boolean bare) {}

    private record Failed(String reason) implements Resolution {}

    /** The view {@code source} is a column of, if it is one. */
    Optional<CatalogTable> view(Lineage.Source source) {
        return catalog.table(source.schema(), source.table()).filter(CatalogTable::isView);
    }

    /**
     * The columns a view column derives from directly (they may be columns of further views).
     *
     * @throws LineageException naming the view when its definition cannot be analysed
     */
    Derivation sources(CatalogTable view, String column) {
        Resolution resolution = resolved.computeIfAbsent(view.schema() + '.' + view.name(), key -> analyse(view));
        if (resolution instanceof Failed failed) {
            throw new LineageException(
                    "view " + view.schema() + "." + view.name() + " could not be analysed: " + failed.reason());
        }
        List<Derivation> columns = ((Derived) resolution).columns();
        for (int index = 0; index < view.columns().size(); index++) {
            if (sameName(view.columns().get(index).name(), column)) {
                return columns.get(index);
            }
        }
        throw new LineageException("view " + view.schema() + "." + view.name() + " has no column " + column);
    }

    private boolean sameName(String a, String b) {
        return dialect == Dialect.MYSQL ? a.equalsIgnoreCase(b) : a.equals(b);
    }

    private Resolution analyse(CatalogTable view) {
        Optional<String> definition = view.viewDefinition();
        if (definition.isEmpty()) {
            return new Failed("its definition is not visible to the gateway's database account");
        }
        List<LexedStatement> statements = dialect == Dialect.MYSQL
                ? MySqlLexer.split(definition.get(), MySqlMode.DEFAULT)
                : PostgresLexer.split(definition.get(), true);
        if (statements.size() != 1 || statements.get(0).malformed()) {
            return new Failed("its definition is not one well-formed query");
        }
        LexedStatement statement = statements.get(0);
        try {
            return derive(view, statement.text(), statement.calciteText());
        } catch (LineageException e) {
            return new Failed(e.getMessage());
        } catch (RuntimeException | StackOverflowError e) {
            return new Failed(firstLine(e.getMessage()));
        }
    }

    private Resolution derive(CatalogTable view, String text, String calciteText) {
        SqlNode parsed;
        try {
            parsed = SqlParser.create(calciteText, CalciteSetup.parser(dialect)).parseQuery();
        } catch (SqlParseException e) {
            return new Failed("its definition could not be parsed");
        }
        if (!Lineage.isQuery(parsed)) {
            return new Failed("its definition is not a query");
        }
        // Every relation of the definition is qualified; a name that is not resolves nowhere rather than guessed.
        List<String> searchPath = dialect == Dialect.MYSQL ? List.of(view.schema()) : List.of("pg_catalog");
        SqlValidator validator = CalciteSetup.validator(root, searchPath, dialect);
        SqlNode validated = validator.validate(parsed);
        Lineage lineage = dialect == Dialect.MYSQL
                ? new Lineage(validator, catalog, text, calciteText)
                : new Lineage(validator, catalog);
        int count = validator.getValidatedNodeType(validated).getFieldCount();
        if (count != view.columns().size()) {
            return new Failed("its definition has " + count + " columns where the catalog lists "
                    + view.columns().size());
        }
        List<SqlNode> leaves = lineage.leaves(validated);
        List<Derivation> columns = new ArrayList<>(count);
        for (int index = 0; index < count; index++) {
            Set<Lineage.Source> sources = new LinkedHashSet<>();
            boolean bare = true;
            for (SqlNode leaf : leaves) {
                sources.addAll(lineage.origins(leaf, index));
                bare &= leaf instanceof SqlSelect select
                        && lineage.bareColumn(lineage.outputs(select).get(index)) != null;
            }
            columns.add(new Derivation(Collections.unmodifiableSet(sources), bare));
        }
        return new Derived(List.copyOf(columns));
    }

    private static String firstLine(String message) {
        if (message == null || message.isBlank()) {
            return "its definition could not be validated";
        }
        int end = message.indexOf('\n');
        return (end < 0 ? message : message.substring(0, end)).strip();
    }
}
