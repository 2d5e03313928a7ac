package io.custos.perf;

import io.custos.policy.AuditSettings;
import io.custos.policy.Backend;
import io.custos.policy.Policy;
import io.custos.policy.SecretSource;
import io.custos.proxy.CustosGateway;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A gateway in a JVM of its own, so that its heap and resident memory are its own and the load driver's garbage
 * collection does not stop it. The harness starts it with {@link GatewayHandle}.
 *
 * <p>Arguments: {@code durability auditFile [postgresql host port database user] [mysql host port database user]};
 * the backends' passwords come in the environment ({@link #POSTGRES_PASSWORD_ENV}, {@link #MYSQL_PASSWORD_ENV}),
 * never on the command line. Once listening it prints one line {@code custos-perf ready postgresql=P mysql=M} on
 * standard output, then answers commands read from standard input, one line each:
 *
 * <ul>
 *   <li>{@code memory}: {@code custos-perf memory heapUsed=B heapCommitted=B rss=B}, the heap after a full
 *       collection (what the gateway holds, not the garbage it has not collected yet) and the resident set;
 *   <li>{@code heap}: {@code custos-perf heap used=B}, the heap now, without a collection;
 *   <li>{@code cache}: the analysis caches' hits and misses per protocol;
 *   <li>{@code quit}, or the end of standard input: stops the gateway and exits.
 * </ul>
 */
public final class GatewayProcess {
    static final String POSTGRES_PASSWORD_ENV = "CUSTOS_PERF_PG_PASSWORD";
    static final String MYSQL_PASSWORD_ENV = "CUSTOS_PERF_MYSQL_PASSWORD";
    static final String PREFIX = "custos-perf ";

    private GatewayProcess() {}

    public static void main(String[] args) throws IOException {
        // Logging goes to standard error (the harness keeps it in a file); standard output carries the answers only.
        PrintStream answers = System.out;
        System.setOut(System.err);
        AuditSettings.Durability durability = AuditSettings.Durability.valueOf(args[0].toUpperCase());
        Path auditFile = Path.of(args[1]);
        List<Backend> backends = new ArrayList<>();
        for (int index = 2; index + 5 <= args.length; index += 5) {
            Backend.Protocol protocol = Backend.Protocol.valueOf(args[index].toUpperCase());
            String variable = protocol == Backend.Protocol.POSTGRESQL ? POSTGRES_PASSWORD_ENV : MYSQL_PASSWORD_ENV;
            backends.add(new Backend(
                    protocol,
                    args[index + 1],
                    Integer.parseInt(args[index + 2]),
                    args[index + 3],
                    args[index + 4],
                    new SecretSource.Given(System.getenv(variable))));
        }
        Policy policy = HarnessPolicy.forBackends(backends, auditFile, durability);
        try (CustosGateway gateway = CustosGateway.start(policy)) {
            answers.println(PREFIX + "ready postgresql="
                    + gateway.address(Backend.Protocol.POSTGRESQL)
                            .map(address -> address.getPort())
                            .orElse(0)
                    + " mysql="
                    + gateway.mysqlAddress().map(address -> address.getPort()).orElse(0));
            answers.flush();
            serve(gateway, answers);
        }
    }

    private static void serve(CustosGateway gateway, PrintStream answers) throws IOException {
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String command;
        while ((command = commands.readLine()) != null) {
            switch (command.trim()) {
                case "memory" -> answers.println(PREFIX + "memory " + memory());
                case "heap" -> answers.println(PREFIX + "heap used="
                        + ManagementFactory.getMemoryMXBean()
                                .getHeapMemoryUsage()
                                .getUsed());
                case "cache" -> answers.println(PREFIX + "cache " + cache(gateway));
                case "quit" -> {
                    return;
                }
                default -> answers.println(PREFIX + "error unknown command " + command);
            }
            answers.flush();
        }
    }

    private static String memory() {
        System.gc();
        System.gc();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return "heapUsed=" + heap.getUsed() + " heapCommitted=" + heap.getCommitted() + " rss=" + residentBytes();
    }

    private static String cache(CustosGateway gateway) {
        StringBuilder out = new StringBuilder();
        for (Backend.Protocol protocol : Backend.Protocol.values()) {
            gateway.analysisCacheStatistics(protocol)
                    .ifPresent(statistics -> out.append(protocol.name().toLowerCase())
                            .append("Hits=")
                            .append(statistics.hits())
                            .append(' ')
                            .append(protocol.name().toLowerCase())
                            .append("Misses=")
                            .append(statistics.misses())
                            .append(' '));
        }
        return out.toString().trim();
    }

    /** VmRSS of {@code /proc/self/status}, in bytes; -1 where there is no such file. */
    static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
