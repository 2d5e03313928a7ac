/**
 * Query analysis with Calcite: name resolution against the catalog, lineage of each output, and the masking rewrite
 * ({@link io.custos.rewrite.analysis.QueryMasker}), in the PostgreSQL and the MySQL dialect.
 */
package io.custos.rewrite.analysis;
