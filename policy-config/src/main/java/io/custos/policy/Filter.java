package io.custos.policy;

/** How a protected column may be used in predicates; enforced from issue 4 on. */
public enum Filter {
    DENY,
    EQUALITY,
    ALLOW
}
