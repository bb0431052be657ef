package io.koordinator.loadtest.load;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Latency and outcome counts of the measured requests sent to one target. Thread-safe: every
 * client connection to the target records here.
 *
 * <p>Two latencies per request: <em>corrected</em>, from the time the request was meant to go out
 * (its slot on the open-loop schedule) to its response, and <em>uncorrected</em>, from the time it
 * actually went out. In closed loop the two are the same.
 */
public final class TargetStats {
    /** Latencies above this are recorded as this (HdrHistogram's trackable range). */
    static final long MAX_MICROS = TimeUnit.SECONDS.toMicros(120);

    private final String name;
    private final ConcurrentHistogram latencyMicros = new ConcurrentHistogram(MAX_MICROS, 3);
    private final ConcurrentHistogram uncorrectedMicros = new ConcurrentHistogram(MAX_MICROS, 3);
    private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    private final LongAdder requests = new LongAdder();
    private final LongAdder late = new LongAdder();

    TargetStats(String name) {
        this.name = name;
    }

    /**
     * @param late whether the request went out more than a whole slot of its open-loop schedule
     *     after its intended time: its connection was still waiting for an earlier answer
     */
    void record(String outcome, long correctedNanos, long uncorrectedNanos, boolean late) {
        requests.increment();
        if (late) {
            this.late.increment();
        }
        outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
        latencyMicros.recordValue(micros(correctedNanos));
        uncorrectedMicros.recordValue(micros(uncorrectedNanos));
    }

    static long micros(long nanos) {
        return Math.min(MAX_MICROS, Math.max(0, nanos / 1000));
    }

    public String name() {
        return name;
    }

    public long requests() {
        return requests.sum();
    }

    /** Requests that went out more than a whole open-loop slot late; none in closed loop. */
    public long lateRequests() {
        return late.sum();
    }

    /**
     * Counts by HTTP status ({@code "200"}) or failure kind ({@code "timeout"}, {@code
     * "connect-error"}, {@code "closed"}, {@code "io-error"}), sorted.
     */
    public Map<String, Long> outcomes() {
        Map<String, Long> m = new TreeMap<>();
        outcomes.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    /** A copy of the corrected latency histogram (from the intended send time), in microseconds. */
    public Histogram latencyMicros() {
        return latencyMicros.copy();
    }

    /** A copy of the uncorrected latency histogram (from the actual send time), in microseconds. */
    public Histogram uncorrectedLatencyMicros() {
        return uncorrectedMicros.copy();
    }
}
