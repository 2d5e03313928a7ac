/**
 * The conformance corpus: statements, the demo roles and what the gate must decide for each, kept as data in one YAML
 * file per dialect; its loader, the sample schema it is decided against, and the run against the rewriter alone. The
 * same cases run end to end in deploy's tests.
 */
package io.custos.rewrite.corpus;
