package io.custos.rewrite;

/** What the gate did with a statement. */
public enum Decision {
    ALLOWED,
    REWRITTEN,
    REFUSED
}
