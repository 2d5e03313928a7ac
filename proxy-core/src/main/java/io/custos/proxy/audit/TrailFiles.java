package io.custos.proxy.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names of the trail's files and what the writer needs to read back from them. The current file is the one the
 * policy names ({@code custos-audit.jsonl}); a rotated file is renamed next to it with the day (UTC) and seq of its
 * first line: {@code custos-audit-20261203-000000001234.jsonl}. Readers never rely on names: the first line of every
 * file says which line it follows.
 */
final class TrailFiles {
    private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;
    private static final JsonFactory JSON = new JsonFactory();
    private static final int TAIL_CHUNK_BYTES = 64 * 1024;

    private final Path current;
    private final String stem;
    private final String extension;
    private final Pattern rotatedName;

    TrailFiles(Path current) {
        this.current = current;
        String name = current.getFileName().toString();
        int dot = name.lastIndexOf('.');
        this.stem = dot > 0 ? name.substring(0, dot) : name;
        this.extension = dot > 0 ? name.substring(dot) : "";
        this.rotatedName = Pattern.compile(Pattern.quote(stem) + "-(\\d{8})-(\\d{12,19})" + Pattern.quote(extension));
    }

    Path current() {
        return current;
    }

    Path directory() {
        return current.toAbsolutePath().getParent();
    }

    /** The name a file whose first line is {@code firstSeq}, written on {@code day}, gets when rotated. */
    Path rotated(LocalDate day, long firstSeq) {
        return current.resolveSibling(
                stem + "-" + DAY.format(day) + "-" + String.format("%012d", firstSeq) + extension);
    }

    static LocalDate day(Instant time) {
        return LocalDate.ofInstant(time, ZoneOffset.UTC);
    }

    /** The rotated file with the highest first seq, if any. */
    Optional<Path> lastRotated() throws IOException {
        Path directory = directory();
        if (!Files.isDirectory(directory)) {
            return Optional.empty();
        }
        Path best = null;
        long bestSeq = -1;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path file : files) {
                Matcher matcher = rotatedName.matcher(file.getFileName().toString());
                if (matcher.matches() && Long.parseLong(matcher.group(2)) > bestSeq) {
                    bestSeq = Long.parseLong(matcher.group(2));
                    best = file;
                }
            }
        }
        return Optional.ofNullable(best);
    }

    /** What a file's first and last complete lines say, and whether a torn line follows the last. */
    record Ends(Line first, Line last, boolean torn) {}

    /** One line's seq, time, event and MAC. */
    record Line(long seq, Instant time, String event, byte[] mac) {}

    /**
     * Reads the first and the last complete line of {@code file}; empty when it has no complete line. A line is
     * complete when a line end follows it; whatever follows the last line end is a torn line, left by a crash in the
     * middle of a write.
     *
     * @throws IOException if the file cannot be read, or its last complete line is not a sealed line of the trail
     */
    static Optional<Ends> ends(Path file) throws IOException {
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            long end = lastLineEnd(in, length);
            if (end < 0) {
                return Optional.empty();
            }
            long lastStart = lastLineEnd(in, end) + 1;
            String last = read(in, lastStart, end - lastStart);
            long firstEnd = firstLineEnd(in, length);
            String first = read(in, 0, firstEnd);
            return Optional.of(new Ends(line(first, file), line(last, file), end + 1 < length));
        }
    }

    /** The offset of the last line end before {@code limit}, or -1. */
    private static long lastLineEnd(RandomAccessFile in, long limit) throws IOException {
        byte[] chunk = new byte[TAIL_CHUNK_BYTES];
        long position = limit;
        while (position > 0) {
            int size = (int) Math.min(chunk.length, position);
            position -= size;
            in.seek(position);
            in.readFully(chunk, 0, size);
            for (int index = size - 1; index >= 0; index--) {
                if (chunk[index] == '\n') {
                    return position + index;
                }
            }
        }
        return -1;
    }

    private static long firstLineEnd(RandomAccessFile in, long length) throws IOException {
        byte[] chunk = new byte[TAIL_CHUNK_BYTES];
        long position = 0;
        while (position < length) {
            int size = (int) Math.min(chunk.length, length - position);
            in.seek(position);
            in.readFully(chunk, 0, size);
            for (int index = 0; index < size; index++) {
                if (chunk[index] == '\n') {
                    return position + index;
                }
            }
            position += size;
        }
        return length;
    }

    private static String read(RandomAccessFile in, long start, long length) throws IOException {
        if (length > Integer.MAX_VALUE - 8) {
            throw new IOException("line of " + length + " bytes is too long");
        }
        byte[] bytes = new byte[(int) length];
        in.seek(start);
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static Line line(String text, Path file) throws IOException {
        AuditChain.Sealed sealed = AuditChain.split(text);
        if (sealed == null) {
            throw new IOException("a line of '" + file + "' is not a sealed line of the audit trail");
        }
        long seq = -1;
        Instant time = null;
        String event = null;
        try (JsonParser parser = JSON.createParser(text)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("a line of '" + file + "' is not a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                parser.nextToken();
                switch (name) {
                    case "seq" -> seq = parser.getLongValue();
                    case "time" -> time = Instant.parse(parser.getText());
                    case "event" -> event = parser.getText();
                    default -> parser.skipChildren();
                }
            }
        } catch (RuntimeException e) {
            throw new IOException("a line of '" + file + "' cannot be read: " + e.getMessage(), e);
        }
        if (seq < 1 || time == null || event == null) {
            throw new IOException("a line of '" + file + "' lacks its seq, time or event");
        }
        byte[] mac;
        try {
            mac = AuditChain.unhex(sealed.mac());
        } catch (IllegalArgumentException e) {
            throw new IOException("a line of '" + file + "' has a malformed MAC", e);
        }
        return new Line(seq, time, event, mac);
    }
}
