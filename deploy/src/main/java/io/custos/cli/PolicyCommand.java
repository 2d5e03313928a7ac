package io.custos.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code custos policy}: tools for the policy file. */
@Command(
        name = "policy",
        description = "Validate a policy file, explain what it does to a statement, or hash a password for it.",
        subcommands = {ValidatePolicyCommand.class, ExplainPolicyCommand.class, HashPasswordCommand.class})
final class PolicyCommand implements Runnable {
    @ParentCommand
    private Custos custos;

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing command: validate, explain or hash-password");
    }

    Custos custos() {
        return custos;
    }
}
