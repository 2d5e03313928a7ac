package io.custos.rewrite.analysis;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One case of {@code mask-cases.txt}. The file is a list of blocks:
 *
 * <pre>
 * -- case: a name
 * -- clearance: 1
 * the input SQL, one or more lines
 * -- expect:
 * the rewritten SQL, one or more lines
 * -- masked: public.customer.name, public.customer.mobile
 * </pre>
 *
 * <p>Instead of {@code -- expect:}, {@code -- unchanged}, {@code -- unanalysable} (optionally followed by a part of
 * the reason) or {@code -- refused: rule: the start of the reason}. {@code -- filter: allow} before the SQL lets every
 * classified column be used in predicates and orderings, whatever the sample policy's filter (deny, or equality for
 * mobile and id_card_no, as in the demo policy). Lines starting with {@code #} outside SQL are comments.
 */
record MaskCase(
        String name,
        int clearance,
        boolean allowFilters,
        String sql,
        Expected expected,
        String text,
        List<String> masked) {
    enum Expected {
        REWRITTEN,
        UNCHANGED,
        UNANALYSABLE,
        REFUSED
    }

    @Override
    public String toString() {
        return name + " (clearance " + clearance + (allowFilters ? ", filters allow" : "") + ")";
    }

    static List<MaskCase> load(String resource) {
        try (InputStream in = requireNonNull(MaskCase.class.getResourceAsStream(resource), resource)) {
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<MaskCase> parse(String content) {
        List<MaskCase> cases = new ArrayList<>();
        Builder builder = null;
        StringBuilder block = null;
        for (String line : content.split("\n", -1)) {
            if (line.startsWith("-- case:")) {
                if (builder != null) {
                    cases.add(builder.finish(block));
                }
                builder = new Builder(line.substring("-- case:".length()).strip());
                block = null;
            } else if (builder == null || (block == null && line.startsWith("#"))) {
                continue;
            } else if (line.startsWith("-- clearance:")) {
                builder.clearance = Integer.parseInt(
                        line.substring("-- clearance:".length()).strip());
            } else if (line.startsWith("-- filter:")) {
                String filter = line.substring("-- filter:".length()).strip();
                if (!filter.equals("allow")) {
                    throw new IllegalArgumentException("case '" + builder.name + "': unknown filter " + filter);
                }
                builder.allowFilters = true;
            } else if (line.startsWith("-- refused:")) {
                builder.sql = trimEnd(block);
                builder.expected = Expected.REFUSED;
                builder.text = line.substring("-- refused:".length()).strip();
                block = null;
            } else if (line.startsWith("-- expect:")) {
                builder.sql = trimEnd(block);
                builder.expected = Expected.REWRITTEN;
                block = new StringBuilder();
            } else if (line.startsWith("-- unchanged")) {
                builder.sql = trimEnd(block);
                builder.expected = Expected.UNCHANGED;
                block = null;
            } else if (line.startsWith("-- unanalysable")) {
                builder.sql = trimEnd(block);
                builder.expected = Expected.UNANALYSABLE;
                builder.text = line.substring("-- unanalysable".length())
                        .replaceFirst("^:", "")
                        .strip();
                block = null;
            } else if (line.startsWith("-- masked:")) {
                builder.text = trimEnd(block);
                builder.masked = Arrays.stream(
                                line.substring("-- masked:".length()).split(","))
                        .map(String::strip)
                        .filter(s -> !s.isEmpty())
                        .toList();
                block = null;
            } else {
                if (block == null) {
                    block = new StringBuilder();
                }
                block.append(line).append('\n');
            }
        }
        if (builder != null) {
            cases.add(builder.finish(block));
        }
        return cases;
    }

    private static String trimEnd(StringBuilder block) {
        return block == null ? "" : block.toString().stripTrailing();
    }

    private static final class Builder {
        private final String name;
        private int clearance;
        private boolean allowFilters;
        private String sql;
        private Expected expected;
        private String text;
        private List<String> masked = List.of();

        Builder(String name) {
            this.name = name;
        }

        MaskCase finish(StringBuilder trailing) {
            if (expected == Expected.REWRITTEN && text == null) {
                text = trimEnd(trailing);
            }
            if (sql == null || expected == null) {
                throw new IllegalArgumentException("case '" + name + "' has no expectation");
            }
            return new MaskCase(name, clearance, allowFilters, sql, expected, text == null ? "" : text, masked);
        }
    }
}
