package io.custos.perf;

import io.custos.policy.Backend;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.SplittableRandom;

/**
 * What each client thread does, over and over, on its own connection.
 *
 * @param gatewayUser the user it runs as through the gateway (direct and pgbouncer runs use the superuser)
 * @param prepared whether statements are prepared on the server, or sent as text with their values in
 */
record Workload(
        String name,
        Backend.Protocol protocol,
        String gatewayUser,
        boolean prepared,
        String description,
        Factory factory) {
    /** One statement (the unit that is timed); throws what the driver throws. */
    interface Operation extends AutoCloseable {
        void run(SplittableRandom random) throws SQLException;

        @Override
        default void close() throws SQLException {}
    }

    /** Prepares what one client needs on its connection. */
    interface Factory {
        Operation open(Connection connection) throws SQLException;
    }
}
