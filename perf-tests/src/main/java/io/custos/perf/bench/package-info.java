/**
 * JMH benchmarks of the statement gate (lexers, cached, cold and full-clearance checks) on the sample database. The
 * framing and audit-encoding benchmarks sit in the packages of the code they measure, which is package-private
 * there. Run by {@code perf-tests/run.sh}; never part of the tests.
 */
package io.custos.perf.bench;
