/**
 * Support for tests that need a real database: one PostgreSQL server and one MariaDB server with the sample data per
 * test JVM.
 */
package io.custos.cli.support;
