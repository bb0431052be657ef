package io.koordinator.sequencer;

import java.util.Objects;

/**
 * Where a follower resumes: the last position handed to its listener and the deduplication state
 * as of that position. Following from a checkpoint gives exactly the decisions that following the
 * log from the start would have given from there on.
 *
 * @param position the last position dispatched, or {@link Positions#NONE}
 * @param dedup the deduplication table as of {@code position}
 */
public record LogCheckpoint(long position, DedupState dedup) {
    /** The start of the log. */
    public static final LogCheckpoint START = new LogCheckpoint(Positions.NONE, DedupState.EMPTY);

    public LogCheckpoint {
        if (position < Positions.NONE) {
            throw new IllegalArgumentException("not a position: " + position);
        }
        Objects.requireNonNull(dedup, "dedup");
        if (dedup.lastPosition() > position) {
            throw new IllegalArgumentException(
                    "dedup state reaches past the checkpoint position " + Positions.format(position));
        }
    }

    /** Following from a bare position with an empty dedup table: only for tests of the log itself. */
    public static LogCheckpoint at(long position) {
        return new LogCheckpoint(position, DedupState.EMPTY);
    }
}
