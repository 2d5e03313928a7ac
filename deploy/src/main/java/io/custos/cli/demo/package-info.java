/**
 * The sample control-system database shared by the demo and the tests: its schema in the PostgreSQL and MySQL
 * dialects, synthetic data generated from a fixed seed, and the embedded PostgreSQL and MariaDB servers that hold it.
 */
package io.custos.cli.demo;
