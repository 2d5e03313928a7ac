package io.custos.cli;

import io.custos.policy.Policy;
import io.custos.policy.PolicyException;
import io.custos.policy.PolicyLoader;
import io.custos.policy.Problem;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code custos policy validate FILE} (alias {@code check}, its earlier name): loads and validates a policy file
 * without starting anything, with the checks a reload of a running gateway applies.
 */
@Command(
        name = "validate",
        aliases = "check",
        description = {
            "Load and validate a policy file without starting anything.",
            "Prints every problem as file:line:column: message and exits with 2; prints 'ok' and exits with 0 when"
                    + " the file is valid."
        })
final class ValidatePolicyCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The policy file.")
    private Path file;

    @Override
    public Integer call() {
        Policy policy;
        try {
            policy = PolicyLoader.load(file);
        } catch (PolicyException e) {
            PrintWriter err = spec.commandLine().getErr();
            for (Problem problem : e.problems()) {
                err.println(problem.format());
            }
            err.printf("%d problem%s in %s%n", e.problems().size(), e.problems().size() == 1 ? "" : "s", file);
            err.flush();
            return Custos.EXIT_USAGE;
        }
        spec.commandLine()
                .getOut()
                .printf(
                        "ok (version %s, %d users, %d classified columns)%n",
                        policy.version(),
                        policy.users().size(),
                        policy.classification().rules().size());
        return Custos.EXIT_OK;
    }
}
