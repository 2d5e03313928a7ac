package io.custos.cli.support;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Netty's leak detector at {@code paranoid} (every buffer tracked) for the duration of a test, with its reports
 * collected: a buffer that is garbage collected without being released is logged by {@link ResourceLeakDetector} at
 * ERROR when a later allocation polls its queue, and {@link #leaks()} forces that poll.
 */
public final class LeakWatch implements AutoCloseable {
    private final ResourceLeakDetector.Level previous = ResourceLeakDetector.getLevel();
    private final Logger logger = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
    private final List<String> reports = new CopyOnWriteArrayList<>();
    private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
            if (event.getLevel().isGreaterOrEqual(Level.ERROR)) {
                reports.add(event.getFormattedMessage());
            }
        }
    };

    private LeakWatch() {
        appender.setName("leak-watch");
        appender.setContext(logger.getLoggerContext());
        appender.start();
        logger.addAppender(appender);
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }

    public static LeakWatch start() {
        return new LeakWatch();
    }

    /**
     * Collects garbage and allocates until the detector has looked at what was collected; returns its reports, first
     * lines only.
     */
    public List<String> leaks() {
        for (int round = 0; round < 5; round++) {
            System.gc();
            System.runFinalization();
            for (int i = 0; i < 200; i++) {
                ByteBuf pooled = ByteBufAllocator.DEFAULT.buffer(16);
                pooled.release();
                ByteBuf unpooled = Unpooled.buffer(16);
                unpooled.release();
            }
        }
        return reports.stream()
                .map(report -> report.lines().findFirst().orElse(report))
                .toList();
    }

    @Override
    public void close() {
        ResourceLeakDetector.setLevel(previous);
        logger.detachAppender(appender);
        appender.stop();
    }
}
