package io.koordinator.loadtest.load;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * What a {@link LoadGenerator} run did.
 *
 * @param config the run's settings
 * @param targets per-target latency and outcome counts of the measured requests (those meant to
 *     go out after the warm-up), in target order
 * @param writes every write sent, acknowledged or not, warm-up included, in no particular order
 * @param elapsed wall time of the measured part of the run (after the warm-up)
 */
public record LoadResult(LoadConfig config, List<TargetStats> targets, List<WriteRecord> writes, Duration elapsed) {

    public LoadResult {
        targets = List.copyOf(targets);
        writes = List.copyOf(writes);
    }

    public long requests() {
        return targets.stream().mapToLong(TargetStats::requests).sum();
    }

    /**
     * Measured requests that went out more than a whole slot of their connection's open-loop
     * schedule late, because the connection still waited for an earlier answer: each connection
     * has one request in flight, so {@code connections} carry the target rate only while answers
     * take less than {@code connections / rate} on average.
     */
    public long lateRequests() {
        return targets.stream().mapToLong(TargetStats::lateRequests).sum();
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

    /**
     * All targets' latencies merged, in microseconds, from each request's intended send time
     * (corrected for coordinated omission; in closed loop the same as {@link
     * #uncorrectedLatencyMicros()}).
     */
    public Histogram latencyMicros() {
        Histogram h = new Histogram(TargetStats.MAX_MICROS, 3);
        targets.forEach(t -> h.add(t.latencyMicros()));
        return h;
    }

    /** All targets' latencies merged, in microseconds, from each request's actual send time. */
    public Histogram uncorrectedLatencyMicros() {
        Histogram h = new Histogram(TargetStats.MAX_MICROS, 3);
        targets.forEach(t -> h.add(t.uncorrectedLatencyMicros()));
        return h;
    }

    /** Every target's outcome counts added up, sorted by outcome. */
    public Map<String, Long> outcomes() {
        Map<String, Long> all = new TreeMap<>();
        targets.forEach(t -> t.outcomes().forEach((k, v) -> all.merge(k, v, Long::sum)));
        return all;
    }

    /**
     * The outcomes that are errors, by kind: every request without a response (timeout,
     * connect-error, closed, io-error) and every 5xx status. A 4xx is the app's answer (404 for an
     * absent key is normal in this workload), so it is not counted here.
     */
    public Map<String, Long> errors() {
        Map<String, Long> errors = new TreeMap<>();
        outcomes().forEach((k, v) -> {
            if (!Character.isDigit(k.charAt(0)) || k.charAt(0) == '5') {
                errors.put(k, v);
            }
        });
        return errors;
    }

    /** Requests answered with a 2xx status. */
    public long successes() {
        return outcomes().entrySet().stream()
                .filter(e -> e.getKey().startsWith("2"))
                .mapToLong(Map.Entry::getValue)
                .sum();
    }
}
