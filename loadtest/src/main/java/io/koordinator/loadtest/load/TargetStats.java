package io.koordinator.loadtest.load;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Latency and outcome counts of the requests sent to one target. Thread-safe: every client
 * connection to the target records here.
 */
public final class TargetStats {
    /** Latencies above this are recorded as this (HdrHistogram's trackable range). */
    static final long MAX_MICROS = TimeUnit.SECONDS.toMicros(120);

    private final String name;
    private final ConcurrentHistogram latencyMicros = new ConcurrentHistogram(MAX_MICROS, 3);
    private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    private final LongAdder requests = new LongAdder();

    TargetStats(String name) {
        this.name = name;
    }

    void record(String outcome, long latencyNanos) {
        requests.increment();
        outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
        latencyMicros.recordValue(Math.min(MAX_MICROS, Math.max(0, latencyNanos / 1000)));
    }

    public String name() {
        return name;
    }

    public long requests() {
        return requests.sum();
    }

    /** Counts by HTTP status ({@code "200"}) or failure ({@code "timeout"}, {@code "io-error"}), sorted. */
    public Map<String, Long> outcomes() {
        Map<String, Long> m = new TreeMap<>();
        outcomes.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    /** A copy of the latency histogram, in microseconds. */
    public Histogram latencyMicros() {
        return latencyMicros.copy();
    }
}
