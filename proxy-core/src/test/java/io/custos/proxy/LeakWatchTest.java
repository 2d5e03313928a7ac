package io.custos.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

/** The fuzzers' leak check is only as good as its detector: a buffer dropped unreleased must be reported. */
class LeakWatchTest {
    @Test
    void leaks_bufferDroppedWithoutRelease_isReported() {
        try (LeakWatch watch = LeakWatch.start()) {
            dropUnreleased();

            assertThat(watch.leaks()).isNotEmpty().allSatisfy(report -> assertThat(report)
                    .contains("LEAK"));
        }
    }

    @Test
    void leaks_releasedBuffers_noReport() {
        try (LeakWatch watch = LeakWatch.start()) {
            ByteBufAllocator.DEFAULT.buffer(64).writeLong(1).release();

            assertThat(watch.leaks()).isEmpty();
        }
    }

    private static void dropUnreleased() {
        ByteBufAllocator.DEFAULT.buffer(64).writeLong(42);
    }
}
