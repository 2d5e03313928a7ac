package io.custos.cli;

import io.custos.policy.MySqlNativeVerifier;
import io.custos.policy.ScramVerifier;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code custos policy hash-password}: prints the SCRAM-SHA-256 verifier a user entry of the policy holds. */
@Command(
        name = "hash-password",
        description = "Print the SCRAM-SHA-256 verifier of a password, for the 'password' of a user in the policy.")
final class HashPasswordCommand implements Callable<Integer> {
    @ParentCommand
    private PolicyCommand policyCommand;

    @Spec
    private CommandSpec spec;

    @Option(
            names = "--password-stdin",
            description = "Read the password from the first line of standard input instead of prompting.")
    private boolean passwordStdin;

    @Option(
            names = "--mysql-native",
            description = "Also print the mysql_native_password verifier, on a second line, for MySQL clients"
                    + " that log in with mysql_native_password.")
    private boolean mysqlNative;

    @Override
    public Integer call() {
        String password = passwordStdin ? readFirstLine() : prompt();
        if (password.isEmpty()) {
            throw CommandFailure.usage("custos: the password is empty");
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(ScramVerifier.create(password, new SecureRandom()).format());
        if (mysqlNative) {
            out.println(MySqlNativeVerifier.create(password).format());
        }
        return Custos.EXIT_OK;
    }

    private String readFirstLine() {
        BufferedReader reader =
                new BufferedReader(new InputStreamReader(policyCommand.custos().stdin(), StandardCharsets.UTF_8));
        try {
            String line = reader.readLine();
            return line == null ? "" : line;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the password from standard input", e);
        }
    }

    private static String prompt() {
        Console console = System.console();
        if (console == null) {
            throw CommandFailure.usage("custos: no terminal to prompt on; pass the password with --password-stdin");
        }
        char[] first = console.readPassword("Password: ");
        char[] second = console.readPassword("Repeat password: ");
        if (first == null || second == null) {
            throw CommandFailure.usage("custos: no password given");
        }
        try {
            if (!Arrays.equals(first, second)) {
                throw CommandFailure.usage("custos: the passwords do not match");
            }
            return new String(first);
        } finally {
            Arrays.fill(first, '\0');
            Arrays.fill(second, '\0');
        }
    }
}
