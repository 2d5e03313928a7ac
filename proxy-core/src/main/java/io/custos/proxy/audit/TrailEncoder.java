package io.custos.proxy.audit;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Encodes the lines of the trail into one growing buffer and seals each with the chain (see {@link AuditChain}).
 * Besides the records, it writes the trail's own marks: {@code file_start} opens every file and names the line it
 * follows, {@code trail_start} and {@code trail_stop} show each start and clean stop of the gateway. Owned by the
 * writer thread.
 */
final class TrailEncoder {
    static final String FILE_START = "file_start";
    static final String TRAIL_START = "trail_start";
    static final String TRAIL_STOP = "trail_stop";

    private static final byte[] MAC_FIELD = AuditChain.MAC_FIELD.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LINE_END = "\"}\n".getBytes(StandardCharsets.US_ASCII);

    private final Buffer buffer = new Buffer();
    private final AuditChain chain;
    private int lastLineStart;

    TrailEncoder(AuditChain chain) {
        this.chain = chain;
    }

    AuditChain chain() {
        return chain;
    }

    /** Bytes encoded and not yet taken. */
    int size() {
        return buffer.size();
    }

    /** A view of everything encoded, for writing; {@link #reset} once written. */
    ByteBuffer view() {
        return buffer.view();
    }

    void reset() {
        buffer.reset();
    }

    /** Encodes a record; returns false (and encodes nothing) if the encoder failed, which is a bug. */
    boolean record(AuditRecord record) throws IOException {
        int mark = buffer.size();
        try (JsonGenerator generator = start()) {
            AuditJson.writeFields(record, generator);
        } catch (IOException | RuntimeException e) {
            buffer.truncate(mark);
            throw e;
        }
        seal(mark);
        return true;
    }

    /** The first line of a file: which file and line it follows, and why the file was started. */
    void fileStart(Instant time, String previousFile, String reason) throws IOException {
        long previousSeq = chain.seq();
        String previousMac = AuditChain.hex(chain.last());
        int mark = buffer.size();
        try (JsonGenerator generator = start()) {
            generator.writeStringField("time", time.toString());
            generator.writeStringField("event", FILE_START);
            if (previousFile != null) {
                generator.writeStringField("previous_file", previousFile);
            }
            generator.writeNumberField("previous_seq", previousSeq);
            generator.writeStringField("previous_mac", previousMac);
            generator.writeStringField("reason", reason);
        }
        seal(mark);
    }

    /** The gateway opened the trail. */
    void trailStart(Instant time, String reason) throws IOException {
        mark(time, TRAIL_START, reason);
    }

    /** The gateway closed the trail cleanly. */
    void trailStop(Instant time) throws IOException {
        mark(time, TRAIL_STOP, null);
    }

    private void mark(Instant time, String event, String reason) throws IOException {
        int mark = buffer.size();
        try (JsonGenerator generator = start()) {
            generator.writeStringField("time", time.toString());
            generator.writeStringField("event", event);
            if (reason != null) {
                generator.writeStringField("reason", reason);
            }
        }
        seal(mark);
    }

    private JsonGenerator start() throws IOException {
        JsonGenerator generator = AuditJson.trailGenerator(buffer);
        generator.writeStartObject();
        generator.writeNumberField("seq", chain.nextSeq());
        return generator;
    }

    /** The line encoded last, without its line end. */
    String lastLine() {
        return new String(buffer.bytes(), lastLineStart, buffer.size() - lastLineStart - 1, StandardCharsets.UTF_8);
    }

    /** Closing the generator flushed the line so far; seal it, then append the MAC and the line end. */
    private void seal(int mark) {
        lastLineStart = mark;
        String mac = chain.seal(buffer.bytes(), mark, buffer.size() - mark);
        buffer.write(MAC_FIELD, 0, MAC_FIELD.length);
        byte[] hex = mac.getBytes(StandardCharsets.US_ASCII);
        buffer.write(hex, 0, hex.length);
        buffer.write(LINE_END, 0, LINE_END.length);
    }

    /** A growable byte buffer whose content can be written without copying. */
    private static final class Buffer extends ByteArrayOutputStream {
        Buffer() {
            super(64 * 1024);
        }

        byte[] bytes() {
            return buf;
        }

        ByteBuffer view() {
            return ByteBuffer.wrap(buf, 0, count);
        }

        void truncate(int size) {
            count = size;
        }
    }
}
