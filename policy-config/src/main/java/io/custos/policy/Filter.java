package io.custos.policy;

/**
 * How a caller below a column's level may use it in predicates and orderings: not at all ({@link #DENY}), compared
 * with {@code =} and {@code IN} only ({@link #EQUALITY}), or in any way ({@link #ALLOW}). The statement gate refuses a
 * statement that uses a column against its filter.
 */
public enum Filter {
    DENY,
    EQUALITY,
    ALLOW
}
