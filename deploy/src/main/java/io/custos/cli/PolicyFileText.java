package io.custos.cli;

import static java.util.Objects.requireNonNull;

import io.custos.policy.AuditSettings;
import io.custos.policy.Backend;
import io.custos.policy.BackendTls;
import io.custos.policy.Listener;
import io.custos.policy.TlsSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A complete policy file made from the demo policy: its levels, roles, users, classification and limits as written,
 * with the {@code backends}, {@code listeners}, {@code audit}, {@code tls} and {@code admin} sections replaced by the
 * given ones. The demo writes one for its embedded databases, so that DBAs can edit, validate, explain and reload a
 * real file. Secrets (passwords, the audit key, the admin token) are never written into it, only the files holding
 * them.
 *
 * <p>Sections are found as top-level block mappings: a section runs from its key at column 0 to the next line that
 * starts at column 0 (the next key, or the comment above it).
 */
final class PolicyFileText {
    private PolicyFileText() {}

    /** A backend whose password is in {@code passwordFile}, reached with {@code tls}. */
    record BackendEntry(
            Backend.Protocol protocol,
            String host,
            int port,
            String database,
            String user,
            Path passwordFile,
            BackendTls tls) {
        BackendEntry {
            requireNonNull(protocol, "protocol is null");
            requireNonNull(host, "host is null");
            requireNonNull(database, "database is null");
            requireNonNull(user, "user is null");
            requireNonNull(passwordFile, "passwordFile is null");
            requireNonNull(tls, "tls is null");
        }

        /** A backend reached in clear. */
        BackendEntry(
                Backend.Protocol protocol, String host, int port, String database, String user, Path passwordFile) {
            this(protocol, host, port, database, user, passwordFile, BackendTls.DISABLED);
        }
    }

    /** The audit trail in {@code file}, sealed with the key in {@code keyFile}; rotation keeps its defaults. */
    record AuditEntry(Path file, Path keyFile, AuditSettings.Durability durability) {
        AuditEntry {
            requireNonNull(file, "file is null");
            requireNonNull(keyFile, "keyFile is null");
            requireNonNull(durability, "durability is null");
        }
    }

    /** An admin listener whose token is in {@code tokenFile}. */
    record AdminEntry(String host, int port, Path tokenFile) {
        AdminEntry {
            requireNonNull(host, "host is null");
            requireNonNull(tokenFile, "tokenFile is null");
        }
    }

    /** {@code tls}, when given, becomes the {@code tls} section: TLS towards clients on every listener. */
    static String of(
            String policy,
            List<BackendEntry> backends,
            List<Listener> listeners,
            AuditEntry audit,
            Optional<TlsSettings> tls,
            Optional<AdminEntry> admin) {
        StringBuilder backendSection = new StringBuilder("backends:\n");
        for (BackendEntry backend : backends) {
            backendSection
                    .append("  ")
                    .append(name(backend.protocol()))
                    .append(":\n")
                    .append("    host: ")
                    .append(quote(backend.host()))
                    .append('\n')
                    .append("    port: ")
                    .append(backend.port())
                    .append('\n')
                    .append("    database: ")
                    .append(quote(backend.database()))
                    .append('\n')
                    .append("    user: ")
                    .append(quote(backend.user()))
                    .append('\n')
                    .append("    password_file: ")
                    .append(quote(backend.passwordFile().toString()))
                    .append('\n');
            if (backend.tls().enabled()) {
                backendSection.append(backendTls(backend.tls()));
            }
        }
        StringBuilder listenerSection = new StringBuilder("listeners:\n");
        for (Listener listener : listeners) {
            listenerSection
                    .append("  ")
                    .append(name(listener.protocol()))
                    .append(":\n")
                    .append("    host: ")
                    .append(quote(listener.host()))
                    .append('\n')
                    .append("    port: ")
                    .append(listener.port())
                    .append('\n');
        }
        String text = replaceSection(policy, "backends", backendSection.toString());
        text = replaceSection(text, "listeners", listenerSection.toString());
        text = replaceSection(text, "audit", auditSection(audit));
        text = replaceSection(text, "tls", tls.map(PolicyFileText::tlsSection).orElse(""));
        String adminSection = admin.map(entry -> "admin:\n  host: " + quote(entry.host()) + "\n  port: " + entry.port()
                        + "\n  token_file: " + quote(entry.tokenFile().toString()) + "\n")
                .orElse("");
        return replaceSection(text, "admin", adminSection);
    }

    private static String backendTls(BackendTls tls) {
        StringBuilder entry = new StringBuilder("    tls:\n      mode: ")
                .append(tls.mode().policyName())
                .append('\n');
        tls.caFile()
                .ifPresent(ca ->
                        entry.append("      ca: ").append(quote(ca.toString())).append('\n'));
        return entry.toString();
    }

    private static String auditSection(AuditEntry audit) {
        return "audit:\n  file: " + quote(audit.file().toString())
                + "\n  key_file: " + quote(audit.keyFile().toString())
                + "\n  durability: " + audit.durability().policyName() + "\n";
    }

    private static String tlsSection(TlsSettings tls) {
        StringBuilder section = new StringBuilder("tls:\n  certificate: ")
                .append(quote(tls.certificate().toString()))
                .append("\n  key: ")
                .append(quote(tls.key().toString()))
                .append('\n');
        tls.clientCaFile().ifPresent(ca -> section.append("  client_ca: ")
                .append(quote(ca.toString()))
                .append('\n'));
        if (tls.requireTls()) {
            section.append("  require_tls: true\n");
        }
        return section.toString();
    }

    /**
     * {@code text} with the top-level section {@code key} replaced by {@code replacement} (which ends with a line
     * break), or with {@code replacement} appended when there is no such section.
     */
    static String replaceSection(String text, String key, String replacement) {
        int start = sectionStart(text, key);
        if (start < 0) {
            if (replacement.isEmpty()) {
                return text;
            }
            return text + (text.endsWith("\n") ? "" : "\n") + "\n" + replacement;
        }
        int end = text.indexOf('\n', start);
        while (end >= 0 && end + 1 < text.length()) {
            char next = text.charAt(end + 1);
            if (next != ' ' && next != '\n' && next != '\t') {
                break;
            }
            end = text.indexOf('\n', end + 1);
        }
        int stop = end < 0 ? text.length() : end + 1;
        // Keep the blank line that separated the old section from the next one.
        String separator = text.substring(start, stop).endsWith("\n\n") && !replacement.isEmpty() ? "\n" : "";
        return text.substring(0, start) + replacement + separator + text.substring(stop);
    }

    private static int sectionStart(String text, String key) {
        String line = key + ":";
        int index = text.startsWith(line) ? 0 : -1;
        if (index < 0) {
            int found = text.indexOf("\n" + line);
            index = found < 0 ? -1 : found + 1;
        }
        while (index >= 0) {
            int after = index + line.length();
            if (after == text.length() || Character.isWhitespace(text.charAt(after))) {
                return index;
            }
            int found = text.indexOf("\n" + line, after);
            index = found < 0 ? -1 : found + 1;
        }
        return -1;
    }

    private static String name(Backend.Protocol protocol) {
        return protocol.name().toLowerCase(Locale.ROOT);
    }

    /** A YAML double-quoted scalar. */
    static String quote(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
