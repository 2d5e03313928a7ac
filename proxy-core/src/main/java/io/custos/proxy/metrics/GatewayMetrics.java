package io.custos.proxy.metrics;

import static java.util.Objects.requireNonNull;

import io.custos.proxy.audit.AuditEvent;
import io.custos.proxy.audit.AuditRecord;
import io.custos.proxy.audit.AuditStatus;
import io.custos.proxy.session.SessionRegistry;
import io.custos.rewrite.StatementGate;
import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;
import io.prometheus.client.Histogram;
import io.prometheus.client.SummaryMetricFamily;
import io.prometheus.client.hotspot.DefaultExports;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The gateway's Prometheus metrics, in a registry of its own (so that several gateways in one JVM, as in tests, keep
 * apart), with the JVM's standard metrics.
 *
 * <p>Statement, refusal and authentication counts are taken from the audit records as they are handed to the trail
 * (see {@link MeteredAuditLog}): every statement has exactly one record, so the counts agree with the trail. Figures
 * other parts keep themselves (open sessions, the audit writer, the analysis caches) are read when scraped.
 */
public final class GatewayMetrics {
    private static final double[] ADDED_BUCKETS_SECONDS = {
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5
    };
    private static final double[] STATEMENT_BUCKETS_SECONDS = {
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60
    };
    private static final double NANOS_PER_SECOND = 1e9;
    private static final double MICROS_PER_SECOND = 1e6;

    private final CollectorRegistry registry = new CollectorRegistry(true);
    private final Map<String, StatementGate> gates = new ConcurrentHashMap<>();

    private final Counter statements = Counter.build()
            .name("custos_statements_total")
            .help("Statements by protocol, role, statement class and decision (allowed, rewritten, refused, failed).")
            .labelNames("protocol", "role", "statement_class", "decision")
            .register(registry);
    private final Counter refusals = Counter.build()
            .name("custos_refusals_total")
            .help("Statements refused, by protocol and the rule that refused them.")
            .labelNames("protocol", "rule")
            .register(registry);
    private final Histogram statementSeconds = Histogram.build()
            .name("custos_statement_duration_seconds")
            .help("Whole statements, from the gateway sending them to the database to the end of their result.")
            .labelNames("protocol")
            .buckets(STATEMENT_BUCKETS_SECONDS)
            .register(registry);
    private final Histogram addedSeconds = Histogram.build()
            .name("custos_gateway_added_seconds")
            .help("Time the gateway spends on a statement message before it goes to the database: splitting,"
                    + " classification, analysis and rewrite.")
            .labelNames("protocol")
            .buckets(ADDED_BUCKETS_SECONDS)
            .register(registry);
    private final Counter connections = Counter.build()
            .name("custos_connections_total")
            .help("Client connections accepted, by protocol.")
            .labelNames("protocol")
            .register(registry);
    private final Counter authenticationFailures = Counter.build()
            .name("custos_authentication_failures_total")
            .help("Failed client logins (unknown or disabled user, wrong password), by protocol.")
            .labelNames("protocol")
            .register(registry);
    private final Counter backendConnectionErrors = Counter.build()
            .name("custos_backend_connection_errors_total")
            .help("Backend connections that could not be opened or that the database closed, by protocol.")
            .labelNames("protocol")
            .register(registry);
    private final Counter policyReloads = Counter.build()
            .name("custos_policy_reloads_total")
            .help("Policy reloads, by result: loaded, or rejected with problems (the old policy stays in force).")
            .labelNames("result")
            .register(registry);
    private final Counter adminActions = Counter.build()
            .name("custos_admin_actions_total")
            .help("Actions taken through the admin API, by action.")
            .labelNames("action")
            .register(registry);

    private volatile boolean lastReloadRejected;
    private volatile SessionRegistry sessions;
    private volatile List<String> protocols = List.of();
    private volatile Supplier<AuditStatus> audit;
    private volatile BooleanSupplier auditHealthy;
    private volatile Supplier<String> policyVersion;

    public GatewayMetrics() {
        DefaultExports.register(registry);
        policyReloads.labels("loaded");
        policyReloads.labels("rejected");
        for (String action : List.of("end_session", "disable_user", "enable_user")) {
            adminActions.labels(action);
        }
        new ScrapedCollector().register(registry);
    }

    public CollectorRegistry registry() {
        return registry;
    }

    /** Counts what an audit record tells: a statement and its decision, a connection, a failed login. */
    public void recorded(AuditRecord record) {
        if (record.event() == AuditEvent.STATEMENT) {
            statement(record);
        } else if (record.event() == AuditEvent.CONNECT) {
            connections.labels(record.protocol()).inc();
        } else if (record.event() == AuditEvent.AUTH_FAILED) {
            authenticationFailures.labels(record.protocol()).inc();
        }
    }

    private void statement(AuditRecord record) {
        String statementClass =
                record.statementClass() == null ? "" : record.statementClass().policyName();
        statements
                .labels(record.protocol(), nullToEmpty(record.role()), statementClass, nullToEmpty(record.decision()))
                .inc();
        if (AuditRecord.REFUSED.equals(record.decision())) {
            refusals.labels(record.protocol(), nullToEmpty(record.rule())).inc();
        }
        if (record.durationMicros() >= 0) {
            statementSeconds.labels(record.protocol()).observe(record.durationMicros() / MICROS_PER_SECOND);
        }
    }

    /** The gateway spent {@code nanos} on a statement message of {@code protocol} before sending it on. */
    public void added(String protocol, long nanos) {
        addedSeconds.labels(protocol).observe(nanos / NANOS_PER_SECOND);
    }

    public void backendConnectionError(String protocol) {
        backendConnectionErrors.labels(protocol).inc();
    }

    public void policyReload(boolean loaded) {
        policyReloads.labels(loaded ? "loaded" : "rejected").inc();
        lastReloadRejected = !loaded;
    }

    public void adminAction(String action) {
        adminActions.labels(action).inc();
    }

    /** Reports the analysis cache of the gate serving {@code protocol}. */
    public void watch(String protocol, StatementGate gate) {
        gates.put(requireNonNull(protocol, "protocol is null"), requireNonNull(gate, "gate is null"));
    }

    /**
     * Reports the open sessions of {@code protocols} from {@code sessions}, and shows the per-protocol counters at 0
     * from the start, so that rates and alerts work before the first event.
     */
    public void watch(SessionRegistry sessions, List<String> protocols) {
        this.sessions = requireNonNull(sessions, "sessions is null");
        this.protocols = List.copyOf(protocols);
        for (String protocol : protocols) {
            connections.labels(protocol);
            authenticationFailures.labels(protocol);
            backendConnectionErrors.labels(protocol);
            statementSeconds.labels(protocol);
            addedSeconds.labels(protocol);
        }
    }

    /** Reports the audit writer's queue, writes and errors, and whether the trail is writable. */
    public void watch(Supplier<AuditStatus> audit, BooleanSupplier healthy) {
        this.audit = requireNonNull(audit, "audit is null");
        this.auditHealthy = requireNonNull(healthy, "healthy is null");
    }

    /** Reports the version of the policy in force. */
    public void watchPolicy(Supplier<String> version) {
        this.policyVersion = requireNonNull(version, "version is null");
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }

    /** The figures read at scrape time. */
    private final class ScrapedCollector extends Collector {
        @Override
        public List<MetricFamilySamples> collect() {
            List<MetricFamilySamples> families = new ArrayList<>();
            sessions(families);
            audit(families);
            caches(families);
            policy(families);
            return families;
        }

        private void sessions(List<MetricFamilySamples> families) {
            SessionRegistry registered = sessions;
            if (registered == null) {
                return;
            }
            GaugeMetricFamily open = new GaugeMetricFamily(
                    "custos_sessions_open", "Client connections open now, by protocol.", List.of("protocol"));
            for (String protocol : protocols) {
                open.addMetric(List.of(protocol), registered.open(protocol));
            }
            families.add(open);
        }

        private void audit(List<MetricFamilySamples> families) {
            Supplier<AuditStatus> source = audit;
            if (source == null) {
                return;
            }
            AuditStatus statistics = source.get();
            families.add(new GaugeMetricFamily(
                    "custos_audit_queue_depth",
                    "Audit records waiting for the writer; statements wait when the queue is full.",
                    statistics.queued()));
            SummaryMetricFamily writes = new SummaryMetricFamily(
                    "custos_audit_write_seconds",
                    "Audit writer batches and the time they took to write to the file and force to disk.",
                    List.of("operation"),
                    List.of());
            writes.addMetric(List.of("write"), statistics.writes(), statistics.writeNanos() / NANOS_PER_SECOND);
            families.add(writes);
            families.add(new CounterMetricFamily(
                    "custos_audit_write_errors_total",
                    "Audit writes or forces that failed; the writer retries them, and statements are refused meanwhile.",
                    statistics.writeErrors()));
            families.add(new GaugeMetricFamily(
                    "custos_audit_writable",
                    "1 when the last attempt to store audit records succeeded, 0 while statements are refused for it.",
                    auditHealthy.getAsBoolean() ? 1 : 0));
        }

        private void caches(List<MetricFamilySamples> families) {
            CounterMetricFamily hits = new CounterMetricFamily(
                    "custos_analysis_cache_hits_total",
                    "Statements whose verdict came from the analysis cache, by protocol.",
                    List.of("protocol"));
            CounterMetricFamily misses = new CounterMetricFamily(
                    "custos_analysis_cache_misses_total",
                    "Statements analysed because their verdict was not cached, by protocol.",
                    List.of("protocol"));
            gates.forEach((protocol, gate) -> {
                hits.addMetric(List.of(protocol), gate.cacheHits());
                misses.addMetric(List.of(protocol), gate.cacheMisses());
            });
            families.add(hits);
            families.add(misses);
        }

        private void policy(List<MetricFamilySamples> families) {
            families.add(new GaugeMetricFamily(
                    "custos_policy_reload_failed",
                    "1 when the last policy reload was rejected (the previous policy stays in force), else 0.",
                    lastReloadRejected ? 1 : 0));
            Supplier<String> version = policyVersion;
            if (version != null) {
                GaugeMetricFamily info = new GaugeMetricFamily(
                        "custos_policy_info",
                        "The policy in force: its version, as audit records carry it.",
                        List.of("version"));
                info.addMetric(List.of(version.get()), 1);
                families.add(info);
            }
        }
    }
}
