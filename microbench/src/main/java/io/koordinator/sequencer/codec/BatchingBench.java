package io.koordinator.sequencer.codec;

import io.koordinator.microbench.MicroBenchmark;
import io.koordinator.sequencer.Command;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Batching, per command: what the origin spends to turn {@value #PENDING} pending commands into
 * entries of at most {@code maxCommands} each, the way the appender takes a batch (size each
 * pending command, stop at the count or byte limit, encode), and what one follower spends to
 * decode them again. ZooKeeper and the appender's threads are not in it: this is the CPU floor
 * the batch size moves, measured per command so the sizes compare directly.
 */
@State(Scope.Benchmark)
public class BatchingBench extends MicroBenchmark {
    static final int PENDING = 1024;
    private static final int MAX_ENTRY_BYTES = 524_288;

    @Param({"1", "4", "32", "256"})
    int maxCommands;

    List<Command> commands;

    @Setup
    public void setUp() {
        commands = EntryCodecBench.commands(PENDING, 200);
    }

    @Benchmark
    @OperationsPerInvocation(PENDING)
    public int batchEncodeDecode() throws CorruptEntryException {
        ArrayDeque<Command> pending = new ArrayDeque<>(commands);
        int decoded = 0;
        while (!pending.isEmpty()) {
            List<Command> batch = new ArrayList<>();
            int bytes = EntryCodec.overhead();
            while (!pending.isEmpty() && batch.size() < maxCommands) {
                int size = EntryCodec.encodedSize(pending.peekFirst());
                if (!batch.isEmpty() && bytes + size > MAX_ENTRY_BYTES) {
                    break;
                }
                bytes += size;
                batch.add(pending.pollFirst());
            }
            decoded += EntryCodec.decode(EntryCodec.encode(batch)).commands().size();
        }
        return decoded;
    }
}
