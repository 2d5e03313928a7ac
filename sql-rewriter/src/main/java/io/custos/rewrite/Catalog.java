package io.custos.rewrite;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A snapshot of the backend's tables and columns. Names are as the database stores them (PostgreSQL folds unquoted
 * names to lower case). {@code version} changes whenever the snapshot's content does, so analysis caches can key on it.
 */
public final class Catalog {
    private final Map<String, CatalogTable> tables;
    private final long version;

    private Catalog(Map<String, CatalogTable> tables, long version) {
        this.tables = tables;
        this.version = version;
    }

    public static Catalog of(List<CatalogTable> tables, long version) {
        return new Catalog(
                tables.stream()
                        .collect(Collectors.toUnmodifiableMap(t -> key(t.schema(), t.name()), Function.identity())),
                version);
    }

    public Optional<CatalogTable> table(String schema, String name) {
        return Optional.ofNullable(tables.get(key(schema, name)));
    }

    public Collection<CatalogTable> tables() {
        return tables.values();
    }

    public long version() {
        return version;
    }

    private static String key(String schema, String name) {
        return schema + '\u0000' + name;
    }
}
