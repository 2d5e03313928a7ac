package io.custos.cli;

import java.util.concurrent.CountDownLatch;

/** Blocks a serving command's thread until the JVM stops; the shutdown hook of {@link Resources} cleans up. */
final class Termination {
    private Termination() {}

    static void awaitSignal() {
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
