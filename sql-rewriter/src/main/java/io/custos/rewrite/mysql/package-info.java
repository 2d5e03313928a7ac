/**
 * The MySQL and MariaDB dialect lexer: splits a client's message into statements as the server would, classifies each
 * for role permissions, finds import and export, normalizes statements for the audit trail, and prepares the text
 * Calcite reads. Follows the "Language Structure" chapter of the MySQL 8 reference manual and MariaDB 11's additions
 * ({@code /*M! … *}{@code /} comments, {@code RETURNING}, compound statements outside stored programs).
 */
package io.custos.rewrite.mysql;
