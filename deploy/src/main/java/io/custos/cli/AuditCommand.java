package io.custos.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code custos audit}: tools for auditors, on the files of the audit trail. */
@Command(
        name = "audit",
        description = "Check, search and report on the audit trail.",
        subcommands = {
            AuditVerifyCommand.class,
            AuditSearchCommand.class,
            AuditReportCommand.class,
            AuditNewKeyCommand.class
        })
final class AuditCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing command: verify, search, report or new-key");
    }
}
