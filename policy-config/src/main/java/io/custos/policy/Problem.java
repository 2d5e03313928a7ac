package io.custos.policy;

import static java.util.Objects.requireNonNull;

/**
 * One thing wrong with a policy file, at a 1-based line and column. Line and column are 0 when the problem has no
 * position in the file (the file cannot be read, for example).
 */
public record Problem(String source, int line, int column, String message) {
    public Problem {
        requireNonNull(source, "source is null");
        requireNonNull(message, "message is null");
        if (line < 0 || column < 0) {
            throw new IllegalArgumentException("line: " + line + ", column: " + column + " (expected: >= 0)");
        }
    }

    /** A problem with the file as a whole. */
    public static Problem unpositioned(String source, String message) {
        return new Problem(source, 0, 0, message);
    }

    /** The compiler form: {@code demo-policy.yaml:14:7: unknown role 'clrk' for user 'bob'}. */
    public String format() {
        if (line == 0) {
            return source + ": " + message;
        }
        return source + ":" + line + ":" + column + ": " + message;
    }

    @Override
    public String toString() {
        return format();
    }
}
