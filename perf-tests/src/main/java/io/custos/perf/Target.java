package io.custos.perf;

import io.custos.policy.Backend;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Where the load goes: the database directly, through pgbouncer, or through a gateway. Direct and pgbouncer
 * connections log in as the database's superuser, whose statements the database runs as they are; gateway
 * connections log in as the workload's user and get what the policy gives that user.
 *
 * @param kind what sits between the client and the database
 * @param durability for a gateway, its audit trail's durability ({@code strict} or {@code relaxed}); otherwise empty
 */
record Target(
        String name,
        Kind kind,
        String durability,
        Backend.Protocol protocol,
        String host,
        int port,
        String database,
        String superuser,
        String superuserPassword) {
    enum Kind {
        DIRECT,
        PGBOUNCER,
        CUSTOS
    }

    /** The login a workload meant for {@code gatewayUser} uses at this target. */
    String user(String gatewayUser) {
        return kind == Kind.CUSTOS ? gatewayUser : superuser;
    }

    String password(String gatewayUser) {
        return kind == Kind.CUSTOS ? HarnessPolicy.PASSWORD : superuserPassword;
    }

    /**
     * One connection for {@code gatewayUser}. {@code prepared}: pgjdbc prepares on the server from the first
     * execution of a PreparedStatement (extended protocol, named statements), MariaDB Connector/J uses server-side
     * prepared statements (COM_STMT_PREPARE and COM_STMT_EXECUTE). Otherwise every statement goes as text: pgjdbc's
     * simple query protocol, MySQL's COM_QUERY.
     */
    Connection connect(String gatewayUser, boolean prepared) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user(gatewayUser));
        properties.setProperty("password", password(gatewayUser));
        if (protocol == Backend.Protocol.POSTGRESQL) {
            properties.setProperty("sslmode", "disable");
            properties.setProperty("preferQueryMode", prepared ? "extended" : "simple");
            properties.setProperty("prepareThreshold", "1");
            properties.setProperty("ApplicationName", "custos-perf");
            return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/" + database, properties);
        }
        properties.setProperty("useServerPrepStmts", String.valueOf(prepared));
        properties.setProperty("sslMode", "disable");
        return DriverManager.getConnection("jdbc:mariadb://" + host + ":" + port + "/" + database, properties);
    }
}
