package io.koordinator.sequencer;

import java.util.Optional;

/** A running subscription to a group's log, see {@link Sequencer#follow}. */
public interface Follower extends AutoCloseable {
    /** Position of the last command handed to the listener, or {@link Positions#NONE}. */
    long appliedPosition();

    /**
     * The highest entry position known to exist in the log (from watches or reads), or {@link
     * Positions#NONE}. {@code tailSeen - appliedPosition} (in entries) is the lag.
     */
    long tailSeen();

    /** Entries between {@link #appliedPosition()} and {@link #tailSeen()}, 0 when caught up. */
    long lagEntries();

    /** The error that stopped this follower (a listener exception, a corrupt entry), if any. */
    Optional<Throwable> failure();

    /** Stops following; idempotent, never throws. */
    @Override
    void close();
}
