/**
 * The sample control-system database shared by the demo and the tests: its schema, synthetic data generated from a
 * fixed seed, and an embedded PostgreSQL server that holds it.
 */
package io.custos.cli.demo;
