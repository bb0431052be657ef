package io.koordinator.sequencer.zk;

import io.koordinator.sequencer.AppendOutcomeUnknownException;
import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.SequencerUnavailableException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One entry being created by {@link ZkAppender}: its commands, their futures, and what is known
 * about its creates. Its segment changes only when a rollover re-appends it.
 */
final class ZkBatch {
    /** A command waiting for an entry, with its encoded size. */
    record Pending(Command command, int size, CompletableFuture<Long> result, long enqueuedNanos) {}

    final List<Pending> items;
    final long deadlineNanos;
    byte[] data; // encoded by the appender outside its lock, before the first create
    int segment; // the appender's thread, or its lock before the first create
    /** A create was handed to Curator: the entry may be in the log from then on. */
    volatile boolean sent;

    ZkBatch(List<Pending> items, int segment, long deadlineNanos) {
        this.items = items;
        this.segment = segment;
        this.deadlineNanos = deadlineNanos;
    }

    /**
     * The exception for this batch given up: the outcome is unknown once a create was sent, and
     * "not written" only if none ever was.
     */
    RuntimeException givenUp(String why, Throwable cause) {
        return sent
                ? new AppendOutcomeUnknownException(why + "; the command may or may not be in the log", cause)
                : new SequencerUnavailableException(why + "; the command was not written", cause);
    }
}
