package io.koordinator.sequencer.codec;

import io.koordinator.sequencer.Positions;

/**
 * An entry is written in a format version newer than {@link EntryCodec#VERSION}: a proxy of a
 * newer release wrote it. It is not damage, and it must not be skipped: the reader stops, and the
 * remedy is to upgrade the reading proxy. The message says which version was met, where, and that.
 */
public final class UnknownEntryFormatException extends CorruptEntryException {
    private final int version;
    private final long position;

    /** The version byte {@code version} (unsigned), position not known yet. */
    public UnknownEntryFormatException(int version) {
        this(version, Positions.NONE);
    }

    private UnknownEntryFormatException(int version, long position) {
        super(message(version, position));
        this.version = version;
        this.position = position;
    }

    /** The same failure, located at the entry of {@code position}. */
    public UnknownEntryFormatException at(long position) {
        return new UnknownEntryFormatException(version, position);
    }

    /** The entry format version that was met. */
    public int version() {
        return version;
    }

    /** The position of the entry, or {@link Positions#NONE} when not known. */
    public long position() {
        return position;
    }

    private static String message(int version, long position) {
        String where = position == Positions.NONE ? "an entry" : "the entry at " + Positions.format(position);
        return where + " has entry format version " + version + ", newer than the version " + EntryCodec.VERSION
                + " this proxy reads; it stops there rather than skip it: upgrade this proxy";
    }
}
