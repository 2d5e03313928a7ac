package io.custos.policy;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy in force, read by every session, replaced as a whole on reload. A reload that finds problems leaves the
 * policy in force untouched. Reads never block; reloads are serialised so an older file never replaces a newer one.
 */
public final class PolicyHolder {
    private static final Logger log = LoggerFactory.getLogger(PolicyHolder.class);

    private final Path file;
    private final AtomicReference<Policy> current;

    /**
     * Loads {@code file}.
     *
     * @throws PolicyException when the file is not a valid policy
     */
    public PolicyHolder(Path file) {
        this(file, PolicyLoader.load(file));
    }

    /** Holds a policy already loaded from {@code file}; {@link #reload()} reads that file again. */
    public PolicyHolder(Path file, Policy initial) {
        this.file = requireNonNull(file, "file is null");
        this.current = new AtomicReference<>(requireNonNull(initial, "initial is null"));
    }

    public Path file() {
        return file;
    }

    public Policy current() {
        return current.get();
    }

    /**
     * Whether the file's bytes differ from those of the policy in force: a watcher sees events for files written
     * without a change, for other files of the directory and for the symbolic-link swaps of mounted volumes, and
     * reloads only when this says so. A file that cannot be read counts as changed, so the reload reports why.
     */
    public boolean fileChanged() {
        try {
            return !PolicyLoader.version(Files.readAllBytes(file))
                    .equals(current.get().version());
        } catch (IOException e) {
            return true;
        }
    }

    /**
     * Loads the file again and puts the new policy in force if it is valid.
     *
     * @return the problems that kept the new file out; empty when the new policy is in force
     */
    public synchronized List<Problem> reload() {
        Policy policy;
        try {
            policy = PolicyLoader.load(file);
        } catch (PolicyException e) {
            log.warn(
                    "Policy file {} has {} problem(s); policy version {} stays in force:\n{}",
                    file,
                    e.problems().size(),
                    current.get().version(),
                    e.getMessage());
            return e.problems();
        }

        Policy previous = current.getAndSet(policy);
        log.info("Policy version {} loaded from {} (was {})", policy.version(), file, previous.version());
        return List.of();
    }
}
