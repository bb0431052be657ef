package io.koordinator.sequencer;

/**
 * An append whose outcome is not known: the entry may or may not be in the log (the connection
 * was lost while its create was in flight, and retrying did not settle it in time). Unlike {@link
 * SequencerUnavailableException}, this never means "not written": a caller must treat the
 * command as possibly applied, and wait for its position or report the outcome as unknown.
 */
public final class AppendOutcomeUnknownException extends RuntimeException {
    public AppendOutcomeUnknownException(String message) {
        super(message);
    }

    public AppendOutcomeUnknownException(String message, Throwable cause) {
        super(message, cause);
    }
}
