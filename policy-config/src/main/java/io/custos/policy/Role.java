package io.custos.policy;

import static java.util.Objects.requireNonNull;

import java.util.Set;

/**
 * A role: the highest level its users may read unmasked, the statement classes they may run, whether they may import
 * or export, and whether they must connect over TLS.
 */
public record Role(
        String name, int clearance, Set<StatementClass> statements, boolean importExport, boolean requireTls) {
    public Role {
        requireNonNull(name, "name is null");
        statements = Set.copyOf(requireNonNull(statements, "statements is null"));
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
}
