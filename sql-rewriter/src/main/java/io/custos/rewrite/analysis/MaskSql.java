package io.custos.rewrite.analysis;

import io.custos.policy.Mask;

/**
 * Renders a mask as a PostgreSQL expression over the text of the masked expression. Text masks work on
 * {@code (x)::text}; a value that is not a character string can only be replaced by a NULL of its own type.
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
        if (!textual || mask instanceof Mask.Null) {
            // A bare column keeps its declared type modifier (numeric(14,2)); CASE alone would drop it.
            return declaredType == null ? "CASE WHEN false THEN " + x + " END" : "CAST(NULL AS " + declaredType + ")";
        }
        String masked = textMask(mask, x);
        if (declaredType == null) {
            return masked;
        }
        String type = mask instanceof Mask.Hash ? PostgresTypes.withoutModifier(declaredType) : declaredType;
        return "CAST(" + masked + " AS " + type + ")";
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
        return "CASE WHEN false THEN " + x + " END";
    }

    static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
