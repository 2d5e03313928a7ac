package io.custos.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The demo's own directory: its policy file and, beside it, the embedded servers' passwords and the admin token,
 * readable by the owner only. Closing it removes what it wrote, and the directory if it created it.
 */
final class DemoDirectory implements AutoCloseable {
    private static final int TOKEN_BYTES = 24;

    private final Path directory;
    private final boolean created;
    private final List<Path> written = new ArrayList<>();

    private DemoDirectory(Path directory, boolean created) {
        this.directory = directory;
        this.created = created;
    }

    static DemoDirectory create(Path directory) {
        try {
            boolean created = !Files.isDirectory(directory);
            Files.createDirectories(directory);
            return new DemoDirectory(directory.toAbsolutePath(), created);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the demo directory '" + directory + "'", e);
        }
    }

    /** A random bearer token for the admin API. */
    static String newToken() {
        byte[] bytes = new byte[TOKEN_BYTES];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    Path write(String name, String content) {
        Path file = directory.resolve(name);
        try {
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write '" + file + "'", e);
        }
        written.add(file);
        return file;
    }

    /** Writes {@code secret} to a file only its owner may read, where the file system has POSIX permissions. */
    Path writeSecret(String name, String secret) {
        Path file = write(name, secret + "\n");
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException | IOException e) {
            // Not a POSIX file system: the file keeps the directory's default permissions.
        }
        return file;
    }

    @Override
    public void close() throws IOException {
        for (Path file : written) {
            Files.deleteIfExists(file);
        }
        if (created) {
            Files.deleteIfExists(directory);
        }
    }
}
