package io.custos.cli;

import io.custos.proxy.audit.TrailVerifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code custos audit verify FILES…}: checks the hash chain of the trail's files and reports every break, the first
 * one first, with its file and line. Exit status 0 when the chain is intact, 1 when it is broken.
 */
@Command(
        name = "verify",
        description = {
            "Check the hash chain of audit trail files (current and rotated, in any order).",
            "Prints each record that was altered, removed, inserted or reordered, the first one first, as"
                    + " file:line: what; exits 1 if there is any, 0 if the chain is intact."
        })
final class AuditVerifyCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private AuditKeyOptions key;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "The trail's files.")
    private List<Path> files;

    @Override
    public Integer call() {
        for (Path file : files) {
            if (!Files.isRegularFile(file)) {
                throw CommandFailure.usage("custos: '" + file + "' is not a file");
            }
        }
        TrailVerifier.Result result;
        try {
            result = TrailVerifier.verify(files, key.key());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the trail: " + e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        result.problems().forEach(problem -> out.println("BROKEN " + problem.format()));
        result.notes().forEach(note -> out.println("note   " + note.format()));
        if (result.intact()) {
            out.printf(
                    "intact: %d lines in %d files, records %d to %d%n",
                    result.lines(), files.size(), result.firstSeq(), result.lastSeq());
            out.flush();
            return Custos.EXIT_OK;
        }
        out.printf(
                "BROKEN: %d problems in %d lines of %d files; the first is at %s%n",
                result.problems().size(),
                result.lines(),
                files.size(),
                result.problems().get(0).file() + ":" + result.problems().get(0).line());
        out.flush();
        return Custos.EXIT_FAILURE;
    }
}
