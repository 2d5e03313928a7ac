package io.custos.proxy.audit;

import static java.util.Objects.requireNonNull;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads one file of the trail line by line, keeping line numbers and whether the last line was complete. */
public final class TrailReader implements Closeable {
    private static final Pattern SEQ = Pattern.compile("\\{\"seq\":(\\d{1,18}),");
    private static final Pattern MARK =
            Pattern.compile("^\\{\"seq\":\\d+,\"time\":\"[^\"]*\",\"event\":\"(?:file_start|trail_start|trail_stop)\"");

    private final Path file;
    private final InputStream in;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(1024);
    private long number;

    public TrailReader(Path file) throws IOException {
        this.file = requireNonNull(file, "file is null");
        this.in = new BufferedInputStream(Files.newInputStream(file), 64 * 1024);
    }

    /** {@code files} in trail order: by the seq of their first line; files without one go last, as given. */
    public static List<Path> ordered(List<Path> files) throws IOException {
        Map<Path, Long> firstSeq = new HashMap<>();
        for (Path file : files) {
            firstSeq.put(file, firstSeq(file));
        }
        List<Path> ordered = new ArrayList<>(files);
        ordered.sort(Comparator.comparingLong(firstSeq::get));
        return ordered;
    }

    /** The seq of the file's first line, {@link Long#MAX_VALUE} when it has none that can be read. */
    static long firstSeq(Path file) throws IOException {
        try (TrailReader reader = new TrailReader(file)) {
            Line first = reader.next();
            if (first == null) {
                return Long.MAX_VALUE;
            }
            Matcher matcher = SEQ.matcher(first.text());
            return matcher.lookingAt() ? Long.parseLong(matcher.group(1)) : Long.MAX_VALUE;
        }
    }

    /** Whether a line is one of the trail's own marks rather than a record of a session. */
    public static boolean isMark(String line) {
        return MARK.matcher(line).find();
    }

    /** One line of a trail file; {@code complete} is false for a last line without its line end. */
    public record Line(Path file, long number, String text, boolean complete) {}

    /** The next line, or null at the end of the file. */
    public Line next() throws IOException {
        line.reset();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                number++;
                return new Line(file, number, line.toString(StandardCharsets.UTF_8), true);
            }
            line.write(b);
        }
        if (line.size() == 0) {
            return null;
        }
        number++;
        return new Line(file, number, line.toString(StandardCharsets.UTF_8), false);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
