package io.custos.policy;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.Node;

/** The problems found in one policy source so far, each pointing at the node it is about. */
final class Problems {
    private final String source;
    private final List<Problem> problems = new ArrayList<>();

    Problems(String source) {
        this.source = requireNonNull(source, "source is null");
    }

    void add(Node node, String message) {
        add(node.getStartMark(), message);
    }

    void add(Optional<Mark> mark, String message) {
        if (mark.isEmpty()) {
            problems.add(Problem.unpositioned(source, message));
            return;
        }
        // snakeyaml counts from 0; editors and compilers count from 1.
        problems.add(new Problem(source, mark.get().getLine() + 1, mark.get().getColumn() + 1, message));
    }

    void add(int line, int column, String message) {
        problems.add(new Problem(source, line, column, message));
    }

    void addUnpositioned(String message) {
        problems.add(Problem.unpositioned(source, message));
    }

    boolean isEmpty() {
        return problems.isEmpty();
    }

    /** The problems in file order; problems without a position first. */
    List<Problem> sorted() {
        return problems.stream()
                .sorted(Comparator.comparingInt(Problem::line).thenComparingInt(Problem::column))
                .toList();
    }

    /** The line of a node, 1-based, for messages such as "first at line 12". */
    static int line(Node node) {
        return node.getStartMark().map(mark -> mark.getLine() + 1).orElse(0);
    }
}
