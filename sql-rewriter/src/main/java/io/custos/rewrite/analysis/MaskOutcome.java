package io.custos.rewrite.analysis;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** What the masker made of one query. */
public sealed interface MaskOutcome {
    /** No output derives from a protected column: send the statement as it is. */
    record Unchanged() implements MaskOutcome {}

    /** Some outputs were masked; {@code maskedColumns} names them as {@code schema.table.column} of their sources. */
    record Rewritten(String sql, List<String> maskedColumns) implements MaskOutcome {
        public Rewritten {
            requireNonNull(sql, "sql is null");
            maskedColumns = List.copyOf(maskedColumns);
        }
    }

    /**
     * The statement uses a column above the caller's clearance where its policy forbids it (a predicate, an ordering);
     * {@code rule} names the rule for the audit trail, {@code reason} is the message for the client.
     */
    record Refused(String rule, String reason) implements MaskOutcome {
        public Refused {
            requireNonNull(rule, "rule is null");
            requireNonNull(reason, "reason is null");
        }
    }

    /** The query could not be parsed or resolved; {@code reason} says why, for the client and the audit trail. */
    record Unanalysable(String reason) implements MaskOutcome {
        public Unanalysable {
            requireNonNull(reason, "reason is null");
        }
    }
}
