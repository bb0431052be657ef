package io.koordinator.loadtest.load;

import java.time.Duration;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * What a {@link LoadGenerator} run did.
 *
 * @param config the run's settings
 * @param targets per-target latency and outcome counts, in target order
 * @param writes every write sent, acknowledged or not, in no particular order
 * @param elapsed wall time of the run
 */
public record LoadResult(LoadConfig config, List<TargetStats> targets, List<WriteRecord> writes, Duration elapsed) {

    public LoadResult {
        targets = List.copyOf(targets);
        writes = List.copyOf(writes);
    }

    public long requests() {
        return targets.stream().mapToLong(TargetStats::requests).sum();
    }

    public long acknowledgedWrites() {
        return writes.stream().filter(WriteRecord::acknowledged).count();
    }

    public long unknownWrites() {
        return writes.stream()
                .filter(w -> w.outcome() == WriteRecord.Outcome.UNKNOWN)
                .count();
    }

    /** Requests per second over the whole run. */
    public double throughput() {
        return requests() / Math.max(1e-9, elapsed.toNanos() / 1e9);
    }

    /** All targets' latencies merged, in microseconds. */
    public Histogram latencyMicros() {
        Histogram h = new Histogram(TargetStats.MAX_MICROS, 3);
        targets.forEach(t -> h.add(t.latencyMicros()));
        return h;
    }
}
