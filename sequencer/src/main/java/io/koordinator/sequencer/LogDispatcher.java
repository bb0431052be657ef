package io.koordinator.sequencer;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The one dispatch step every follower shares: deduplication, then the listener, then the applied
 * position. Followers differ only in how they read entries; what a replica does with the commands
 * of the log is decided here, identically for every implementation.
 *
 * <p>Positions check themselves: a position that does not increase is a broken follower, and
 * {@link #dispatch} throws with the old and the new value rather than deliver it.
 *
 * <p>Threading: {@link #dispatch} and {@link #stopped} are called by the follower's thread only.
 * {@link #betweenCommands} may be called from any thread: it runs its action while no command is
 * being dispatched, which is how a snapshot is taken "between two deliveries".
 */
public final class LogDispatcher {
    private final LogListener listener;
    private final DedupTable dedup;
    private final AtomicLong duplicates;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile long applied;

    /**
     * @param from where the follower resumes
     * @param dedupWindow the deduplication window of the group
     * @param duplicates counts duplicates skipped (shared with the sequencer's stats)
     */
    public LogDispatcher(LogCheckpoint from, Duration dedupWindow, LogListener listener, AtomicLong duplicates) {
        this.listener = Objects.requireNonNull(listener, "listener");
        this.dedup = new DedupTable(dedupWindow, DedupTable.DEFAULT_MAX_ENTRIES, from.dedup());
        this.duplicates = duplicates;
        this.applied = from.position();
    }

    /** Hands the command at {@code position} to the listener, or reports it as a duplicate. */
    public void dispatch(long position, Command command) throws Exception {
        lock.lockInterruptibly();
        try {
            long last = applied;
            if (position <= last) {
                throw new IllegalStateException("log position did not increase: " + Positions.format(last) + " then "
                        + Positions.format(position));
            }
            OptionalLong original = dedup.check(position, command);
            if (original.isPresent()) {
                duplicates.incrementAndGet();
                listener.onDuplicate(position, command, original.getAsLong());
            } else {
                listener.onCommand(position, command);
            }
            applied = position;
        } finally {
            lock.unlock();
        }
    }

    /** The follower stopped because of {@code cause}; tells the listener, once. */
    public void stopped(Throwable cause) {
        listener.onStopped(cause);
    }

    /** The last position dispatched (or the checkpoint's), any thread. */
    public long applied() {
        return applied;
    }

    /**
     * Runs {@code action} with the checkpoint as of the last dispatched command, while no command
     * is dispatched. Waits at most {@code timeout} for the command in progress to finish.
     */
    public <T> T betweenCommands(Duration timeout, Function<LogCheckpoint, T> action)
            throws InterruptedException, TimeoutException {
        if (!lock.tryLock(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            throw new TimeoutException("a delivery did not finish within " + timeout);
        }
        try {
            return action.apply(new LogCheckpoint(applied, dedup.snapshot()));
        } finally {
            lock.unlock();
        }
    }
}
