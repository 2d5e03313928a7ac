/**
 * The PostgreSQL dialect lexer: splits a client's message into statements as the server would, classifies each for
 * role permissions, finds import and export calls, normalizes statements for the audit trail, and prepares the text
 * Calcite reads. Follows the "Lexical Structure" chapter of the PostgreSQL documentation, as of PostgreSQL 17.
 */
package io.custos.rewrite.postgres;
