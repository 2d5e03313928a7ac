/**
 * PostgreSQL protocol 3.0, both sides: framing, the messages the gateway builds or reads, client authentication with
 * SCRAM-SHA-256, the backend connection and the relay between the two. Protocol bytes never leave this package.
 *
 * @see <a href="https://www.postgresql.org/docs/17/protocol-message-formats.html">Message formats</a>
 */
package io.custos.proxy.postgres;
