package io.custos.proxy.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The file system, with writes and forces that fail on demand as they fail on a full disk: {@code failing} fails
 * every write and force; {@code failAfterBytes} lets that many more bytes through, then fails (a partial write).
 */
final class FailingStorage implements TrailStorage {
    volatile boolean failing;
    volatile long failAfterBytes = -1;

    @Override
    public Appender open(Path file) throws IOException {
        Appender real = TrailStorage.FILES.open(file);
        return new Appender() {
            @Override
            public int write(ByteBuffer bytes) throws IOException {
                if (failing) {
                    throw new IOException("No space left on device");
                }
                long budget = failAfterBytes;
                if (budget == 0) {
                    throw new IOException("No space left on device");
                }
                if (budget > 0 && bytes.remaining() > budget) {
                    ByteBuffer part = bytes.duplicate();
                    part.limit(part.position() + (int) budget);
                    int written = real.write(part);
                    bytes.position(bytes.position() + written);
                    failAfterBytes = 0;
                    return written;
                }
                return real.write(bytes);
            }

            @Override
            public void force() throws IOException {
                if (failing) {
                    throw new IOException("No space left on device");
                }
                real.force();
            }

            @Override
            public void close() throws IOException {
                real.close();
            }
        };
    }

    @Override
    public void move(Path from, Path to) throws IOException {
        if (failing) {
            throw new IOException("No space left on device");
        }
        TrailStorage.FILES.move(from, to);
    }

    @Override
    public void syncDirectory(Path directory) throws IOException {
        TrailStorage.FILES.syncDirectory(directory);
    }
}
