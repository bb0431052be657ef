package io.koordinator.sequencer.zk;

import io.koordinator.sequencer.Positions;

/**
 * What a follower's read-ahead ({@link ZkReadAhead}) knows of one sequence number of its segment:
 * its read's state and, once answered, the data and what the read knew when it was issued.
 * {@code tailAtIssue}: the highest entry known to exist when the read was issued. {@code synced}:
 * the read was preceded by a successful sync on the same connection, and followed there by a read
 * of the compaction floor, {@code floor}. {@code byProbe}: the entry was found by a read the stall
 * probe started, and no watch event had announced it when the answer came. Immutable.
 */
record ZkSlot(State state, byte[] data, long tailAtIssue, long atNanos, boolean synced, long floor, boolean byProbe) {
    enum State {
        IN_FLIGHT,
        DATA,
        MISSING,
        ERROR
    }

    /** A slot without data or sync: in flight, or an error. */
    static ZkSlot of(State state, long tailAtIssue) {
        return new ZkSlot(state, null, tailAtIssue, System.nanoTime(), false, Positions.NONE, false);
    }
}
