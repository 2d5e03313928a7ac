package io.custos.cli;

/** A failure the command reports in its message alone and ends with {@code exitCode}. */
final class CommandFailure extends RuntimeException {
    private final int exitCode;

    CommandFailure(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    static CommandFailure usage(String message) {
        return new CommandFailure(Custos.EXIT_USAGE, message);
    }

    int exitCode() {
        return exitCode;
    }
}
