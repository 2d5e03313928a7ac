package io.custos.policy;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Typed reads of composed YAML nodes. Each read reports a problem and returns empty when the node has the wrong shape,
 * so the caller carries on and the file is checked to the end.
 *
 * <p>Types are judged from the text, not from the resolver's tags: an integer is a plain (unquoted) run of digits, a
 * boolean a plain {@code true} or {@code false}. A quoted {@code "5432"} is therefore a string, as a DBA would expect.
 */
final class Nodes {
    private static final Pattern INTEGER = Pattern.compile("[-+]?[0-9]+");
    private static final Set<String> NULLS = Set.of("", "~", "null", "Null", "NULL");
    private static final int MAX_QUOTED_CHARS = 40;

    private Nodes() {}

    /** A plain empty value, {@code ~} or {@code null}: YAML's null. */
    static boolean isNull(Node node) {
        return node instanceof ScalarNode scalar && scalar.isPlain() && NULLS.contains(scalar.getValue());
    }

    /** How a node reads in a message: {@code 'abc'}, {@code a list}, {@code nothing}. */
    static String describe(Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        if (isNull(node)) {
            return "nothing";
        }
        if (node instanceof ScalarNode scalar) {
            return quote(scalar.getValue());
        }
        return "a " + node.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    /** A value in single quotes, shortened when long. */
    static String quote(String value) {
        if (value.length() <= MAX_QUOTED_CHARS) {
            return "'" + value + "'";
        }
        return "'" + value.substring(0, MAX_QUOTED_CHARS) + "…'";
    }

    static Optional<String> string(Node node, String label, Problems problems) {
        if (node instanceof ScalarNode scalar && !isNull(node)) {
            return Optional.of(scalar.getValue());
        }
        problems.add(node, "expected a text for " + label + ", found " + describe(node));
        return Optional.empty();
    }

    /** A string that must not be blank: names, hosts, paths. */
    static Optional<String> name(Node node, String label, Problems problems) {
        Optional<String> value = string(node, label, problems);
        if (value.isPresent() && value.get().isBlank()) {
            problems.add(node, "expected a text for " + label + ", found an empty one");
            return Optional.empty();
        }
        return value;
    }

    static Optional<Integer> integer(Node node, String label, Problems problems) {
        if (node instanceof ScalarNode scalar
                && scalar.isPlain()
                && INTEGER.matcher(scalar.getValue()).matches()) {
            try {
                return Optional.of(Integer.parseInt(scalar.getValue()));
            } catch (NumberFormatException e) {
                problems.add(node, "integer " + scalar.getValue() + " for " + label + " is too large");
                return Optional.empty();
            }
        }
        problems.add(node, "expected an integer for " + label + ", found " + describe(node));
        return Optional.empty();
    }

    static Optional<Boolean> bool(Node node, String label, Problems problems) {
        if (node instanceof ScalarNode scalar && scalar.isPlain()) {
            String value = scalar.getValue().toLowerCase(Locale.ROOT);
            if (value.equals("true")) {
                return Optional.of(true);
            }
            if (value.equals("false")) {
                return Optional.of(false);
            }
        }
        problems.add(node, "expected true or false for " + label + ", found " + describe(node));
        return Optional.empty();
    }

    static Optional<List<Node>> sequence(Node node, String label, Problems problems) {
        if (node instanceof SequenceNode sequence) {
            return Optional.of(sequence.getValue());
        }
        problems.add(node, "expected a list for " + label + ", found " + describe(node));
        return Optional.empty();
    }

    static Optional<MappingNode> mapping(Node node, String label, Problems problems) {
        if (node instanceof MappingNode mapping) {
            return Optional.of(mapping);
        }
        problems.add(node, "expected a mapping for " + label + ", found " + describe(node));
        return Optional.empty();
    }
}
