package io.custos.policy;

import static java.util.Objects.requireNonNull;

/** The classification of one column. Names are stored as the database folds them (lower case for PostgreSQL). */
public record ColumnRule(String schema, String table, String column, int level, Mask mask, Filter filter) {
    public ColumnRule {
        requireNonNull(schema, "schema is null");
        requireNonNull(table, "table is null");
        requireNonNull(column, "column is null");
        requireNonNull(mask, "mask is null");
        requireNonNull(filter, "filter is null");
    }
}
