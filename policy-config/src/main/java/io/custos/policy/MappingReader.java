package io.custos.policy;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * One YAML mapping read like a record: only the allowed keys, each at most once. Unknown and repeated keys are
 * reported when the reader is made; missing and mistyped values when they are read.
 */
final class MappingReader {
    private final MappingNode node;
    private final String subject;
    private final Problems problems;
    private final Map<String, NodeTuple> entries;

    private MappingReader(MappingNode node, String subject, Problems problems, Map<String, NodeTuple> entries) {
        this.node = node;
        this.subject = subject;
        this.problems = problems;
        this.entries = entries;
    }

    /**
     * Reads {@code node} as a mapping with the given keys. {@code subject} names it in messages, for example
     * {@code backend 'postgresql'}. Empty (with the problem reported) when the node is not a mapping.
     */
    static Optional<MappingReader> read(Node node, String subject, List<String> allowedKeys, Problems problems) {
        requireNonNull(subject, "subject is null");
        Optional<MappingNode> mapping = Nodes.mapping(node, subject, problems);
        if (mapping.isEmpty()) {
            return Optional.empty();
        }

        Map<String, NodeTuple> entries = new LinkedHashMap<>();
        for (Map.Entry<String, NodeTuple> entry :
                entries(mapping.get(), subject, problems).entrySet()) {
            if (!allowedKeys.contains(entry.getKey())) {
                problems.add(
                        entry.getValue().getKeyNode(),
                        "unknown key " + Nodes.quote(entry.getKey()) + " in " + subject + " (allowed: "
                                + String.join(", ", allowedKeys) + ")");
                continue;
            }
            entries.put(entry.getKey(), entry.getValue());
        }
        return Optional.of(new MappingReader(mapping.get(), subject, problems, entries));
    }

    /**
     * The entries of a mapping whose keys are names (roles, columns), in file order. Keys that are not plain text and
     * repeated keys are reported and left out.
     */
    static Map<String, NodeTuple> entries(MappingNode mapping, String subject, Problems problems) {
        Map<String, NodeTuple> entries = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            Node keyNode = tuple.getKeyNode();
            if (!(keyNode instanceof ScalarNode scalar) || Nodes.isNull(keyNode)) {
                problems.add(keyNode, "expected a name as key in " + subject + ", found " + Nodes.describe(keyNode));
                continue;
            }
            String key = scalar.getValue();
            NodeTuple first = entries.putIfAbsent(key, tuple);
            if (first != null) {
                problems.add(
                        keyNode,
                        "duplicate key " + Nodes.quote(key) + " in " + subject + " (first at line "
                                + Problems.line(first.getKeyNode()) + ")");
            }
        }
        return entries;
    }

    MappingNode node() {
        return node;
    }

    Set<String> keys() {
        return entries.keySet();
    }

    boolean has(String key) {
        return entries.containsKey(key);
    }

    Optional<Node> optional(String key) {
        return Optional.ofNullable(entries.get(key)).map(NodeTuple::getValueNode);
    }

    Optional<Node> required(String key) {
        Optional<Node> value = optional(key);
        if (value.isEmpty()) {
            problems.add(node, "missing key " + Nodes.quote(key) + " in " + subject);
        }
        return value;
    }

    /** The key node of an entry, for problems about the entry as a whole. */
    Optional<Node> keyNode(String key) {
        return Optional.ofNullable(entries.get(key)).map(NodeTuple::getKeyNode);
    }

    Optional<String> requiredName(String key) {
        return required(key).flatMap(value -> Nodes.name(value, label(key), problems));
    }

    Optional<String> optionalName(String key) {
        return optional(key).flatMap(value -> Nodes.name(value, label(key), problems));
    }

    Optional<String> optionalString(String key) {
        return optional(key).flatMap(value -> Nodes.string(value, label(key), problems));
    }

    Optional<Integer> requiredInteger(String key) {
        return required(key).flatMap(value -> Nodes.integer(value, label(key), problems));
    }

    Optional<Integer> optionalInteger(String key) {
        return optional(key).flatMap(value -> Nodes.integer(value, label(key), problems));
    }

    Optional<Boolean> optionalBoolean(String key) {
        return optional(key).flatMap(value -> Nodes.bool(value, label(key), problems));
    }

    /** How a key of this mapping reads in messages: {@code 'port' in backend 'postgresql'}. */
    String label(String key) {
        return Nodes.quote(key) + " in " + subject;
    }
}
