package io.custos.perf;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Many sessions held open and idle through the gateway, each logged in as {@code staff} and having run one statement
 * (so that its backend connection is up and its search path known): the gateway's heap after a full collection and
 * its resident set, before and with them.
 */
final class IdleConnections {
    private static final int OPENERS = 4;

    private IdleConnections() {}

    static Map<String, Object> run(Target target, GatewayHandle gateway, int count) throws Exception {
        GatewayHandle.Memory before = gateway.memory();
        List<Connection> connections = Collections.synchronizedList(new ArrayList<>());
        long started = System.nanoTime();
        ExecutorService openers = Executors.newFixedThreadPool(OPENERS);
        try {
            List<Future<?>> opened = new ArrayList<>();
            for (int index = 0; index < count; index++) {
                opened.add(openers.submit(() -> {
                    Connection connection = target.connect("staff", false);
                    connections.add(connection);
                    try (Statement statement = connection.createStatement();
                            ResultSet result = statement.executeQuery("SELECT 1")) {
                        result.next();
                    }
                    return null;
                }));
            }
            for (Future<?> future : opened) {
                future.get();
            }
            double openSeconds = (System.nanoTime() - started) / 1e9;
            GatewayHandle.Memory held = gateway.memory();
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("protocol", target.protocol().name().toLowerCase());
            figures.put("connections", connections.size());
            figures.put("openSeconds", openSeconds);
            figures.put("heapBeforeMiB", mib(before.heapUsed()));
            figures.put("heapHeldMiB", mib(held.heapUsed()));
            figures.put("heapPerConnectionKiB", (held.heapUsed() - before.heapUsed()) / 1024.0 / connections.size());
            figures.put("heapCommittedMiB", mib(held.heapCommitted()));
            figures.put("heapLimitMiB", 512);
            figures.put("residentBeforeMiB", mib(before.resident()));
            figures.put("residentHeldMiB", mib(held.resident()));
            return figures;
        } finally {
            openers.shutdownNow();
            for (Connection connection : connections) {
                try {
                    connection.close();
                } catch (SQLException e) {
                    // Closing the rest matters more.
                }
            }
        }
    }

    private static double mib(long bytes) {
        return bytes / (double) (1 << 20);
    }
}
