package io.koordinator.loadtest.load;

/**
 * When each request of one connection is meant to go out in open loop: {@code rate / connections}
 * per second on a fixed grid, connection {@code c} offset by {@code c / connections} of an
 * interval so the connections do not send in bursts. The grid never moves: a connection that fell
 * behind (its previous response came late) sends at once, and the latency of the late request is
 * counted from its intended time on the grid, as wrk2 does, so a stall is charged to every request
 * it held up instead of to the one it hit (coordinated omission).
 *
 * @param firstNanos {@link System#nanoTime()} of request 0
 * @param intervalNanos time between two requests of this connection
 */
record OpenLoopSchedule(long firstNanos, long intervalNanos) {

    OpenLoopSchedule {
        if (intervalNanos < 1) {
            throw new IllegalArgumentException("interval must be positive: " + intervalNanos);
        }
    }

    /** The schedule of connection {@code client} of {@code connections} sending {@code rate}/s in all. */
    static OpenLoopSchedule of(long startNanos, double rate, int connections, int client) {
        long interval = Math.max(1, Math.round(connections * 1e9 / rate));
        return new OpenLoopSchedule(startNanos + interval * client / connections, interval);
    }

    /** Intended send time of this connection's request {@code i} (0-based). */
    long intended(long i) {
        return firstNanos + i * intervalNanos;
    }
}
