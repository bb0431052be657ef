package io.koordinator.sequencer;

/**
 * The follower's next position lies below the group's compaction floor: the entries it needs are
 * deleted. It stops rather than skip them; the replica must transfer state from a peer.
 */
public final class LogCompactedException extends Exception {
    private final long next;
    private final long floor;

    public LogCompactedException(long next, long floor) {
        super("the log is compacted below " + Positions.format(floor) + " and this replica needs "
                + Positions.format(next) + "; state transfer from a peer is required");
        this.next = next;
        this.floor = floor;
    }

    /** The first position the follower still needed. */
    public long next() {
        return next;
    }

    /** The compaction floor: every entry below it may be deleted. */
    public long floor() {
        return floor;
    }
}
