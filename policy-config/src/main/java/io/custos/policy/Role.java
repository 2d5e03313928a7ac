package io.custos.policy;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A role: the highest level its users may read unmasked, the statement classes they may run, whether they may import
 * or export, whether they must connect over TLS, and the routines defined in the database that its users may call
 * below full clearance (names in lower case).
 */
public record Role(
        String name,
        int clearance,
        Set<StatementClass> statements,
        boolean importExport,
        boolean requireTls,
        Set<String> routines) {
    public Role {
        requireNonNull(name, "name is null");
        statements = Set.copyOf(requireNonNull(statements, "statements is null"));
        routines = requireNonNull(routines, "routines is null").stream()
                .map(routine -> routine.toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
    }

    public Role(String name, int clearance, Set<StatementClass> statements, boolean importExport, boolean requireTls) {
        this(name, clearance, statements, importExport, requireTls, Set.of());
    }

    public Role(String name, int clearance, Set<StatementClass> statements, boolean importExport) {
        this(name, clearance, statements, importExport, false);
    }

    public boolean may(StatementClass statementClass) {
        if (statementClass == StatementClass.IMPORT_EXPORT) {
            return importExport;
        }
        return statements.contains(statementClass);
    }

    /** Whether the policy lists the routine {@code name} (a function or procedure, unqualified) for this role. */
    public boolean mayCall(String name) {
        return routines.contains(name.toLowerCase(Locale.ROOT));
    }
}
