package io.custos.policy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The classified columns, looked up by schema, table and column. */
public final class Classification {
    private final Map<Key, ColumnRule> rules;
    private final Set<TableKey> tables;
    private final int maxLevel;

    public Classification(List<ColumnRule> rules) {
        this.rules = rules.stream().collect(Collectors.toUnmodifiableMap(Classification::key, Function.identity()));
        this.tables = rules.stream()
                .map(rule -> new TableKey(rule.schema(), rule.table()))
                .collect(Collectors.toUnmodifiableSet());
        this.maxLevel = rules.stream().mapToInt(ColumnRule::level).max().orElse(0);
    }

    public Optional<ColumnRule> rule(String schema, String table, String column) {
        return Optional.ofNullable(rules.get(new Key(schema, table, column)));
    }

    public boolean classifies(String schema, String table) {
        return tables.contains(new TableKey(schema, table));
    }

    /** Every table with at least one classified column. */
    public Set<TableKey> tables() {
        return tables;
    }

    public List<ColumnRule> rules() {
        return List.copyOf(rules.values());
    }

    /** The highest level of any classified column; a caller with this clearance sees everything. */
    public int maxLevel() {
        return maxLevel;
    }

    private static Key key(ColumnRule rule) {
        return new Key(rule.schema(), rule.table(), rule.column());
    }

    private record Key(String schema, String table, String column) {}

    /** A table that holds classified columns. */
    public record TableKey(String schema, String table) {}
}
