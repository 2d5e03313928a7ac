package io.custos.cli;

import io.custos.policy.Backend;
import io.custos.policy.Policy;
import io.custos.policy.PolicyHolder;
import io.custos.proxy.CustosGateway;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code custos run --config FILE}: serves the gateway a policy file describes until the process is stopped. The file
 * is reloaded when it changes, on SIGHUP and on a call of the admin API.
 */
@Command(name = "run", description = "Start the gateway with a policy file and serve until stopped.")
final class RunCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The policy file.")
    private Path config;

    @Override
    public Integer call() {
        PolicyHolder holder = new PolicyHolder(config);
        Policy policy = holder.current();
        PrintWriter out = spec.commandLine().getOut();
        Resources resources = new Resources();
        resources.closeOnShutdown();
        try {
            CustosGateway gateway = resources.add(CustosGateway.start(holder));
            if (policy.listener(Backend.Protocol.POSTGRESQL).isPresent()) {
                out.printf("Serving PostgreSQL clients on %s%n", Addresses.display(gateway.postgresAddress()));
            }
            gateway.mysqlAddress()
                    .ifPresent(address -> out.printf("Serving MySQL clients on %s%n", Addresses.display(address)));
            gateway.adminAddress()
                    .ifPresent(address -> out.printf("Admin API on http://%s%n", Addresses.display(address)));
            HangUpSignal.onSignal(() -> gateway.reloadPolicy("SIGHUP"));
            out.printf("Policy %s, version %s%n", config, policy.version());
            out.flush();
        } catch (RuntimeException e) {
            resources.close();
            throw e;
        }
        Termination.awaitSignal();
        return Custos.EXIT_OK;
    }
}
