package io.custos.policy;

import static java.util.Objects.requireNonNull;

/**
 * How a value above the caller's clearance is replaced. The database computes the mask (the rewrite wraps the output
 * expression), so a mask is only a description here; {@code sql-rewriter} renders it as SQL for the column's type.
 */
public sealed interface Mask {
    /** The name used in the policy file. */
    String kind();

    /** Every character replaced by one constant text. */
    record Full(String text) implements Mask {
        public Full {
            requireNonNull(text, "text is null");
        }

        @Override
        public String kind() {
            return "full";
        }
    }

    /** The first {@code keepFirst} and last {@code keepLast} characters kept, the rest filled with {@code fill}. */
    record Partial(int keepFirst, int keepLast, String fill) implements Mask {
        public Partial {
            requireNonNull(fill, "fill is null");
        }

        @Override
        public String kind() {
            return "partial";
        }
    }

    /** The first character of the local part and the whole domain kept: {@code a***@example.com}. */
    record Email() implements Mask {
        @Override
        public String kind() {
            return "email";
        }
    }

    /** Hex SHA-256 of the value: equal values stay equal, so joins and counts on the masked output still work. */
    record Hash() implements Mask {
        @Override
        public String kind() {
            return "hash";
        }
    }

    /** SQL NULL of the column's own type. */
    record Null() implements Mask {
        @Override
        public String kind() {
            return "null";
        }
    }
}
