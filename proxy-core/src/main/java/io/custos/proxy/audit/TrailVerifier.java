package io.custos.proxy.audit;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks the chain of a trail given as files in any order (see {@link AuditChain}): files are put in order by the seq
 * of their first line, then every line must carry the next seq and a MAC that seals it to the line before.
 *
 * <p>What a break says: a line with the expected seq whose MAC does not match was altered (or forged in place of the
 * original); a seq ahead of the expected one means lines were removed, and when that happens at the first line of a
 * file, the end of the previous file or whole files were removed (the {@code file_start} line names the file it
 * follows); a seq behind the expected one means a line was inserted or moved; two neighbouring lines in swapped order
 * are reported as reordered. After a break the check resumes from the line's own seq and MAC, so every break is
 * listed, the first one first.
 *
 * <p>What it cannot see alone: lines removed from the end of the newest file. It reports where the trail ends (file,
 * line, seq and MAC) so that the end can be compared with a copy held elsewhere (the database sink, or an earlier
 * report), and notes when the trail does not end with the {@code trail_stop} of a clean stop. A torn last line of a
 * file (a crash in the middle of a write) is a note, not a break: the chain continues from the last complete line.
 */
public final class TrailVerifier {
    private static final JsonFactory JSON = new JsonFactory();
    private static final int MAX_PROBLEMS = 100;
    private static final int RECENT_MACS = 4096;

    private final AuditChain macs;
    private final List<Finding> problems = new ArrayList<>();
    private final List<Finding> notes = new ArrayList<>();

    /** The MACs of the lines seen last, by seq, so that a line is checked against its true predecessor. */
    private final Map<Long, byte[]> recentMacs = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
            return size() > RECENT_MACS;
        }
    };

    private long expectedSeq = -1;
    private byte[] previousMac;
    private Path previousFile;
    private String lastEvent;
    private TrailReader.Line lastLine;
    private long lastSeq;
    private long records;

    private TrailVerifier(byte[] key) {
        this.macs = new AuditChain(key, 0, AuditChain.GENESIS);
    }

    /** A break in the chain or a remark, at a file's line (line 0: the file as a whole). */
    public record Finding(Path file, long line, String message) {
        public String format() {
            return file + (line > 0 ? ":" + line : "") + ": " + message;
        }
    }

    /**
     * The outcome: {@code problems} are breaks (the first one first), {@code notes} are remarks that break nothing;
     * {@code lastFile}, {@code lastLine}, {@code lastSeq} and {@code lastMac} say where the checked trail ends.
     */
    public record Result(
            List<Finding> problems,
            List<Finding> notes,
            long lines,
            long firstSeq,
            long lastSeq,
            Path lastFile,
            long lastLine,
            String lastMac) {
        public boolean intact() {
            return problems.isEmpty();
        }
    }

    /** Checks {@code files} with {@code key}. */
    public static Result verify(List<Path> files, byte[] key) throws IOException {
        requireNonNull(files, "files is null");
        TrailVerifier verifier = new TrailVerifier(key);
        List<Opened> ordered = new ArrayList<>();
        for (Path file : files) {
            ordered.add(Opened.of(file));
        }
        ordered.sort(Comparator.comparingLong(Opened::firstSeq));
        long firstSeq = -1;
        for (Opened opened : ordered) {
            verifier.file(opened);
            if (firstSeq < 0 && opened.firstSeq() < Long.MAX_VALUE) {
                firstSeq = opened.firstSeq();
            }
        }
        return verifier.result(firstSeq);
    }

    private Result result(long firstSeq) {
        if (lastLine != null) {
            notes.add(new Finding(
                    lastLine.file(),
                    lastLine.number(),
                    "the trail ends here, at record " + lastSeq + " with MAC " + AuditChain.hex(previousMac)
                            + "; lines removed after it can only be seen against a copy of the trail held elsewhere"));
            if (!TrailEncoder.TRAIL_STOP.equals(lastEvent)) {
                notes.add(new Finding(
                        lastLine.file(),
                        lastLine.number(),
                        "the last record is not a trail_stop: the gateway is running, was stopped without closing"
                                + " the trail, or the end was removed"));
            }
        }
        return new Result(
                List.copyOf(problems),
                List.copyOf(notes),
                records,
                firstSeq,
                lastSeq,
                lastLine == null ? null : lastLine.file(),
                lastLine == null ? 0 : lastLine.number(),
                previousMac == null ? null : AuditChain.hex(previousMac));
    }

    private void file(Opened opened) throws IOException {
        if (opened.firstSeq() == Long.MAX_VALUE) {
            problem(opened.file(), 0, "the file holds no sealed line of an audit trail");
            return;
        }
        try (TrailReader reader = new TrailReader(opened.file())) {
            TrailReader.Line line = reader.next();
            TrailReader.Line next = line == null ? null : reader.next();
            boolean first = true;
            while (line != null) {
                line(line, next, first);
                first = false;
                line = next;
                next = line == null ? null : reader.next();
            }
        }
        previousFile = opened.file();
    }

    private void line(TrailReader.Line line, TrailReader.Line next, boolean firstOfFile) {
        if (!line.complete()) {
            notes.add(new Finding(
                    line.file(),
                    line.number(),
                    "incomplete last line (" + line.text().length()
                            + " characters): the gateway stopped while writing it; the chain continues from the line"
                            + " before"));
            return;
        }
        records++;
        Parsed parsed = Parsed.of(line.text());
        if (parsed == null) {
            problem(line, "not a sealed record of the trail: the line was altered or inserted");
            return;
        }
        if (firstOfFile && !TrailEncoder.FILE_START.equals(parsed.event())) {
            problem(line, "the file does not begin with a file_start record: lines were removed from its beginning");
        }
        if (expectedSeq < 0) {
            anchor(line, parsed);
        }
        checkSequence(line, next, parsed, firstOfFile);
        checkMac(line, parsed);
        expectedSeq = Math.max(expectedSeq, parsed.seq() + 1);
        lastSeq = parsed.seq();
        lastEvent = parsed.event();
        lastLine = line;
    }

    /** The first line checked: a file_start names what it follows; anything else is taken as it is. */
    private void anchor(TrailReader.Line line, Parsed parsed) {
        if (TrailEncoder.FILE_START.equals(parsed.event()) && parsed.previousMac() != null) {
            expectedSeq = parsed.previousSeq() + 1;
            try {
                recentMacs.put(parsed.previousSeq(), AuditChain.unhex(parsed.previousMac()));
            } catch (IllegalArgumentException e) {
                problem(line, "file_start holds a malformed previous_mac: the line was altered");
            }
            if (parsed.previousSeq() > 0) {
                notes.add(new Finding(
                        line.file(),
                        line.number(),
                        "the files given begin after record " + parsed.previousSeq() + " (in '" + parsed.previousFile()
                                + "'): earlier records were not checked"));
            }
            return;
        }
        expectedSeq = parsed.seq();
    }

    private void checkSequence(TrailReader.Line line, TrailReader.Line next, Parsed parsed, boolean firstOfFile) {
        long seq = parsed.seq();
        if (seq == expectedSeq) {
            if (firstOfFile && parsed.previousSeq() != seq - 1) {
                problem(line, "file_start names record " + parsed.previousSeq() + " as the one before it");
            }
            return;
        }
        if (seq > expectedSeq) {
            Parsed following = next == null || !next.complete() ? null : Parsed.of(next.text());
            if (following != null && following.seq() == expectedSeq && seq == expectedSeq + 1) {
                problem(line, "records " + expectedSeq + " and " + seq + " were reordered");
                return;
            }
            String missing = seq == expectedSeq + 1
                    ? "record " + expectedSeq + " is"
                    : "records " + expectedSeq + " to " + (seq - 1) + " are";
            if (!firstOfFile) {
                problem(line, missing + " missing before this line: removed");
                return;
            }
            String named = parsed.previousFile();
            boolean sameFile = previousFile != null
                    && named != null
                    && previousFile.getFileName().toString().equals(named);
            problem(
                    line,
                    missing + " missing before this file: "
                            + (sameFile
                                    ? "the end of '" + named + "' was removed"
                                    : "a whole file was removed (this file follows '" + named + "')"));
            return;
        }
        problem(line, "record " + seq + " appears where record " + expectedSeq + " belongs: inserted or reordered");
    }

    /**
     * A line is checked against the MAC of the record before it by seq, when that one was seen: after lines were
     * moved the others still check, and a line whose predecessor is missing is reported as the gap it follows.
     */
    private void checkMac(TrailReader.Line line, Parsed parsed) {
        byte[] stored;
        try {
            stored = AuditChain.unhex(parsed.mac());
        } catch (IllegalArgumentException e) {
            problem(line, "the MAC is malformed: the line was altered");
            return;
        }
        byte[] predecessor = recentMacs.get(parsed.seq() - 1);
        if (predecessor != null && parsed.seq() <= expectedSeq) {
            byte[] expected = macs.macOf(predecessor, parsed.prefix());
            if (!AuditChain.matches(expected, parsed.mac())) {
                problem(line, "record " + parsed.seq() + " does not match its MAC: altered, or forged without the key");
            }
        }
        if (!recentMacs.containsKey(parsed.seq())) {
            recentMacs.put(parsed.seq(), stored);
        }
        previousMac = stored;
    }

    private void problem(TrailReader.Line line, String message) {
        problem(line.file(), line.number(), message);
    }

    private void problem(Path file, long line, String message) {
        if (problems.size() < MAX_PROBLEMS) {
            problems.add(new Finding(file, line, message));
        }
    }

    /** A file and the seq of its first line ({@link Long#MAX_VALUE} when it has none that can be read). */
    private record Opened(Path file, long firstSeq) {
        static Opened of(Path file) throws IOException {
            try (TrailReader reader = new TrailReader(file)) {
                TrailReader.Line first = reader.next();
                Parsed parsed = first == null ? null : Parsed.of(first.text());
                return new Opened(file, parsed == null ? Long.MAX_VALUE : parsed.seq());
            }
        }
    }

    /** The fields of a line the chain needs. */
    private record Parsed(
            long seq,
            String event,
            long previousSeq,
            String previousMac,
            String previousFile,
            byte[] prefix,
            String mac) {
        static Parsed of(String text) {
            AuditChain.Sealed sealed = AuditChain.split(text);
            if (sealed == null) {
                return null;
            }
            long seq = -1;
            long previousSeq = -1;
            String event = null;
            String previousMac = null;
            String previousFile = null;
            try (JsonParser parser = JSON.createParser(text)) {
                if (parser.nextToken() != JsonToken.START_OBJECT) {
                    return null;
                }
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    parser.nextToken();
                    switch (name) {
                        case "seq" -> seq = parser.getLongValue();
                        case "event" -> event = parser.getText();
                        case "previous_seq" -> previousSeq = parser.getLongValue();
                        case "previous_mac" -> previousMac = parser.getText();
                        case "previous_file" -> previousFile = parser.getText();
                        default -> parser.skipChildren();
                    }
                }
                if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
                    return null;
                }
            } catch (IOException | RuntimeException e) {
                return null;
            }
            if (seq < 1 || event == null) {
                return null;
            }
            return new Parsed(seq, event, previousSeq, previousMac, previousFile, sealed.prefix(), sealed.mac());
        }
    }
}
