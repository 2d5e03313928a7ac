/** Query analysis with Calcite: name resolution against the catalog, lineage of each output, and the masking rewrite. */
package io.custos.rewrite.analysis;
