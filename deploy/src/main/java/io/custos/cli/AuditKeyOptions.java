package io.custos.cli;

import io.custos.policy.Policy;
import io.custos.policy.PolicyLoader;
import io.custos.policy.SecretSource;
import io.custos.proxy.audit.AuditChain;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where an audit command reads the key that seals the trail: a file, a variable, or the policy's audit settings. */
final class AuditKeyOptions {
    @Option(names = "--key-file", paramLabel = "FILE", description = "Read the trail's key from this file.")
    Path keyFile;

    @Option(
            names = "--key-env",
            paramLabel = "VARIABLE",
            description = "Read the trail's key from this environment variable.")
    String keyEnv;

    @Option(
            names = "--policy",
            paramLabel = "FILE",
            description = "Read the trail's key from where the audit settings of this policy file say.")
    Path policy;

    boolean given() {
        return keyFile != null || keyEnv != null || policy != null;
    }

    /** The key bytes; a usage error when none or more than one source is given, or the key cannot be read. */
    byte[] key() {
        int given = (keyFile == null ? 0 : 1) + (keyEnv == null ? 0 : 1) + (policy == null ? 0 : 1);
        if (given != 1) {
            throw CommandFailure.usage("custos: give the trail's key with exactly one of --key-file, --key-env or"
                    + " --policy (found " + given + ")");
        }
        SecretSource source;
        if (keyFile != null) {
            source = new SecretSource.File(keyFile);
        } else if (keyEnv != null) {
            source = new SecretSource.Environment(keyEnv);
        } else {
            Policy loaded = PolicyLoader.load(policy);
            source = loaded.audit().key();
        }
        try {
            return AuditChain.keyBytes(source.read(), source.describe());
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw CommandFailure.usage("custos: " + e.getMessage());
        }
    }
}
