package io.custos.rewrite;

import java.util.List;
import java.util.Optional;

/**
 * The gate's verdict on one client message (a simple query may hold several statements). If any statement is refused
 * the whole message is refused and nothing is sent; otherwise {@link #sql()} is the message to send to the backend.
 */
public record Verdict(List<StatementVerdict> statements, String sql) {
    public Verdict {
        statements = List.copyOf(statements);
    }

    public Optional<StatementVerdict> refusal() {
        return statements.stream().filter(s -> s.decision() == Decision.REFUSED).findFirst();
    }

    public boolean refused() {
        return refusal().isPresent();
    }
}
