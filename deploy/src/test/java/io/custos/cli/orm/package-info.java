/**
 * The sample schema as an application maps it: JPA entities for Hibernate ORM and the MyBatis mapper's result types,
 * used by the ORM harness to send the SQL real applications generate through the gateway.
 */
package io.custos.cli.orm;
