package io.custos.cli;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a running command must close when it stops, closed in the reverse order of {@link #add}: the gateway before
 * the database it talks to. Shared between the command's thread and the JVM shutdown hook; closing is idempotent,
 * and a resource added after closing is closed at once.
 */
final class Resources implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Resources.class);

    private final Deque<AutoCloseable> open = new ArrayDeque<>();
    private boolean closed;

    <T extends AutoCloseable> T add(T resource) {
        synchronized (this) {
            if (!closed) {
                open.push(resource);
                return resource;
            }
        }
        closeQuietly(resource);
        throw new IllegalStateException("Shutting down");
    }

    /** What is open now, most recently added first. */
    List<AutoCloseable> open() {
        synchronized (this) {
            return List.copyOf(open);
        }
    }

    /** Closes everything on JVM shutdown (Ctrl-C, SIGTERM) unless closed before. */
    void closeOnShutdown() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "custos-shutdown"));
    }

    @Override
    public void close() {
        List<AutoCloseable> toClose;
        synchronized (this) {
            closed = true;
            toClose = new ArrayList<>(open);
            open.clear();
        }
        toClose.forEach(Resources::closeQuietly);
    }

    private static void closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception e) {
            log.warn("Closing {} failed: {}", resource, e.getMessage());
        }
    }
}
