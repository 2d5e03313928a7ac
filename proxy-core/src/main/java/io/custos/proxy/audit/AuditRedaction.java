package io.custos.proxy.audit;

import io.custos.policy.StatementClass;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps secrets out of the trail. The gate's normalized text already has every literal replaced by {@code ?}, in all
 * the forms either lexer knows (standard, {@code E''}, {@code U&''} and dollar-quoted strings; MySQL single- and
 * double-quoted strings, hex and bit literals, {@code _charset} introducers). That leaves secrets written where a
 * literal does not belong: a password in double quotes, which PostgreSQL and MySQL under {@code ANSI_QUOTES} read
 * as an identifier, or a bare word, which the server rejects but the trail would keep. So in statements that set
 * passwords or connection secrets ({@code CREATE/ALTER USER|ROLE … PASSWORD}, {@code IDENTIFIED BY|WITH … AS},
 * {@code SET PASSWORD}, {@code MASTER_PASSWORD}, {@code OPTIONS (password …)} of a foreign server or user mapping),
 * everything from the first key word that introduces the secret on is replaced by {@code ?}. The digest is then
 * taken of the redacted text, so it cannot confirm a guessed password either.
 *
 * <p>Only statements outside the data classes are considered: a query naming a column called {@code password} stays
 * as it is.
 */
final class AuditRedaction {
    /** A key word after which a secret follows: PASSWORD, MASTER_PASSWORD, SOURCE_PASSWORD, IDENTIFIED, … */
    private static final Pattern SECRET_KEYWORD =
            Pattern.compile("(?i)(?<![\\w$])(?:\\w*_)?(?:PASSWORD|IDENTIFIED)(?![\\w$])");

    private static final Set<StatementClass> DATA =
            Set.of(StatementClass.READ, StatementClass.INSERT, StatementClass.UPDATE, StatementClass.DELETE);

    static final String REDACTED = " ?";

    private AuditRedaction() {}

    /** {@code normalized} with everything from its first secret-introducing key word on replaced, or as it is. */
    static String redact(StatementClass statementClass, String normalized) {
        if (normalized == null || (statementClass != null && DATA.contains(statementClass))) {
            return normalized;
        }
        Matcher matcher = SECRET_KEYWORD.matcher(normalized);
        if (!matcher.find()) {
            return normalized;
        }
        return normalized.substring(0, matcher.end()) + REDACTED;
    }
}
