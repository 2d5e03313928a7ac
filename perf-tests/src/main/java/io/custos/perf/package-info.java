/**
 * The performance harness ({@link io.custos.perf.Harness}, run by {@code perf-tests/run.sh}): embedded databases, the
 * gateway in JVMs of its own, pgbouncer, pgbench and sysbench when installed, a Java load driver over the real JDBC
 * drivers, the streaming and idle-connection checks. A short run of it is the module's only test; its figures are
 * never asserted.
 */
package io.custos.perf;
