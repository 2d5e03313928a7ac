package io.custos.proxy.mysql;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Framing of what a MySQL server sends: the backend decoder cutting one read's bytes into packets, for a 100-row text
 * result (column count, four column definitions, EOF, rows, EOF). In the codec's package because the decoder is
 * package-private there.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MySqlFramingBenchmark {
    private EmbeddedChannel channel;
    private ByteBuf result;

    @Setup(Level.Trial)
    public void setUp() {
        channel = new EmbeddedChannel(MySqlFrameDecoder.forServer());
        result = PooledByteBufAllocator.DEFAULT.directBuffer();
        int sequence = 1;
        packet(result, sequence++, new byte[] {4});
        for (String column : new String[] {"id", "name", "mobile", "created_at"}) {
            packet(
                    result,
                    sequence++,
                    ("\3def\13custos_demo\10customer\10customer" + column).getBytes(StandardCharsets.UTF_8));
        }
        packet(result, sequence++, new byte[] {(byte) 0xFE, 0, 0, 2, 0});
        for (int row = 0; row < 100; row++) {
            packet(
                    result,
                    sequence++,
                    "\0041042\4张*\013138****5678\0232024-06-01 09:30:00".getBytes(StandardCharsets.UTF_8));
        }
        packet(result, sequence, new byte[] {(byte) 0xFE, 0, 0, 2, 0});
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        result.release();
        channel.finishAndReleaseAll();
    }

    @Benchmark
    public int hundredRowResult() {
        channel.writeInbound(result.retainedDuplicate());
        int packets = 0;
        Object packet;
        while ((packet = channel.readInbound()) != null) {
            packets++;
            io.netty.util.ReferenceCountUtil.release(packet);
        }
        return packets;
    }

    private static void packet(ByteBuf out, int sequence, byte[] payload) {
        out.writeMediumLE(payload.length).writeByte(sequence & 0xFF).writeBytes(payload);
    }
}
