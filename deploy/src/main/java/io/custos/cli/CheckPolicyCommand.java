package io.custos.cli;

import io.custos.policy.Policy;
import io.custos.policy.PolicyLoader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code custos policy check FILE}: loads and validates a policy file without starting anything. */
@Command(
        name = "check",
        description = "Load and validate a policy file; print its problems, each as file:line:column: message.")
final class CheckPolicyCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The policy file.")
    private Path file;

    @Override
    public Integer call() {
        Policy policy = PolicyLoader.load(file);
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
