package io.custos.rewrite;

import io.custos.rewrite.mysql.MySqlLexer;
import io.custos.rewrite.postgres.LexedStatement;
import io.custos.rewrite.postgres.PostgresLexer;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The names each view's definition mentions, for the gate's checks that need no analysis: which statements may read a
 * table with classified columns through a view. A name counts when it could be a relation: the last part of a dotted
 * name, or the last but one (the table of {@code t.column}). A view whose definition the gateway cannot see or read
 * could show anything, and counts as reaching every table.
 */
record ViewReferences(long version, Map<String, Set<String>> names) {
    /** Marks a view whose definition is unknown: compared by identity. */
    private static final Set<String> UNKNOWN = Collections.unmodifiableSet(new HashSet<>());

    static ViewReferences of(Catalog catalog, boolean mySql) {
        Map<String, Set<String>> names = new HashMap<>();
        for (CatalogTable view : catalog.views()) {
            String name = mySql ? view.name().toLowerCase(Locale.ROOT) : view.name();
            Set<String> mentioned = view.viewDefinition()
                    .map(definition -> mentioned(definition, mySql))
                    .orElse(UNKNOWN);
            names.merge(name, mentioned, ViewReferences::union);
        }
        return new ViewReferences(catalog.version(), Map.copyOf(names));
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        if (a == UNKNOWN || b == UNKNOWN) {
            return UNKNOWN;
        }
        Set<String> both = new HashSet<>(a);
        both.addAll(b);
        return Set.copyOf(both);
    }

    private static Set<String> mentioned(String definition, boolean mySql) {
        List<LexedStatement> statements =
                mySql ? MySqlLexer.split(definition, MySqlMode.DEFAULT) : PostgresLexer.split(definition, true);
        if (statements.size() != 1 || statements.get(0).malformed()) {
            return UNKNOWN;
        }
        Set<String> mentioned = new HashSet<>();
        for (List<String> chain : statements.get(0).identifierChains()) {
            mentioned.add(chain.get(chain.size() - 1));
            if (chain.size() >= 2) {
                mentioned.add(chain.get(chain.size() - 2));
            }
        }
        return Set.copyOf(mentioned);
    }

    boolean isEmpty() {
        return names.isEmpty();
    }

    /** {@code tables} and every view that may show one of them, directly or through other views. */
    Set<String> reaching(Set<String> tables) {
        Set<String> reached = new HashSet<>(tables);
        boolean grew = true;
        while (grew) {
            grew = false;
            for (Map.Entry<String, Set<String>> view : names.entrySet()) {
                if (reached.contains(view.getKey())) {
                    continue;
                }
                Set<String> mentioned = view.getValue();
                if (mentioned == UNKNOWN || mentioned.stream().anyMatch(reached::contains)) {
                    reached.add(view.getKey());
                    grew = true;
                }
            }
        }
        return Set.copyOf(reached);
    }
}
