package io.koordinator.sequencer;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.zookeeper.KeeperException;

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

    /**
     * Whether this follower has, at least once since it started, found no entry at its next
     * position with no higher one known: it has read the log up to its end as it was then. Until
     * then {@link #lagEntries()} may be 0 only because nothing was read yet.
     */
    boolean reachedTail();

    /** The error that stopped this follower (a listener exception, a corrupt entry), if any. */
    Optional<Throwable> failure();

    /**
     * Whether {@code failure} is a lost connection or session to the log's store, which says
     * nothing about the log or the listener: a new follower from the same position goes on.
     */
    static boolean lostConnection(Throwable failure) {
        return failure instanceof KeeperException.ConnectionLossException
                || failure instanceof KeeperException.SessionExpiredException
                || failure instanceof KeeperException.SessionMovedException
                || failure instanceof KeeperException.OperationTimeoutException;
    }

    /**
     * Runs {@code action} between two commands, with the checkpoint as of the last one handed to
     * the listener: no command is dispatched while it runs. Waits at most {@code timeout} for the
     * command in progress. A snapshot of the app taken inside {@code action} matches the
     * checkpoint exactly.
     */
    <T> T betweenCommands(Duration timeout, Function<LogCheckpoint, T> action)
            throws InterruptedException, TimeoutException;

    /** Stops following; idempotent, never throws. */
    @Override
    void close();
}
