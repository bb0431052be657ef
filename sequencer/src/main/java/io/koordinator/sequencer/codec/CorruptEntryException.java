package io.koordinator.sequencer.codec;

/**
 * An entry's bytes are not a valid entry: truncated, an unknown format version, a bad checksum, a
 * length that runs past the end, trailing bytes, or text that is not UTF-8. A follower that meets
 * one stops (the replica is broken); it never skips the entry. An entry written in a newer format
 * than this code reads is the one case that is not damage: {@link UnknownEntryFormatException}.
 */
public sealed class CorruptEntryException extends Exception permits UnknownEntryFormatException {
    public CorruptEntryException(String message) {
        super(message);
    }
}
