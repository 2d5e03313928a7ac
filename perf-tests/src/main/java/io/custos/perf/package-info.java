/** Load and latency harnesses; run by hand, never as part of the test suite. */
package io.custos.perf;
