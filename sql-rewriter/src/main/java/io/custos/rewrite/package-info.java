/**
 * The statement gate: splits a client's message into statements, classifies them, checks the caller's role, and
 * masks or refuses. Knows nothing of sockets or protocols; Calcite types never leave this module.
 */
package io.custos.rewrite;
