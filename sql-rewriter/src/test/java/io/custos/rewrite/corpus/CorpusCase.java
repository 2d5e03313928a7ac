package io.custos.rewrite.corpus;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One case of the corpus: a statement, the demo role that sends it, and what the gate must do.
 *
 * @param file the corpus file, for messages
 * @param number the statement's position in its file (from 1); every role of one statement shares it
 * @param sql the statement (or message) exactly as the client sends it
 * @param role a demo role: {@code it_engineer}, {@code info_clerk}, {@code staff} or {@code contractor}
 * @param expected what the gate does with it
 * @param rule the refusing rule ({@code role-permission}, {@code laundering} …); empty unless refused
 * @param message a part of the refusal's message the client must see; empty when the case does not say
 * @param masked for a rewrite, the outputs that come back masked
 * @param maskedSources for a rewrite, every source column the gate reports as masked, as {@code table.column}
 * @param params values bound to the statement's placeholders, in order
 * @param sqlMode MySQL sql_mode flags set in the session before the statement ({@code ANSI_QUOTES} …)
 * @param note what the case covers
 * @param notEndToEnd why the case runs against the rewriter only; empty when it runs end to end too
 */
public record CorpusCase(
        String file,
        int number,
        String sql,
        String role,
        Expected expected,
        Optional<String> rule,
        Optional<String> message,
        List<MaskedOutput> masked,
        Set<String> maskedSources,
        List<Object> params,
        List<String> sqlMode,
        String note,
        Optional<String> notEndToEnd) {
    public CorpusCase {
        requireNonNull(file, "file is null");
        requireNonNull(sql, "sql is null");
        requireNonNull(role, "role is null");
        requireNonNull(expected, "expected is null");
        requireNonNull(rule, "rule is null");
        requireNonNull(message, "message is null");
        masked = List.copyOf(masked);
        maskedSources = Set.copyOf(maskedSources);
        params = List.copyOf(params);
        sqlMode = List.copyOf(sqlMode);
        requireNonNull(note, "note is null");
        requireNonNull(notEndToEnd, "notEndToEnd is null");
    }

    public enum Expected {
        /** Sent as the client wrote it. */
        PASS,
        /** Sent rewritten, with the outputs in {@link #masked()} masked. */
        REWRITE,
        /** Refused with {@link #rule()}. */
        REFUSE
    }

    /**
     * An output that comes back masked: named by its label, or by its position (from 1) when labels repeat.
     *
     * @param maskOf the column whose mask the value gets, as {@code table.column}; empty for a value computed from
     *     protected columns, which comes back NULL
     */
    public record MaskedOutput(Optional<String> label, int position, Optional<String> maskOf) {
        public MaskedOutput {
            requireNonNull(label, "label is null");
            requireNonNull(maskOf, "maskOf is null");
        }

        @Override
        public String toString() {
            return label.orElse("#" + position) + ": " + maskOf.orElse("computed");
        }
    }

    @Override
    public String toString() {
        String shown = sql.replaceAll("\\s+", " ");
        return file + " #" + number + " " + role + ": " + (shown.length() > 90 ? shown.substring(0, 90) + "…" : shown);
    }
}
