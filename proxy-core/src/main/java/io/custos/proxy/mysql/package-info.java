/**
 * The MySQL/MariaDB client/server protocol, both sides: framing, the packets the gateway builds or reads, client
 * authentication (mysql_native_password and caching_sha2_password against the policy's verifiers), the session's own
 * backend connection and the relay between the two. Protocol bytes never leave this package.
 *
 * @see <a href="https://mariadb.com/kb/en/clientserver-protocol/">MariaDB client/server protocol</a>
 * @see <a href="https://dev.mysql.com/doc/dev/mysql-server/latest/PAGE_PROTOCOL.html">MySQL client/server protocol</a>
 */
package io.custos.proxy.mysql;
