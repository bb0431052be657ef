package io.koordinator.sequencer;

/**
 * The log cannot be reached now (ZooKeeper disconnected, session lost, sequencer closed). An
 * append failing with this was not written; the caller may retry later.
 */
public class SequencerUnavailableException extends RuntimeException {
    public SequencerUnavailableException(String message) {
        super(message);
    }

    public SequencerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
