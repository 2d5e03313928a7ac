package io.custos.rewrite.analysis;

import io.custos.policy.Mask;
import java.util.Optional;

/**
 * Renders a mask as a MySQL or MariaDB expression, by the rules of {@link MaskSql}: the configured mask applies only
 * where the output is a protected column itself; an output computed from a protected column, and a value that is not
 * a character string, become a NULL of their own type without the expression being evaluated. Text masks of a
 * {@code CHAR(n)} or {@code VARCHAR(n)} column are cast to {@code CHAR(n)}, which MySQL reports as {@code VARCHAR(n)}
 * in the result's metadata; masks of TEXT, ENUM and similar columns stay uncast. The expressions use no operator whose
 * meaning depends on sql_mode ({@code ||}, {@code "}), and literals are written for the session's backslash rule.
 */
final class MySqlMaskSql {
    private MySqlMaskSql() {}

    /**
     * @param expression the original text of the output expression
     * @param textual whether the expression's value is a character string
     * @param declaredType the column's type as MySQL prints it when the output is a bare column reference, else
     *     {@code null}
     * @param backslashEscapes whether backslash escapes in strings (sql_mode without NO_BACKSLASH_ESCAPES)
     */
    static String render(Mask mask, String expression, boolean textual, String declaredType, boolean backslashEscapes) {
        String x = "(" + expression + ")";
        if (declaredType == null) {
            return nullOf(x);
        }
        if (!textual || mask instanceof Mask.Null) {
            Optional<String> target = MySqlTypes.castTarget(declaredType);
            return target.isPresent() ? "CAST(NULL AS " + target.get() + ")" : nullOf(x);
        }
        String masked = textMask(mask, x, backslashEscapes);
        if (mask instanceof Mask.Hash) {
            return masked;
        }
        Optional<String> target = MySqlTypes.characterCastTarget(declaredType);
        return target.isPresent() ? "CAST(" + masked + " AS " + target.get() + ")" : masked;
    }

    /** NULL of the expression's type, the expression never evaluated: see {@link MaskSql}. */
    private static String nullOf(String x) {
        return "CASE WHEN FALSE THEN " + x + " END";
    }

    private static String textMask(Mask mask, String x, boolean backslashEscapes) {
        String length = "CHAR_LENGTH(" + x + ")";
        if (mask instanceof Mask.Full full) {
            return "CASE WHEN " + x + " IS NULL THEN NULL ELSE " + literal(full.text(), backslashEscapes) + " END";
        }
        if (mask instanceof Mask.Partial partial) {
            String fill = literal(partial.fill(), backslashEscapes);
            return "CASE WHEN " + x + " IS NULL THEN NULL WHEN " + length + " <= "
                    + (partial.keepFirst() + partial.keepLast()) + " THEN REPEAT(" + fill + ", " + length
                    + ") ELSE CONCAT(LEFT(" + x + ", " + partial.keepFirst() + "), REPEAT(" + fill + ", " + length
                    + " - " + partial.keepFirst() + " - " + partial.keepLast() + "), RIGHT(" + x + ", "
                    + partial.keepLast() + ")) END";
        }
        if (mask instanceof Mask.Email) {
            String at = "LOCATE('@', " + x + ")";
            return "CASE WHEN " + x + " IS NULL THEN NULL WHEN " + at + " <= 1 THEN REPEAT('*', " + length
                    + ") ELSE CONCAT(LEFT(" + x + ", 1), REPEAT('*', " + at + " - 2), SUBSTRING(" + x + ", " + at
                    + ")) END";
        }
        if (mask instanceof Mask.Hash) {
            return "SHA2(" + x + ", 256)";
        }
        return nullOf(x);
    }

    /** A string literal: quotes doubled, and backslashes doubled where the session reads them as escapes. */
    static String literal(String text, boolean backslashEscapes) {
        String escaped = text.replace("'", "''");
        if (backslashEscapes) {
            escaped = escaped.replace("\\", "\\\\");
        }
        return "'" + escaped + "'";
    }
}
