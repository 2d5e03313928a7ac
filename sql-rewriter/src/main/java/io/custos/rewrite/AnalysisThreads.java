package io.custos.rewrite;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The threads Calcite's parser, validator and the lineage walk run on. Those recurse once per level of nesting, and a
 * left-deep chain of operators or set operations nests as deep as it is long, so a statement within the analysis
 * bounds can still need more stack than an event-loop thread has; these threads have {@value #STACK_BYTES} bytes of
 * it (reserved, committed only as used). A stack overflow all the same is reported, never thrown past the gate.
 *
 * <p>Shared by every gate of the process; the threads are daemons and live as long as it.
 */
final class AnalysisThreads {
    static final long STACK_BYTES = 64L << 20;

    private static final ExecutorService THREADS =
            Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), new Factory());

    private AnalysisThreads() {}

    /** What running an analysis gave: its result, or why there is none. */
    sealed interface Outcome<T> {}

    record Done<T>(T value) implements Outcome<T> {}

    record Failed<T>(Throwable cause) implements Outcome<T> {}

    /** Runs {@code analysis} on an analysis thread and waits for it; an analysis thread runs it in place. */
    static <T> Outcome<T> run(Supplier<T> analysis) {
        if (Thread.currentThread() instanceof AnalysisThread) {
            return runHere(analysis);
        }
        Future<Outcome<T>> future = THREADS.submit(() -> runHere(analysis));
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            return new Failed<>(e);
        } catch (ExecutionException e) {
            return new Failed<>(e.getCause());
        }
    }

    /**
     * A daemon thread of its own with an analysis thread's stack, on which analyses run in place: for work that must
     * not take a pool thread from the sessions (the background warm-up).
     */
    static Thread dedicated(Runnable task, String name) {
        return new AnalysisThread(task, name);
    }

    private static <T> Outcome<T> runHere(Supplier<T> analysis) {
        try {
            return new Done<>(analysis.get());
        } catch (RuntimeException | StackOverflowError e) {
            return new Failed<>(e);
        }
    }

    private static final class AnalysisThread extends Thread {
        AnalysisThread(Runnable task, String name) {
            super(null, task, name, STACK_BYTES);
            setDaemon(true);
        }
    }

    private static final class Factory implements java.util.concurrent.ThreadFactory {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable task) {
            return new AnalysisThread(task, "custos-analysis-" + count.incrementAndGet());
        }
    }
}
