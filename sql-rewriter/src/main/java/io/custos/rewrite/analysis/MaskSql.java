package io.custos.rewrite.analysis;

import io.custos.policy.Mask;

/**
 * Renders a mask as a PostgreSQL expression. The configured mask applies only where the output is a protected column
 * itself (through aliases, derived tables and CTEs), and works on {@code (x)::text}; an output computed from a protected
 * column, and a value that is not a character string, become a NULL of their own type.
 */
final class MaskSql {
    private MaskSql() {}

    /**
     * @param expression the original text of the output expression
     * @param textual whether the expression's value is a character string
     * @param declaredType the column's declared type when the output is a bare column reference, else {@code null}
     */
    static String render(Mask mask, String expression, boolean textual, String declaredType) {
        String x = "(" + expression + ")";
        if (declaredType == null) {
            return nullOf(x);
        }
        if (!textual || mask instanceof Mask.Null) {
            // A bare column keeps its declared type modifier (numeric(14,2)); CASE alone would drop it.
            return "CAST(NULL AS " + declaredType + ")";
        }
        String type = mask instanceof Mask.Hash ? PostgresTypes.withoutModifier(declaredType) : declaredType;
        return "CAST(" + textMask(mask, x) + " AS " + type + ")";
    }

    /**
     * NULL of exactly the expression's type, without evaluating it. Any mask that looked at the value of a computed
     * expression would let the caller choose what it reveals ({@code substr(mobile, 4)} shifts hidden digits into the
     * kept ones) or make the database quote it in an error ({@code mobile::int} reports the value it cannot convert).
     */
    private static String nullOf(String x) {
        return "CASE WHEN false THEN " + x + " END";
    }

    private static String textMask(Mask mask, String x) {
        String text = x + "::text";
        String length = "char_length(" + text + ")";
        if (mask instanceof Mask.Full full) {
            return "CASE WHEN " + x + " IS NULL THEN NULL ELSE " + literal(full.text()) + " END";
        }
        if (mask instanceof Mask.Partial partial) {
            String fill = literal(partial.fill());
            return "CASE WHEN " + x + " IS NULL THEN NULL WHEN " + length + " <= "
                    + (partial.keepFirst() + partial.keepLast()) + " THEN repeat(" + fill + ", " + length
                    + ") ELSE left(" + text + ", " + partial.keepFirst() + ") || repeat(" + fill + ", " + length
                    + " - " + partial.keepFirst() + " - " + partial.keepLast() + ") || right(" + text + ", "
                    + partial.keepLast() + ") END";
        }
        if (mask instanceof Mask.Email) {
            String at = "strpos(" + text + ", '@')";
            return "CASE WHEN " + x + " IS NULL THEN NULL WHEN " + at + " <= 1 THEN repeat('*', " + length
                    + ") ELSE left(" + text + ", 1) || repeat('*', " + at + " - 2) || substr(" + text + ", " + at
                    + ") END";
        }
        if (mask instanceof Mask.Hash) {
            return "encode(sha256(convert_to(" + text + ", 'UTF8')), 'hex')";
        }
        return nullOf(x);
    }

    static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
