package io.custos.rewrite;

import static java.util.Objects.requireNonNull;

/**
 * A column as the database's catalog describes it. {@code type} is the full declared type as the database prints it
 * (PostgreSQL {@code format_type(atttypid, atttypmod)}, for example {@code character varying(40)} or
 * {@code numeric(14,2)}); {@code textual} says whether values are character strings.
 */
public record CatalogColumn(String name, String type, boolean textual) {
    public CatalogColumn {
        requireNonNull(name, "name is null");
        requireNonNull(type, "type is null");
    }
}
