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
     * <p>The future completes with the command's position once its entry is in the log, or
     * fails at once with {@link SequencerUnavailableException} while ZooKeeper is unreachable.
     * A command whose append outcome is unknown (connection loss mid-create) is retried; a
     * resulting second copy in the log is skipped by deduplication. Completion runs on a
     * sequencer thread: do not block in dependent stages.
     */
    CompletableFuture<Long> append(Command command);

    /**
     * Follows the log from just after {@code afterPosition} ({@link Positions#NONE} for the
     * start of the log), calling {@code listener} as {@link LogListener} specifies. The
     * deduplication table is rebuilt from the log, so following from the start gives every
     * replica the same decisions.
     */
    Follower follow(long afterPosition, LogListener listener);

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

    /** Counters for status and metrics. */
    SequencerStats stats();

    /** Closes the session and every follower; pending appends fail. Idempotent, never throws. */
    @Override
    void close();
}
