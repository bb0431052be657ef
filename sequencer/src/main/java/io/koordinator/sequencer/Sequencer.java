package io.koordinator.sequencer;

import java.util.concurrent.CompletableFuture;

/**
 * The ordered log of one replicated group.
 *
 * <p>Life cycle as Curator recipes: the constructor validates, {@link #start()} does I/O once,
 * {@link #close()} is idempotent and never throws.
 *
 * <p>Thread safety: every method may be called from any thread, and never blocks on I/O except
 * {@link #start()}.
 */
public interface Sequencer extends AutoCloseable {
    /** Connects and creates the group's layout if missing. Call once. */
    void start() throws Exception;

    /**
     * Appends {@code command} to the log, batched with other commands (adaptive batching: while
     * appends are in flight, new commands go into the next entry).
     *
     * <p>The future completes with the command's position once its entry is in the log. It fails
     * with:
     *
     * <ul>
     *   <li>{@link SequencerUnavailableException}: the command was certainly not written (ZooKeeper
     *       unreachable before any create was sent, sequencer closed, no append slot in time); at
     *       once while ZooKeeper is unreachable. The caller may retry.
     *   <li>{@link AppendOutcomeUnknownException}: a create was sent but its outcome could not be
     *       settled within {@code sessionTimeout + connectionTimeout} (or the sequencer closed
     *       meanwhile): the command may or may not be in the log, and may still be delivered. The
     *       caller must not report it as "not written".
     *   <li>{@link IllegalArgumentException}: the command does not fit an entry.
     * </ul>
     *
     * A create whose outcome is unknown (connection loss mid-create) is retried; a resulting
     * second copy in the log is skipped by deduplication. Completion runs on a sequencer thread:
     * do not block in dependent stages.
     */
    CompletableFuture<Long> append(Command command);

    /**
     * A read barrier: the position of the last command in the log as of a moment after this call,
     * found without writing anything to the log. Every command whose append completed before the
     * call is at or below it, so a replica whose {@link Follower#appliedPosition()} has reached the
     * barrier has applied every write that completed before the call ({@link Positions#NONE} when
     * the log holds no command at all).
     *
     * <p>Fails with {@link SequencerUnavailableException} when the barrier cannot be obtained
     * (ZooKeeper unreachable, the sequencer closed); nothing was written either way, so the caller
     * may simply retry. Every call obtains a barrier of its own: callers that want several reads
     * to share one batch the calls themselves. Completion runs on a sequencer thread.
     */
    CompletableFuture<Long> readBarrier();

    /**
     * Follows the log from just after {@code from.position()} ({@link LogCheckpoint#START} for
     * the start of the log), calling {@code listener} as {@link LogListener} specifies, with the
     * deduplication table continued from {@code from.dedup()}: a follower resumed from a
     * checkpoint decides duplicates exactly as one that read the log from the start. If the
     * entries after {@code from} are compacted away, the follower stops with {@link
     * LogCompactedException} instead of skipping them.
     */
    Follower follow(LogCheckpoint from, LogListener listener);

    /**
     * The group's compaction floor: entries below it may be deleted. {@link Positions#NONE}
     * while nothing was ever compacted. The last value read; any thread, never blocks.
     */
    long compactionFloor();

    /**
     * The replicas registered in the group now, as each last published itself. Reads ZooKeeper:
     * blocks, so never call it on an event loop.
     */
    java.util.List<ReplicaInfo> replicas() throws Exception;

    /** True while the client holds a live ZooKeeper session (or the in-memory log is open). */
    boolean isConnected();

    /** "CONNECTED", "SUSPENDED", "LOST", "CLOSED", ... for status pages. */
    String connectionState();

    /**
     * Registers this replica as an ephemeral {@code replicas/<replica-id>} node with its
     * address, re-registering after session expiry, and keeps it updated with {@link
     * ReplicaInfo#appliedPosition()} from {@code progress} periodically.
     */
    void registerReplica(ReplicaInfo info, java.util.function.Supplier<ReplicaInfo> progress);

    /**
     * A secret shared by the group's replicas, created by whichever asks first (random, 32 bytes,
     * hex) and kept in the group's subtree, whose ACLs protect it. Blocks on ZooKeeper.
     */
    String sharedSecret(String name) throws Exception;

    /**
     * The identity of this group's log, different for every log ever created under the same
     * path (on ZooKeeper: the creation zxid of {@code log/}). A checkpoint records it, so a
     * checkpoint is never applied to another log than its own. Empty until the log is reached.
     */
    java.util.Optional<String> logIdentity();

    /** Counters for status and metrics. */
    SequencerStats stats();

    /** Closes the session and every follower; pending appends fail. Idempotent, never throws. */
    @Override
    void close();
}
