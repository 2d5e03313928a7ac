package io.custos.rewrite;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/**
 * A table or view with its columns in declaration order. A view (materialized or not) carries its definition: the
 * query as the database prints it, with every relation qualified by its schema; an empty definition means the
 * database would not show it to the gateway's account.
 */
public record CatalogTable(String schema, String name, List<CatalogColumn> columns, Kind kind, String definition) {
    /** What a relation of the catalog is. */
    public enum Kind {
        TABLE,
        VIEW,
        /** PostgreSQL: a stored copy of its query's result, refreshed on demand; its columns derive from the query. */
        MATERIALIZED_VIEW
    }

    public CatalogTable {
        requireNonNull(schema, "schema is null");
        requireNonNull(name, "name is null");
        columns = List.copyOf(columns);
        requireNonNull(kind, "kind is null");
        requireNonNull(definition, "definition is null");
    }

    /** A table. */
    public CatalogTable(String schema, String name, List<CatalogColumn> columns) {
        this(schema, name, columns, Kind.TABLE, "");
    }

    public boolean isView() {
        return kind != Kind.TABLE;
    }

    /** The view's definition, or empty for a table and for a view whose definition the database withheld. */
    public Optional<String> viewDefinition() {
        return isView() && !definition.isBlank() ? Optional.of(definition) : Optional.empty();
    }
}
