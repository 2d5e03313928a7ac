package io.custos.policy;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where a secret is read from: an environment variable, a file, or a value given in code (the demo). */
public sealed interface SecretSource {
    /** The secret, read now. Throws {@link IllegalStateException} with a message naming the source when it cannot. */
    String read();

    /** Where the secret comes from, for messages; never the secret itself. */
    String describe();

    record Environment(String variable) implements SecretSource {
        public Environment {
            requireNonNull(variable, "variable is null");
        }

        @Override
        public String read() {
            String value = System.getenv(variable);
            if (value == null) {
                throw new IllegalStateException("Environment variable '" + variable + "' is not set");
            }
            return value;
        }

        @Override
        public String describe() {
            return "environment variable '" + variable + "'";
        }
    }

    record File(Path path) implements SecretSource {
        public File {
            requireNonNull(path, "path is null");
        }

        @Override
        public String read() {
            try {
                return Files.readString(path, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new IllegalStateException("Cannot read secret file '" + path + "': " + e.getMessage(), e);
            }
        }

        @Override
        public String describe() {
            return "file '" + path + "'";
        }
    }

    /** A secret handed over in code, for the embedded demo database only; never read from a policy file. */
    record Given(String value) implements SecretSource {
        public Given {
            requireNonNull(value, "value is null");
        }

        @Override
        public String read() {
            return value;
        }

        @Override
        public String describe() {
            return "value given at start";
        }

        @Override
        public String toString() {
            return "Given[value=***]";
        }
    }
}
