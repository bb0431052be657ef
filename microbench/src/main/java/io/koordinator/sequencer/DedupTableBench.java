package io.koordinator.sequencer;

import io.koordinator.microbench.MicroBenchmark;
import java.time.Duration;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The deduplication window on the delivery path, per command: {@code check} of a new command in a
 * full window (it evicts the oldest), as every delivered command does once the window is full,
 * and {@code snapshot} of the whole window, as each checkpoint takes it while delivery waits.
 */
@State(Scope.Benchmark)
public class DedupTableBench extends MicroBenchmark {
    private static final String[] ORIGINS = {"r1", "r2", "r3", "r4", "r5"};
    private static final byte[] NO_PAYLOAD = new byte[0];

    @Param({"1000000"})
    int entries;

    DedupTable table;
    long position;

    @Setup(Level.Trial)
    public void fill() {
        table = new DedupTable(Duration.ofDays(1), entries);
        for (position = 1; position <= entries; position++) {
            table.check(position, command(position));
        }
    }

    private static Command command(long n) {
        return new Command(new RequestId(ORIGINS[(int) (n % ORIGINS.length)], n), 1_000, null, NO_PAYLOAD);
    }

    @Benchmark
    public boolean checkNewCommandInFullWindow() {
        long p = position++;
        return table.check(p, command(p)).isPresent();
    }

    @Benchmark
    public DedupState snapshotFullWindow() {
        return table.snapshot();
    }
}
