package io.custos.rewrite;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A snapshot of the backend's tables and columns. Names are as the database stores them (PostgreSQL folds unquoted
 * names to lower case). {@code version} changes whenever the snapshot's content does, so analysis caches can key on it.
 */
public final class Catalog {
    private final Map<String, CatalogTable> tables;
    private final Set<String> routines;
    private final Set<String> views;
    private final long version;
    private final String database;
    private final boolean caseSensitiveTableNames;

    private Catalog(
            Map<String, CatalogTable> tables,
            Set<String> routines,
            Set<String> views,
            long version,
            String database,
            boolean caseSensitiveTableNames) {
        this.tables = tables;
        this.routines = routines;
        this.views = views;
        this.version = version;
        this.database = database;
        this.caseSensitiveTableNames = caseSensitiveTableNames;
    }

    /**
     * This catalog, naming its database and saying how the server compares table names.
     *
     * @param database PostgreSQL: the database the gateway connects to, which a three-part name {@code
     *     db.schema.table} may start with; empty for none
     * @param caseSensitiveTableNames MySQL: whether the server compares database and table names with case ({@code
     *     lower_case_table_names = 0}), so that two tables may differ in case alone
     */
    public Catalog withNames(String database, boolean caseSensitiveTableNames) {
        return new Catalog(tables, routines, views, version, database, caseSensitiveTableNames);
    }

    /** The database a PostgreSQL three-part name may start with; empty when not known. */
    public String database() {
        return database;
    }

    /** Whether MySQL compares table and database names with case ({@code lower_case_table_names = 0}). */
    public boolean caseSensitiveTableNames() {
        return caseSensitiveTableNames;
    }

    public static Catalog of(List<CatalogTable> tables, long version) {
        return of(tables, Set.of(), version);
    }

    /**
     * @param routines the names of functions and procedures that are not the database's own (user-defined ones,
     *     extensions'), as the database folds them, without schema
     */
    public static Catalog of(List<CatalogTable> tables, Set<String> routines, long version) {
        return of(tables, routines, Set.of(), version);
    }

    /**
     * @param views the names of views (materialized ones included), as the database folds them, without schema
     */
    public static Catalog of(List<CatalogTable> tables, Set<String> routines, Set<String> views, long version) {
        Set<String> allViews = new TreeSet<>(views);
        tables.stream().filter(CatalogTable::isView).forEach(table -> allViews.add(table.name()));
        return new Catalog(
                tables.stream()
                        .collect(Collectors.toUnmodifiableMap(t -> key(t.schema(), t.name()), Function.identity())),
                Set.copyOf(routines),
                Set.copyOf(allViews),
                version,
                "",
                false);
    }

    /** Whether {@code name} is a view (materialized or not) in some schema, as the database folds it. */
    public boolean definesView(String name) {
        return views.contains(name);
    }

    /** The views of the catalog, with their definitions. */
    public List<CatalogTable> views() {
        return tables.values().stream().filter(CatalogTable::isView).toList();
    }

    /**
     * Whether {@code name} is a function or procedure someone defined in the database: its body runs with the rights
     * of the gateway's account and reads what it likes, so no analysis of the calling statement can tell what it
     * returns.
     */
    public boolean definesRoutine(String name) {
        return routines.contains(name);
    }

    public Set<String> routines() {
        return routines;
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
