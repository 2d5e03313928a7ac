package io.custos.policy;

/**
 * Bounds on what the gateway analyses, its analysis cache and how often it rereads the database's catalog. A query
 * past a bound of its size is refused for callers below full clearance; callers with full clearance pass. The
 * bounds of a query are measured on the query alone; writes and other statements are read by the lexer only.
 *
 * @param maxMessageLength the longest client message read, in characters; a longer one is not split into
 *     statements at all
 * @param maxStatementLength the longest query analysed, in characters
 * @param maxTerms the most terms (names, literals, operators, punctuation) in one statement
 * @param maxDepth the deepest nesting of parentheses in one statement
 * @param maxSetOperations the most UNION, INTERSECT and EXCEPT in one statement
 * @param cacheEntries how many verdicts the analysis cache keeps
 * @param catalogRefreshSeconds how often the catalog is reread, besides after DDL through the gateway
 */
public record AnalysisSettings(
        int maxMessageLength,
        int maxStatementLength,
        int maxTerms,
        int maxDepth,
        int maxSetOperations,
        int cacheEntries,
        int catalogRefreshSeconds) {
    public static final AnalysisSettings DEFAULT =
            new AnalysisSettings(4_194_304, 262_144, 10_000, 100, 200, 10_000, 60);

    public AnalysisSettings {
        positive(maxMessageLength, "maxMessageLength");
        positive(maxStatementLength, "maxStatementLength");
        positive(maxTerms, "maxTerms");
        positive(maxDepth, "maxDepth");
        positive(maxSetOperations, "maxSetOperations");
        positive(cacheEntries, "cacheEntries");
        positive(catalogRefreshSeconds, "catalogRefreshSeconds");
    }

    private static void positive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
        }
    }
}
