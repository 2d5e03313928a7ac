package io.custos.proxy.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.custos.proxy.session.SessionInfo;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP listener, served by the JDK's {@code com.sun.net.httpserver} on two threads of its own: requests are
 * few, and some block (readiness asks the databases, a reload reads the policy file), so they stay off the event
 * loops that relay statements.
 *
 * <p>Every request must carry {@code Authorization: Bearer <token>}: without one the answer is 401 with a
 * {@code WWW-Authenticate: Bearer} challenge, with a wrong one 401 with {@code error="invalid_token"} (RFC 6750,
 * section 3.1). Tokens are compared in constant time through their digests.
 *
 * <pre>
 * GET    /metrics                  Prometheus text format 0.0.4
 * GET    /healthz                  200 while the process serves
 * GET    /readyz                   200 when the policy is loaded, the backends answer and the audit trail is writable,
 *                                  else 503; the body names each check
 * GET    /sessions                 the open sessions
 * DELETE /sessions/{id}            end one session
 * GET    /users/disabled           the users disabled through this API
 * POST   /users/{name}/disable     end the user's sessions on every protocol and refuse their logins
 * POST   /users/{name}/enable      let the user log in again
 * GET    /policy                   the policy in force and the last reload
 * POST   /policy/reload            reload the policy file: 200 when the new policy is in force, 422 with its problems
 * </pre>
 */
public final class AdminServer implements AutoCloseable {
    /** Shorter tokens are refused at start: the admin API ends sessions and disables users. */
    public static final int MIN_TOKEN_CHARS = 16;

    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    private static final JsonFactory JSON = JsonFactory.builder().build();
    private static final String JSON_TYPE = "application/json; charset=utf-8";
    private static final String TEXT_TYPE = "text/plain; charset=utf-8";
    private static final Pattern SESSION = Pattern.compile("/sessions/(\\d{1,9})");
    private static final Pattern USER_ACTION = Pattern.compile("/users/([^/]+)/(disable|enable)");
    private static final int THREADS = 2;

    private final HttpServer server;
    private final ExecutorService executor;
    private final byte[] tokenDigest;
    private final CollectorRegistry metrics;
    private final AdminOperations operations;

    private AdminServer(
            HttpServer server, ExecutorService executor, String token, CollectorRegistry metrics, AdminOperations ops) {
        this.server = server;
        this.executor = executor;
        this.tokenDigest = digest(token);
        this.metrics = metrics;
        this.operations = ops;
    }

    /**
     * Binds {@code host:port} (port 0 picks a free one) and starts serving.
     *
     * @throws IllegalArgumentException when the token is shorter than {@value #MIN_TOKEN_CHARS} characters
     * @throws IOException when the address cannot be bound
     */
    public static AdminServer start(
            String host, int port, String token, CollectorRegistry metrics, AdminOperations operations)
            throws IOException {
        requireNonNull(host, "host is null");
        requireNonNull(token, "token is null");
        requireNonNull(metrics, "metrics is null");
        requireNonNull(operations, "operations is null");
        if (token.length() < MIN_TOKEN_CHARS) {
            throw new IllegalArgumentException("the admin token has " + token.length()
                    + " characters (expected: at least " + MIN_TOKEN_CHARS + ")");
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, task -> {
            Thread thread = new Thread(task, "custos-admin");
            thread.setDaemon(true);
            return thread;
        });
        AdminServer admin = new AdminServer(server, executor, token, metrics, operations);
        server.setExecutor(executor);
        server.createContext("/", admin::handle);
        server.start();
        return admin;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(HttpExchange exchange) {
        try {
            if (!authorized(exchange)) {
                return;
            }
            route(
                    exchange,
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().getPath());
        } catch (IOException e) {
            log.debug("admin request from {} failed: {}", exchange.getRemoteAddress(), e.toString());
        } catch (RuntimeException e) {
            log.error("admin request {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            try {
                sendError(exchange, 500, "internal error: " + e.getMessage());
            } catch (IOException ignored) {
                // The client is gone; the failure is logged above.
            }
        } finally {
            exchange.close();
        }
    }

    private boolean authorized(HttpExchange exchange) throws IOException {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"custos\"");
            sendError(exchange, 401, "a bearer token is required");
            return false;
        }
        String token = header.substring(7).strip();
        if (!MessageDigest.isEqual(digest(token), tokenDigest)) {
            log.info("admin request with a wrong token from {}", exchange.getRemoteAddress());
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"custos\", error=\"invalid_token\"");
            sendError(exchange, 401, "the bearer token is not valid");
            return false;
        }
        return true;
    }

    private void route(HttpExchange exchange, String method, String path) throws IOException {
        switch (path) {
            case "/metrics" -> onlyGet(exchange, method, this::metrics);
            case "/healthz" -> onlyGet(exchange, method, e -> send(e, 200, TEXT_TYPE, bytes("ok\n")));
            case "/readyz" -> onlyGet(exchange, method, this::readiness);
            case "/sessions" -> onlyGet(exchange, method, this::sessions);
            case "/users/disabled" -> onlyGet(exchange, method, this::disabledUsers);
            case "/policy" -> onlyGet(exchange, method, this::policy);
            case "/policy/reload" -> only(exchange, method, "POST", this::reload);
            default -> routeWithParameters(exchange, method, path);
        }
    }

    private void routeWithParameters(HttpExchange exchange, String method, String path) throws IOException {
        Matcher session = SESSION.matcher(path);
        if (session.matches()) {
            only(exchange, method, "DELETE", e -> endSession(e, session.group(1)));
            return;
        }
        Matcher user = USER_ACTION.matcher(path);
        if (user.matches()) {
            only(exchange, method, "POST", e -> userAction(e, user.group(1), user.group(2)));
            return;
        }
        sendError(exchange, 404, "no such resource: " + path);
    }

    private interface Handler {
        void handle(HttpExchange exchange) throws IOException;
    }

    private static void onlyGet(HttpExchange exchange, String method, Handler handler) throws IOException {
        only(exchange, method, "GET", handler);
    }

    private static void only(HttpExchange exchange, String method, String allowed, Handler handler) throws IOException {
        if (!method.equals(allowed)) {
            exchange.getResponseHeaders().set("Allow", allowed);
            sendError(exchange, 405, method + " is not allowed here (expected: " + allowed + ")");
            return;
        }
        handler.handle(exchange);
    }

    private void metrics(HttpExchange exchange) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
        try (Writer writer = new OutputStreamWriter(body, StandardCharsets.UTF_8)) {
            TextFormat.write004(writer, metrics.metricFamilySamples());
        }
        send(exchange, 200, TextFormat.CONTENT_TYPE_004, body.toByteArray());
    }

    private void readiness(HttpExchange exchange) throws IOException {
        Map<String, Boolean> checks = operations.readiness();
        boolean ready = checks.values().stream().allMatch(Boolean::booleanValue);
        sendJson(exchange, ready ? 200 : 503, json -> {
            json.writeBooleanField("ready", ready);
            json.writeObjectFieldStart("checks");
            for (Map.Entry<String, Boolean> check : checks.entrySet()) {
                json.writeStringField(check.getKey(), check.getValue() ? "ok" : "failing");
            }
            json.writeEndObject();
        });
    }

    private void sessions(HttpExchange exchange) throws IOException {
        List<SessionInfo> sessions = operations.sessions();
        sendJson(exchange, 200, json -> {
            json.writeArrayFieldStart("sessions");
            for (SessionInfo session : sessions) {
                json.writeStartObject();
                writeSession(json, session);
                json.writeEndObject();
            }
            json.writeEndArray();
        });
    }

    private static void writeSession(JsonGenerator json, SessionInfo session) throws IOException {
        json.writeNumberField("id", session.id());
        writeNullable(json, "user", session.user());
        writeNullable(json, "role", session.role());
        json.writeStringField("protocol", session.protocol());
        json.writeStringField("client", session.clientAddress());
        json.writeStringField("since", session.since().toString());
        json.writeNumberField("statements", session.statements());
        writeNullable(json, "statement_class", session.statementClass());
    }

    private void endSession(HttpExchange exchange, String id) throws IOException {
        Optional<SessionInfo> ended = operations.endSession(Integer.parseInt(id), caller(exchange));
        if (ended.isEmpty()) {
            sendError(exchange, 404, "no session " + id);
            return;
        }
        sendJson(exchange, 200, json -> {
            json.writeObjectFieldStart("ended");
            writeSession(json, ended.get());
            json.writeEndObject();
        });
    }

    private void userAction(HttpExchange exchange, String user, String action) throws IOException {
        try {
            if (action.equals("disable")) {
                List<SessionInfo> ended = operations.disableUser(user, caller(exchange));
                sendJson(exchange, 200, json -> {
                    json.writeStringField("user", user);
                    json.writeBooleanField("enabled", false);
                    json.writeArrayFieldStart("ended_sessions");
                    for (SessionInfo session : ended) {
                        json.writeNumber(session.id());
                    }
                    json.writeEndArray();
                });
                return;
            }
            operations.enableUser(user, caller(exchange));
            sendJson(exchange, 200, json -> {
                json.writeStringField("user", user);
                json.writeBooleanField("enabled", true);
            });
        } catch (AdminOperations.UnknownUserException e) {
            sendError(exchange, 404, e.getMessage());
        } catch (IllegalStateException e) {
            sendError(exchange, 409, e.getMessage());
        }
    }

    private void disabledUsers(HttpExchange exchange) throws IOException {
        List<String> users = operations.disabledUsers().stream().sorted().toList();
        sendJson(exchange, 200, json -> {
            json.writeArrayFieldStart("disabled_users");
            for (String user : users) {
                json.writeString(user);
            }
            json.writeEndArray();
        });
    }

    private void policy(HttpExchange exchange) throws IOException {
        PolicyStatus status = operations.policy();
        sendJson(exchange, 200, json -> {
            json.writeStringField("version", status.version());
            writeNullable(json, "file", status.file().orElse(null));
            json.writeStringField("loaded_at", status.loadedAt().toString());
            writeNullable(
                    json,
                    "last_reload",
                    status.lastReload().map(Object::toString).orElse(null));
            json.writeBooleanField("last_reload_loaded", status.lastReloadLoaded());
        });
    }

    private void reload(HttpExchange exchange) throws IOException {
        PolicyReload reload = operations.reloadPolicy(caller(exchange));
        sendJson(exchange, reload.loaded() ? 200 : 422, json -> {
            json.writeBooleanField("loaded", reload.loaded());
            json.writeStringField("version", reload.version());
            json.writeStringField("previous_version", reload.previousVersion());
            writeStrings(json, "problems", reload.problems());
            writeStrings(json, "restart_needed", reload.restartNeeded());
        });
    }

    private static String caller(HttpExchange exchange) {
        InetSocketAddress remote = exchange.getRemoteAddress();
        return remote.getAddress().getHostAddress() + ":" + remote.getPort();
    }

    private interface JsonBody {
        void write(JsonGenerator json) throws IOException;
    }

    private static void sendJson(HttpExchange exchange, int status, JsonBody body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator json = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            json.useDefaultPrettyPrinter();
            json.writeStartObject();
            body.write(json);
            json.writeEndObject();
        }
        out.write('\n');
        send(exchange, status, JSON_TYPE, out.toByteArray());
    }

    private static void sendError(HttpExchange exchange, int status, String message) throws IOException {
        sendJson(exchange, status, json -> json.writeStringField("error", message));
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static void writeNullable(JsonGenerator json, String field, String value) throws IOException {
        if (value == null) {
            json.writeNullField(field);
        } else {
            json.writeStringField(field, value);
        }
    }

    private static void writeStrings(JsonGenerator json, String field, List<String> values) throws IOException {
        json.writeArrayFieldStart(field);
        for (String value : values) {
            json.writeString(value);
        }
        json.writeEndArray();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes(token));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
