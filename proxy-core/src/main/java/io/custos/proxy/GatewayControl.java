package io.custos.proxy;

import static java.util.Objects.requireNonNull;

import io.custos.policy.Policy;
import io.custos.policy.User;
import io.custos.proxy.admin.AdminOperations;
import io.custos.proxy.admin.PolicyReload;
import io.custos.proxy.admin.PolicyStatus;
import io.custos.proxy.audit.AuditEvent;
import io.custos.proxy.audit.AuditLog;
import io.custos.proxy.audit.AuditRecord;
import io.custos.proxy.catalog.CatalogCache;
import io.custos.proxy.metrics.GatewayMetrics;
import io.custos.proxy.session.SessionInfo;
import io.custos.proxy.session.SessionRegistry;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What operators do to a running gateway, through the admin API or a signal: reload the policy, end sessions,
 * disable and enable users. Each action leaves an {@code admin} record in the audit trail naming what was done, to
 * whom, by which caller, and the outcome.
 */
final class GatewayControl implements AdminOperations, AutoCloseable {
    static final String PROTOCOL = "admin";

    private static final Logger log = LoggerFactory.getLogger(GatewayControl.class);
    private static final long READINESS_TIMEOUT_MILLIS = 3_000;

    private final GatewayPolicy policy;
    private final SessionRegistry sessions;
    private final AuditLog audit;
    private final GatewayMetrics metrics;
    private final Map<String, CatalogCache> backends;
    /** Readiness checks block on the backends: they run here, never on a shared pool. */
    private final ExecutorService checks;

    GatewayControl(
            GatewayPolicy policy,
            SessionRegistry sessions,
            AuditLog audit,
            GatewayMetrics metrics,
            Map<String, CatalogCache> backends) {
        this.policy = requireNonNull(policy, "policy is null");
        this.sessions = requireNonNull(sessions, "sessions is null");
        this.audit = requireNonNull(audit, "audit is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.backends = Map.copyOf(backends);
        this.checks = Executors.newFixedThreadPool(Math.max(1, backends.size()), task -> {
            Thread thread = new Thread(task, "custos-readiness");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Checked concurrently, each backend within {@value #READINESS_TIMEOUT_MILLIS} ms: a backend that does not answer
     * in time counts as failing.
     */
    @Override
    public Map<String, Boolean> readiness() {
        Map<String, CompletableFuture<Boolean>> answers = new LinkedHashMap<>();
        backends.forEach((protocol, catalog) ->
                answers.put("backend_" + protocol, CompletableFuture.supplyAsync(catalog::backendAnswers, checks)));
        Map<String, Boolean> checks = new LinkedHashMap<>();
        checks.put("policy", policy.get() != null);
        checks.put("audit", audit.healthy());
        answers.forEach((name, answer) -> checks.put(name, answered(answer)));
        return checks;
    }

    private static boolean answered(CompletableFuture<Boolean> answer) {
        try {
            return answer.get(READINESS_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    @Override
    public List<SessionInfo> sessions() {
        return sessions.list();
    }

    @Override
    public Optional<SessionInfo> endSession(int id, String caller) {
        Optional<SessionInfo> ended = sessions.end(id, "custos: session ended by an administrator");
        metrics.adminAction("end_session");
        String outcome = ended.isPresent() ? "ended" : "no such session";
        record(caller, id, ended.map(SessionInfo::user).orElse(null), "end session " + id, outcome);
        log.info("Session {} ended through the admin API by {}: {}", id, caller, outcome);
        return ended;
    }

    @Override
    public List<SessionInfo> disableUser(String user, String caller) {
        boolean changed = policy.disable(user);
        List<SessionInfo> ended = sessions.endUser(user, "custos: user '" + user + "' has been disabled");
        metrics.adminAction("disable_user");
        String outcome = (changed ? "disabled" : "already disabled") + ", " + ended.size() + " session(s) ended";
        record(caller, 0, user, "disable user " + user, outcome);
        log.info("User '{}' disabled through the admin API by {}: {}", user, caller, outcome);
        return ended;
    }

    @Override
    public void enableUser(String user, String caller) {
        try {
            policy.enable(user);
        } catch (IllegalStateException e) {
            record(caller, 0, user, "enable user " + user, "refused: " + e.getMessage());
            throw e;
        }
        metrics.adminAction("enable_user");
        record(caller, 0, user, "enable user " + user, "enabled");
        log.info("User '{}' enabled through the admin API by {}", user, caller);
    }

    @Override
    public Set<String> disabledUsers() {
        return policy.disabled();
    }

    /**
     * {@inheritDoc} {@code trigger} says what asked for it (an admin caller's address, {@code SIGHUP}, a file change)
     * in the log and the audit record.
     */
    @Override
    public synchronized PolicyReload reloadPolicy(String trigger) {
        PolicyReload reload = policy.reload();
        metrics.policyReload(reload.loaded());
        if (!reload.loaded()) {
            record(trigger, 0, null, "reload policy", "rejected: " + String.join("; ", reload.problems()));
            return reload;
        }
        log.info(
                "Policy version {} in force, reloaded on {} (was {})",
                reload.version(),
                trigger,
                reload.previousVersion());
        record(trigger, 0, null, "reload policy", "loaded version " + reload.version());
        endSessionsNoLongerAllowed();
        return reload;
    }

    /** Reloads the policy when its file changed; called by the file watcher. */
    void reloadIfChanged() {
        if (policy.fileChanged()) {
            reloadPolicy("policy file change");
        }
    }

    @Override
    public PolicyStatus policy() {
        return policy.status();
    }

    @Override
    public void close() {
        checks.shutdownNow();
    }

    /** Sessions of users the new policy removed or disabled end at once rather than at their next statement. */
    private void endSessionsNoLongerAllowed() {
        Policy current = policy.get();
        for (SessionInfo session : sessions.list()) {
            if (session.user() != null
                    && current.user(session.user()).filter(User::enabled).isEmpty()) {
                sessions.end(session.id(), "custos: user '" + session.user() + "' has been disabled");
                log.info(
                        "Session {} of user '{}' ended: the new policy disables the user",
                        session.id(),
                        session.user());
            }
        }
    }

    private void record(String caller, long sessionId, String user, String action, String outcome) {
        audit.record(new AuditRecord(
                Instant.now(),
                AuditEvent.ADMIN,
                sessionId,
                user,
                null,
                caller,
                null,
                PROTOCOL,
                null,
                action,
                null,
                null,
                null,
                outcome,
                List.of(),
                -1,
                -1,
                policy.get().version(),
                null));
    }
}
