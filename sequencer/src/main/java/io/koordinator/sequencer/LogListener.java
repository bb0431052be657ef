package io.koordinator.sequencer;

/**
 * Receives a group's log, command by command.
 *
 * <p>Contract: every method is called sequentially, from one follower thread, in strict log
 * order; positions strictly increase across all calls. Every command in the log reaches exactly
 * one of {@link #onCommand} or {@link #onDuplicate}, decided only by the log, so every replica
 * decides alike. Blocking in a callback is allowed and is backpressure: the follower reads ahead
 * a bounded amount and waits.
 *
 * <p>A callback that throws stops the follower: the replica is then broken ({@link
 * Follower#failure()}), never silently skips the command.
 */
public interface LogListener {
    /** Apply {@code command}, the next command of the log, at {@code position}. */
    void onCommand(long position, Command command) throws Exception;

    /**
     * {@code command} at {@code position} repeats one applied earlier at {@code
     * originalPosition} (same request id, or same idempotency key within the window) and must
     * not be applied.
     */
    default void onDuplicate(long position, Command command, long originalPosition) throws Exception {}

    /**
     * The follower stopped for good because of {@code cause}: a callback threw, an entry was
     * corrupt, or the log is compacted past this follower ({@link LogCompactedException}). Called
     * once, from the follower thread, after the last command; not called on {@code close()}.
     */
    default void onStopped(Throwable cause) {}
}
