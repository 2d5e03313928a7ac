package io.custos.rewrite;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** A table or view with its columns in declaration order. */
public record CatalogTable(String schema, String name, List<CatalogColumn> columns) {
    public CatalogTable {
        requireNonNull(schema, "schema is null");
        requireNonNull(name, "name is null");
        columns = List.copyOf(columns);
    }
}
