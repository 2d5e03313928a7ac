package io.custos.rewrite;

import static java.util.Objects.requireNonNull;

import io.custos.policy.Classification;
import io.custos.policy.Role;
import java.util.List;

/**
 * Who is asking, as the gate needs to know it: the user and role, the classification in force, and the schemas that
 * unqualified names resolve against (PostgreSQL's search_path, MySQL's current database).
 */
public record Caller(
        String user, Role role, Classification classification, String policyVersion, List<String> searchPath) {
    public Caller {
        requireNonNull(user, "user is null");
        requireNonNull(role, "role is null");
        requireNonNull(classification, "classification is null");
        requireNonNull(policyVersion, "policyVersion is null");
        searchPath = List.copyOf(searchPath);
    }

    /** Whether the caller may read every classified column unmasked, so no rewrite is needed. */
    public boolean fullClearance() {
        return role.clearance() >= classification.maxLevel();
    }
}
