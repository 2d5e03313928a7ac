package io.custos.cli;

import static java.util.Objects.requireNonNull;

import io.custos.policy.PolicyException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code custos} command. Exit codes: {@value #EXIT_OK} when done, {@value #EXIT_USAGE} for a usage or policy
 * error, {@value #EXIT_FAILURE} for a failure at run time, reported in one line (with the stack trace under {@code
 * --verbose}).
 */
@Command(
        name = "custos",
        scope = ScopeType.INHERIT,
        mixinStandardHelpOptions = true,
        versionProvider = Custos.Version.class,
        description = "Confidentiality gateway for PostgreSQL and MySQL.",
        subcommands = {DemoCommand.class, RunCommand.class, PolicyCommand.class, AuditCommand.class})
public final class Custos implements Runnable {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;

    private final InputStream stdin;

    @Spec
    private CommandSpec spec;

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print the stack trace of a failure.")
    private boolean verbose;

    Custos(InputStream stdin) {
        this.stdin = requireNonNull(stdin, "stdin is null");
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        System.exit(execute(System.in, out, err, args));
    }

    /** Runs the command line and returns its exit code; never calls {@link System#exit}. */
    static int execute(InputStream stdin, PrintWriter out, PrintWriter err, String... args) {
        return commandLine(stdin, out, err).execute(args);
    }

    static CommandLine commandLine(InputStream stdin, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new Custos(stdin));
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler(Custos::handleFailure);
        return commandLine;
    }

    InputStream stdin() {
        return stdin;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing command");
    }

    private static int handleFailure(Exception failure, CommandLine commandLine, ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        if (failure instanceof CommandFailure commandFailure) {
            err.println(commandFailure.getMessage());
            return commandFailure.exitCode();
        }
        if (failure instanceof PolicyException) {
            err.println(failure.getMessage());
            return EXIT_USAGE;
        }
        err.println("custos: " + oneLine(failure));
        if (isVerbose(parseResult)) {
            failure.printStackTrace(err);
        }
        err.flush();
        return EXIT_FAILURE;
    }

    private static String oneLine(Throwable failure) {
        String message = failure.getMessage();
        if (message == null || message.isBlank()) {
            message = failure.getClass().getSimpleName();
        }
        return message.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    private static boolean isVerbose(ParseResult parseResult) {
        for (ParseResult result = parseResult; result != null; result = result.subcommand()) {
            if (result.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    /** The version from the Maven descriptor packed into the jar; "development build" when run from classes. */
    static final class Version implements IVersionProvider {
        private static final String DESCRIPTOR = "/META-INF/maven/io.custos/deploy/pom.properties";

        @Override
        public String[] getVersion() {
            return new String[] {"custos " + version(), "Java " + Runtime.version()};
        }

        static String version() {
            try (InputStream in = Custos.class.getResourceAsStream(DESCRIPTOR)) {
                if (in == null) {
                    return "development build";
                }
                Properties properties = new Properties();
                properties.load(in);
                return properties.getProperty("version", "development build");
            } catch (IOException e) {
                return "development build";
            }
        }
    }
}
