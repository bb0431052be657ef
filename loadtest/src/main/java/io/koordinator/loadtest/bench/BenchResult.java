package io.koordinator.loadtest.bench;

import java.time.Duration;
import org.HdrHistogram.Histogram;

/**
 * One measured scenario.
 *
 * @param operations completed operations
 * @param elapsed how long they took
 * @param latencyMicros their latencies in microseconds
 */
record BenchResult(long operations, Duration elapsed, Histogram latencyMicros) {
    double rate() {
        return operations / Math.max(1e-9, elapsed.toNanos() / 1e9);
    }
}
