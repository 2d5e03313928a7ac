package io.custos.proxy.postgres;

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
 * Framing of what a PostgreSQL server sends: the backend decoder cutting one read's bytes into messages, for a point
 * select's answer (RowDescription, one DataRow, CommandComplete, ReadyForQuery) and a 100-row one. This lives in the
 * codec's package because the decoder is package-private there; the benchmark is the only code of perf-tests in it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PostgresFramingBenchmark {
    private EmbeddedChannel channel;
    private ByteBuf pointAnswer;
    private ByteBuf rangeAnswer;

    @Setup(Level.Trial)
    public void setUp() {
        channel = new EmbeddedChannel(PostgresFrameDecoder.forServer(PostgresBackend.MAX_MESSAGE_BYTES));
        pointAnswer = answer(1);
        rangeAnswer = answer(100);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pointAnswer.release();
        rangeAnswer.release();
        channel.finishAndReleaseAll();
    }

    @Benchmark
    public int pointSelectAnswer() {
        return decode(pointAnswer);
    }

    @Benchmark
    public int hundredRowAnswer() {
        return decode(rangeAnswer);
    }

    private int decode(ByteBuf answer) {
        channel.writeInbound(answer.retainedDuplicate());
        int frames = 0;
        ByteBuf frame;
        while ((frame = channel.readInbound()) != null) {
            frames++;
            frame.release();
        }
        return frames;
    }

    /** RowDescription of four columns, {@code rows} DataRows, CommandComplete, ReadyForQuery. */
    private static ByteBuf answer(int rows) {
        ByteBuf out = PooledByteBufAllocator.DEFAULT.directBuffer();
        int start = begin(out, 'T');
        out.writeShort(4);
        for (String column : new String[] {"id", "name", "mobile", "created_at"}) {
            out.writeBytes(column.getBytes(StandardCharsets.UTF_8)).writeByte(0);
            out.writeInt(16_384)
                    .writeShort(1)
                    .writeInt(25)
                    .writeShort(-1)
                    .writeInt(-1)
                    .writeShort(0);
        }
        end(out, start);
        for (int row = 0; row < rows; row++) {
            start = begin(out, 'D');
            out.writeShort(4);
            for (String value : new String[] {"1042", "张*", "138****5678", "2024-06-01 09:30:00"}) {
                byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
                out.writeInt(bytes.length).writeBytes(bytes);
            }
            end(out, start);
        }
        start = begin(out, 'C');
        out.writeBytes(("SELECT " + rows).getBytes(StandardCharsets.US_ASCII)).writeByte(0);
        end(out, start);
        start = begin(out, 'Z');
        out.writeByte('I');
        end(out, start);
        return out;
    }

    private static int begin(ByteBuf out, char type) {
        out.writeByte(type);
        int lengthAt = out.writerIndex();
        out.writeInt(0);
        return lengthAt;
    }

    private static void end(ByteBuf out, int lengthAt) {
        out.setInt(lengthAt, out.writerIndex() - lengthAt);
    }
}
