package io.custos.policy;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls back when the policy file may have changed.
 *
 * <p>The file's directory is watched, not the file: editors save by writing a new file and renaming it over the old
 * one, and mounted configuration volumes swap a symbolic link of the directory, neither of which is an event on the
 * original file. Any event in the directory counts; the callback decides whether the file really changed (see
 * {@link PolicyHolder#fileChanged()}). Events are gathered until the directory has been quiet for the settle time,
 * so a file written in several steps is read once, when complete.
 */
public final class PolicyWatcher implements AutoCloseable {
    public static final Duration DEFAULT_SETTLE_TIME = Duration.ofMillis(300);

    private static final Logger log = LoggerFactory.getLogger(PolicyWatcher.class);

    private final Path directory;
    private final WatchService service;
    private final Runnable onChange;
    private final long settleMillis;
    private final Thread thread;

    private PolicyWatcher(Path directory, WatchService service, Runnable onChange, Duration settleTime) {
        this.directory = directory;
        this.service = service;
        this.onChange = onChange;
        this.settleMillis = settleTime.toMillis();
        this.thread = new Thread(this::run, "custos-policy-watcher");
        this.thread.setDaemon(true);
    }

    /**
     * Starts watching the directory of {@code file}.
     *
     * @throws IOException if the directory cannot be watched
     */
    public static PolicyWatcher start(Path file, Duration settleTime, Runnable onChange) throws IOException {
        requireNonNull(file, "file is null");
        requireNonNull(settleTime, "settleTime is null");
        requireNonNull(onChange, "onChange is null");
        Path directory = file.toAbsolutePath().getParent();
        WatchService service = FileSystems.getDefault().newWatchService();
        try {
            directory.register(
                    service,
                    StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException | RuntimeException e) {
            service.close();
            throw e;
        }
        PolicyWatcher watcher = new PolicyWatcher(directory, service, onChange, settleTime);
        watcher.thread.start();
        log.info("Watching {} for policy changes", directory);
        return watcher;
    }

    private void run() {
        try {
            while (true) {
                drain(service.take());
                // Wait until the directory is quiet, then call back once for the whole burst.
                WatchKey next;
                while ((next = service.poll(settleMillis, TimeUnit.MILLISECONDS)) != null) {
                    drain(next);
                }
                notifyChange();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // Closed.
        }
    }

    private void drain(WatchKey key) {
        key.pollEvents();
        if (!key.reset()) {
            log.warn("Policy directory {} can no longer be watched; reload with SIGHUP or the admin API", directory);
        }
    }

    private void notifyChange() {
        try {
            onChange.run();
        } catch (RuntimeException e) {
            log.error("Policy reload after a change in {} failed", directory, e);
        }
    }

    @Override
    public void close() {
        try {
            service.close();
        } catch (IOException e) {
            log.debug("Closing the policy watcher of {} failed", directory, e);
        }
        thread.interrupt();
    }
}
