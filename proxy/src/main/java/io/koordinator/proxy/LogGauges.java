package io.koordinator.proxy;

import io.koordinator.sequencer.Follower;
import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.Sequencer;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Gauges of the replica's view of ZooKeeper and the log, for the monitoring overlay's alerts
 * (manifests/monitoring): {@code koordinator_zookeeper_connected} and {@code
 * koordinator_log_segment_entries}. Read at scrape time, on the scraping thread; they never block.
 */
final class LogGauges {
    /**
     * ZooKeeper's default {@code jute.maxbuffer} (1 MiB) holds about 65,000 entry names in one
     * {@code getChildren} reply, which the compactor and the read-ahead ask per segment; the alert
     * fires well below.
     */
    static final long SEGMENT_ENTRIES_ALERT = 50_000;

    private LogGauges() {}

    static void register(ProxyMetrics metrics, Sequencer sequencer, Supplier<Optional<Follower>> follower) {
        metrics.gauge(
                "koordinator_zookeeper_connected",
                "1 while this replica holds a live ZooKeeper session",
                () -> sequencer.isConnected() ? 1 : 0);
        metrics.gauge(
                "koordinator_log_segment_entries",
                "Entries of the log's newest segment at or above the compaction floor, as this replica sees them",
                () -> segmentEntries(
                        follower.get().map(Follower::tailSeen).orElse(Positions.NONE), sequencer.compactionFloor()));
    }

    /** Entries of {@code tail}'s segment from the floor (or the segment's start) to {@code tail}. */
    static long segmentEntries(long tail, long floor) {
        if (tail == Positions.NONE) {
            return 0;
        }
        boolean floorInSegment = floor != Positions.NONE && Positions.segment(floor) == Positions.segment(tail);
        long from = floorInSegment ? Positions.sequence(floor) : 0;
        return Math.max(0, Positions.sequence(tail) - from + 1);
    }
}
