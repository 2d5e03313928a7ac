package io.custos.cli;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code custos audit new-key}: prints a new random key for sealing the trail. */
@Command(
        name = "new-key",
        description = {
            "Print a new random key (32 bytes, Base64) for the audit trail's hash chain.",
            "Store it in the file or environment variable the policy's audit settings name, readable only by the"
                    + " gateway and the auditors, and never where the trail's writers can change it."
        })
final class AuditNewKeyCommand implements Callable<Integer> {
    private static final int KEY_BYTES = 32;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        byte[] key = new byte[KEY_BYTES];
        new SecureRandom().nextBytes(key);
        spec.commandLine().getOut().println(Base64.getEncoder().encodeToString(key));
        return Custos.EXIT_OK;
    }
}
