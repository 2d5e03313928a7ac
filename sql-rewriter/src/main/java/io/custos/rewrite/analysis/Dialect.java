package io.custos.rewrite.analysis;

/**
 * The SQL dialect a statement is analysed and rewritten in. It decides how names are quoted and matched, how outputs
 * are named, which function library resolves calls and how masks are written.
 */
enum Dialect {
    /** Double-quoted names, unquoted names folded to lower case, matched with case. */
    POSTGRESQL,
    /** Back-quoted names kept as written and matched without case; schemas are databases. */
    MYSQL
}
