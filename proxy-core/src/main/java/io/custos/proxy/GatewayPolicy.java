package io.custos.proxy;

import static java.util.Objects.requireNonNull;

import io.custos.policy.Policy;
import io.custos.policy.PolicyHolder;
import io.custos.policy.Problem;
import io.custos.policy.User;
import io.custos.proxy.admin.AdminOperations;
import io.custos.proxy.admin.PolicyReload;
import io.custos.proxy.admin.PolicyStatus;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy every session reads ({@link #get}, one volatile read): the file's policy in force, with the users
 * disabled through the admin API marked disabled, and with the backends, listeners, audit, client TLS and admin settings
 * the gateway started with.
 *
 * <p>A reload puts levels, roles, users, the classification and the limits in force at once; sessions compare the
 * policy they hold with this one before each statement and take the new one on. Backends (their TLS included),
 * listeners, the audit trail, TLS towards clients (its files are read once, at start) and the admin listener are bound
 * when the gateway starts: a reload that changes them keeps the running ones, and says in the log and in its result
 * that those changes wait for a restart, rather than apply half of them.
 *
 * <p>Users disabled through the admin API stay disabled across reloads, until enabled through it or until the
 * gateway restarts; the policy file is left as the DBAs wrote it. Changes are serialised; reads never block.
 */
final class GatewayPolicy implements Supplier<Policy> {
    private static final Logger log = LoggerFactory.getLogger(GatewayPolicy.class);

    private final Policy started;
    private final Optional<PolicyHolder> holder;
    private final Set<String> disabled = ConcurrentHashMap.newKeySet();

    private volatile Policy loaded;
    private volatile Policy effective;
    private volatile Instant loadedAt = Instant.now();
    private volatile Instant lastReload;
    private volatile boolean lastReloadLoaded = true;

    /** {@code holder}, when given, holds {@code started} and the file reloads read. */
    GatewayPolicy(Policy started, Optional<PolicyHolder> holder) {
        this.started = requireNonNull(started, "started is null");
        this.holder = requireNonNull(holder, "holder is null");
        this.loaded = started;
        this.effective = started;
    }

    @Override
    public Policy get() {
        return effective;
    }

    /** The policy the gateway started with, whose backends, listeners, audit, TLS and admin settings stay in force. */
    Policy started() {
        return started;
    }

    /** Reads the policy file again and puts it in force if it is valid. */
    synchronized PolicyReload reload() {
        String previous = effective.version();
        lastReload = Instant.now();
        if (holder.isEmpty()) {
            lastReloadLoaded = false;
            return new PolicyReload(
                    false,
                    previous,
                    previous,
                    List.of("the gateway was started without a policy file; there is nothing to reload"),
                    List.of());
        }
        List<Problem> problems = holder.get().reload();
        if (!problems.isEmpty()) {
            lastReloadLoaded = false;
            return new PolicyReload(
                    false,
                    previous,
                    previous,
                    problems.stream().map(Problem::format).toList(),
                    List.of());
        }
        Policy fresh = holder.get().current();
        List<String> restartNeeded = restartNeeded(fresh);
        if (!restartNeeded.isEmpty()) {
            log.warn(
                    "Policy version {} changes {}, which take effect only when the gateway is restarted; until then"
                            + " the gateway keeps the {} it started with and applies the rest (levels, roles, users,"
                            + " classification, limits)",
                    fresh.version(),
                    String.join(", ", restartNeeded),
                    String.join(", ", restartNeeded));
        }
        loaded = fresh;
        loadedAt = lastReload;
        lastReloadLoaded = true;
        effective = effective(fresh);
        return new PolicyReload(true, fresh.version(), previous, List.of(), restartNeeded);
    }

    /** Whether the policy came from a file that reloads read. */
    boolean fileWatched() {
        return holder.isPresent();
    }

    Optional<Path> file() {
        return holder.map(PolicyHolder::file);
    }

    /** Whether the policy file differs from the policy in force; false without a file. */
    boolean fileChanged() {
        return holder.map(PolicyHolder::fileChanged).orElse(false);
    }

    /** Marks {@code user} disabled until {@link #enable}; returns whether they were enabled before. */
    synchronized boolean disable(String user) {
        requireKnown(user);
        boolean changed = disabled.add(user);
        effective = effective(loaded);
        return changed;
    }

    /** Lets {@code user} in again, unless the policy file itself disables them. */
    synchronized void enable(String user) {
        User known = requireKnown(user);
        if (!known.enabled()) {
            throw new IllegalStateException(
                    "user '" + user + "' is disabled in the policy file; set 'enabled: true' there and reload");
        }
        disabled.remove(user);
        effective = effective(loaded);
    }

    Set<String> disabled() {
        return Set.copyOf(disabled);
    }

    PolicyStatus status() {
        return new PolicyStatus(
                effective.version(),
                holder.map(h -> h.file().toString()),
                loadedAt,
                Optional.ofNullable(lastReload),
                lastReloadLoaded);
    }

    private User requireKnown(String user) {
        return loaded.user(user).orElseThrow(() -> new AdminOperations.UnknownUserException(user));
    }

    private List<String> restartNeeded(Policy fresh) {
        List<String> sections = new ArrayList<>();
        if (!fresh.backends().equals(started.backends())) {
            sections.add("backends");
        }
        if (!fresh.listeners().equals(started.listeners())) {
            sections.add("listeners");
        }
        if (!fresh.audit().equals(started.audit())) {
            sections.add("audit");
        }
        if (!Objects.equals(fresh.tls(), started.tls())) {
            sections.add("tls");
        }
        if (!Objects.equals(fresh.admin(), started.admin())) {
            sections.add("admin");
        }
        return sections;
    }

    /** {@code policy} with the gateway's running settings and the users disabled here. */
    private Policy effective(Policy policy) {
        Map<String, User> users = new LinkedHashMap<>(policy.users());
        for (String name : disabled) {
            User user = users.get(name);
            if (user != null && user.enabled()) {
                users.put(
                        name,
                        new User(
                                user.name(),
                                user.role(),
                                false,
                                user.verifier(),
                                user.mysqlNativeVerifier().orElse(null),
                                user.clientCertificateRule().orElse(null)));
            }
        }
        return new Policy(
                policy.version(),
                policy.levels(),
                policy.roles(),
                users,
                started.backends(),
                started.listeners(),
                policy.classification(),
                started.audit(),
                started.tls(),
                policy.limits(),
                policy.analysis(),
                started.admin());
    }
}
