package io.custos.policy;

import static java.util.Objects.requireNonNull;
import static java.util.stream.Collectors.joining;

import java.util.List;

/** A policy file that cannot be loaded. Carries every problem found, not only the first. */
public final class PolicyException extends RuntimeException {
    private final List<Problem> problems;

    public PolicyException(List<Problem> problems) {
        super(render(problems));
        this.problems = List.copyOf(problems);
    }

    /** The problems in file order. Never empty. */
    public List<Problem> problems() {
        return problems;
    }

    private static String render(List<Problem> problems) {
        requireNonNull(problems, "problems is null");
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("problems is empty");
        }
        return problems.stream().map(Problem::format).collect(joining("\n"));
    }
}
