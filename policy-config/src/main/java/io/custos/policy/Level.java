package io.custos.policy;

import static java.util.Objects.requireNonNull;

/** One level of classification; a higher rank is more sensitive. Rank 0 means unclassified and is never declared. */
public record Level(int rank, String name) {
    public Level {
        requireNonNull(name, "name is null");
    }
}
