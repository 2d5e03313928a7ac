package io.custos.proxy.postgres;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * Follows the schemas the session's backend resolves unqualified names in, by asking the server.
 *
 * <p>Why ask rather than follow the statements: the effective search path is the outcome of PostgreSQL's settings
 * machinery (SET, SET LOCAL, SET SESSION, RESET, set_config, a rollback to a savepoint or of the transaction undoing
 * them, the end of the transaction ending SET LOCAL, functions with SET clauses, {@code "$user"} expanding to the
 * current role, schemas that do not exist or may not be used left out, the session's temporary schema appearing at
 * its first temporary table). Re-implementing it would be one more place to get it wrong; the gateway owns the
 * session's backend connection (one per session), so it asks {@code current_schemas(true)} after every message that
 * may have changed it, and at the start of the session. The answer lists the schemas in the order the server searches
 * them, implicit ones included ({@code pg_temp_N}, {@code pg_catalog}).
 *
 * <p>While the answer is due, the client's next messages wait here, unread, so the gate never reads a statement with
 * a path older than the statements before it. The backend answers in order, so the question is queued as a
 * {@link Pending.Kind#INTERNAL} entry behind the client's message, and its answer never reaches the client.
 */
final class SearchPathFollower {
    static final String QUERY = "SELECT pg_catalog.current_schemas(true)";

    private final Deque<ByteBuf> held = new ArrayDeque<>();
    private boolean asking;
    private boolean changedInBatch;
    private List<String> answer;

    /** Whether the question is out and the client's messages must wait. */
    boolean asking() {
        return asking;
    }

    void asked() {
        asking = true;
        answer = null;
    }

    void hold(ByteBuf frame) {
        held.addLast(frame);
    }

    /** The next message that waited, or {@code null}. */
    ByteBuf nextHeld() {
        return held.pollFirst();
    }

    boolean holding() {
        return !held.isEmpty();
    }

    /** An Execute of a statement that may change the path went out since the last Sync. */
    void changedInBatch() {
        changedInBatch = true;
    }

    /** At a Sync: whether to ask, since a statement of the batch may have changed the path. */
    boolean takeChangedInBatch() {
        boolean changed = changedInBatch;
        changedInBatch = false;
        return changed;
    }

    boolean changeInBatchPending() {
        return changedInBatch;
    }

    /** A DataRow of the answer: Int16 columns, Int32 length, bytes. */
    void onDataRow(ByteBuf body) {
        if (body.readableBytes() < 6 || body.readShort() != 1) {
            return;
        }
        int length = body.readInt();
        if (length < 0 || length > body.readableBytes()) {
            return;
        }
        answer = parseArray(body.toString(body.readerIndex(), length, StandardCharsets.UTF_8));
    }

    /** At the answer's ReadyForQuery: the path, unless the server could not answer (say, in a failed transaction). */
    Optional<List<String>> answered() {
        asking = false;
        return Optional.ofNullable(answer);
    }

    /** Releases what waited, when the session closes. */
    void release() {
        while (!held.isEmpty()) {
            held.pollFirst().release();
        }
    }

    /**
     * A one-dimensional array in PostgreSQL's text form, {@code {pg_catalog,public,"my schema"}}: elements separated
     * by commas, double-quoted when they hold special characters, with backslash escaping inside quotes.
     */
    static List<String> parseArray(String text) {
        List<String> elements = new ArrayList<>();
        if (text.length() < 2 || text.charAt(0) != '{' || text.charAt(text.length() - 1) != '}') {
            return elements;
        }
        StringBuilder element = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int index = 1; index < text.length() - 1; index++) {
            char c = text.charAt(index);
            if (quoted) {
                if (c == '\\' && index + 1 < text.length() - 1) {
                    element.append(text.charAt(++index));
                } else if (c == '"') {
                    quoted = false;
                } else {
                    element.append(c);
                }
            } else if (c == '"') {
                quoted = true;
                any = true;
            } else if (c == ',') {
                elements.add(element.toString());
                element.setLength(0);
                any = false;
            } else {
                element.append(c);
                any = true;
            }
        }
        if (any || !elements.isEmpty()) {
            elements.add(element.toString());
        }
        return elements;
    }
}
