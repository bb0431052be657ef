package io.koordinator.sequencer.codec;

import io.koordinator.microbench.MicroBenchmark;
import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.RequestId;
import java.util.ArrayList;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The entry codec: encoding a batch of commands into one znode's data (origin side) and decoding
 * it (every replica's follower, once per entry). Time per entry, for entries of 1, 16 and 256
 * commands of {@code payloadBytes} each (nanoseconds per entry).
 */
@State(Scope.Benchmark)
public class EntryCodecBench extends MicroBenchmark {
    @Param({"1", "16", "256"})
    int commands;

    @Param({"200"})
    int payloadBytes;

    List<Command> batch;
    byte[] encoded;

    @Setup
    public void setUp() {
        batch = commands(commands, payloadBytes);
        encoded = EntryCodec.encode(batch);
    }

    /** {@code n} commands as one origin sends them: increasing counters, no idempotency key. */
    static List<Command> commands(int n, int payloadBytes) {
        List<Command> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] payload = new byte[payloadBytes];
            payload[i % payloadBytes] = (byte) i;
            list.add(new Command(new RequestId("replica-1", 1_000_000L + i), 1_796_000_000_000L + i, null, payload));
        }
        return list;
    }

    @Benchmark
    public byte[] encode() {
        return EntryCodec.encode(batch);
    }

    @Benchmark
    public Entry decode() throws CorruptEntryException {
        return EntryCodec.decode(encoded);
    }
}
