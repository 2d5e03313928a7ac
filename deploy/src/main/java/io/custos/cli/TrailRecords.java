package io.custos.cli;

import io.custos.proxy.audit.AuditJson;
import io.custos.proxy.audit.AuditRecord;
import io.custos.proxy.audit.TrailReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The records of a trail's files, in trail order, without the trail's own marks. Lines that are not records (a torn
 * last line, a damaged one) are skipped with a warning on {@code err}: searching and reporting read what is there;
 * {@code custos audit verify} says whether it is complete and unaltered.
 */
final class TrailRecords {
    private TrailRecords() {}

    /** What each record line gives: the record and its line as written. */
    interface Visitor {
        void visit(AuditRecord record, String line);
    }

    static void forEach(List<Path> files, PrintWriter err, Visitor visitor) {
        for (Path file : files) {
            if (!Files.isRegularFile(file)) {
                throw CommandFailure.usage("custos: '" + file + "' is not a file");
            }
        }
        try {
            for (Path file : TrailReader.ordered(files)) {
                read(file, err, visitor);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the trail: " + e.getMessage(), e);
        }
    }

    private static void read(Path file, PrintWriter err, Visitor visitor) throws IOException {
        try (TrailReader reader = new TrailReader(file)) {
            for (TrailReader.Line line = reader.next(); line != null; line = reader.next()) {
                if (TrailReader.isMark(line.text())) {
                    continue;
                }
                if (!line.complete()) {
                    err.printf("custos: %s:%d: incomplete last line skipped%n", file, line.number());
                    continue;
                }
                AuditRecord record;
                try {
                    record = AuditJson.parse(line.text());
                } catch (IllegalArgumentException e) {
                    err.printf(
                            "custos: %s:%d: not an audit record, skipped (%s)%n", file, line.number(), e.getMessage());
                    continue;
                }
                visitor.visit(record, line.text());
            }
        }
    }
}
