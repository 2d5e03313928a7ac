package io.custos.proxy.audit;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The file operations the trail's writer makes, behind an interface so that a test can make them fail exactly where
 * a full disk or a lost permission makes them fail.
 */
public interface TrailStorage {
    /** Opens {@code file} for appending, creating it and its directory when absent. */
    Appender open(Path file) throws IOException;

    /** Renames {@code from} to {@code to} in one step. */
    void move(Path from, Path to) throws IOException;

    /** Makes the directory's entries (a new or renamed file) durable. */
    void syncDirectory(Path directory) throws IOException;

    /** An open file of the trail. */
    interface Appender extends Closeable {
        /** Writes some of {@code bytes}, advancing its position. */
        int write(ByteBuffer bytes) throws IOException;

        /** Forces what was written to the storage device. */
        void force() throws IOException;
    }

    /** The file system. */
    TrailStorage FILES = new TrailStorage() {
        @Override
        public Appender open(Path file) throws IOException {
            Path parent = file.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            FileChannel channel = FileChannel.open(
                    file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            return new Appender() {
                @Override
                public int write(ByteBuffer bytes) throws IOException {
                    return channel.write(bytes);
                }

                @Override
                public void force() throws IOException {
                    channel.force(false);
                }

                @Override
                public void close() throws IOException {
                    channel.close();
                }
            };
        }

        @Override
        public void move(Path from, Path to) throws IOException {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        }

        @Override
        public void syncDirectory(Path directory) throws IOException {
            // Linux forces a directory opened for reading; a platform that cannot throws, and then the rename is
            // as durable as that platform makes it.
            try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
                channel.force(true);
            } catch (IOException e) {
                if (Files.isDirectory(directory)) {
                    return;
                }
                throw e;
            }
        }
    };
}
