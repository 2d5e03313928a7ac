package io.custos.rewrite.mysql;

import static java.util.Objects.requireNonNull;

import io.custos.rewrite.MySqlMode;
import io.custos.rewrite.mysql.MySqlToken.Kind;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Ways a MySQL statement carries values out of itself where no mask of its result reaches them, as the gate needs to
 * know them: a user variable assigned inside a query ({@code @v := expr}), and functions whose error messages quote
 * their argument. A variable assigned from the result ({@code INTO @v}) is the statement's verb {@code SELECT INTO}:
 * what it stores is what the result would show, so the gate decides it on the masker's analysis.
 *
 * @param assignsUserVariable whether the statement assigns a user variable with {@code :=}, anywhere in it
 * @param valueEchoingFunction the first called function whose error message quotes its argument
 *     ({@code extractvalue}, {@code updatexml}: an XPath error shows the text it could not read)
 */
public record MySqlSideChannels(boolean assignsUserVariable, Optional<String> valueEchoingFunction) {
    private static final Set<String> VALUE_ECHOING_FUNCTIONS = Set.of("extractvalue", "updatexml");

    public MySqlSideChannels {
        requireNonNull(valueEchoingFunction, "valueEchoingFunction is null");
    }

    /** The side channels of one statement's text, read under the session's sql_mode. */
    public static MySqlSideChannels of(String statement, MySqlMode mode) {
        requireNonNull(statement, "statement is null");
        requireNonNull(mode, "mode is null");
        List<MySqlToken> significant = MySqlTokenizer.tokenize(statement, mode).stream()
                .filter(MySqlToken::significant)
                .toList();
        boolean assigns = false;
        Optional<String> echoing = Optional.empty();
        for (int index = 0; index + 1 < significant.size(); index++) {
            MySqlToken token = significant.get(index);
            MySqlToken next = significant.get(index + 1);
            if (isUserVariable(token) && next.isOperator(":=")) {
                assigns = true;
            } else if (echoing.isEmpty()
                    && token.isIdentifier()
                    && VALUE_ECHOING_FUNCTIONS.contains(token.value().toLowerCase(Locale.ROOT))
                    && next.isPunctuation("(")) {
                echoing = Optional.of(token.value().toLowerCase(Locale.ROOT));
            }
        }
        return new MySqlSideChannels(assigns, echoing);
    }

    private static boolean isUserVariable(MySqlToken token) {
        return token.kind() == Kind.VARIABLE && !token.value().startsWith("@@");
    }
}
