package io.custos.cli;

import io.custos.policy.Mask;

/**
 * What a mask of the demo policy makes of a value a direct connection returned, written independently of the SQL the
 * gateway generates: text masks work on code points; a NULL stays NULL; the null mask, and any mask of a value that is
 * not text, give NULL.
 */
final class ExpectedMask {
    private ExpectedMask() {}

    static Object apply(Mask mask, Object value) {
        if (!(value instanceof String text) || mask instanceof Mask.Null) {
            return null;
        }
        if (mask instanceof Mask.Full full) {
            return full.text();
        }
        if (mask instanceof Mask.Partial partial) {
            int length = text.codePointCount(0, text.length());
            if (length <= partial.keepFirst() + partial.keepLast()) {
                return partial.fill().repeat(length);
            }
            int[] points = text.codePoints().toArray();
            return new String(points, 0, partial.keepFirst())
                    + partial.fill().repeat(length - partial.keepFirst() - partial.keepLast())
                    + new String(points, length - partial.keepLast(), partial.keepLast());
        }
        throw new IllegalArgumentException("mask not used by the demo policy: " + mask);
    }
}
