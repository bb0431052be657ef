package io.koordinator.sequencer;

/**
 * Positions in a group's log: 64-bit, totally ordered, identical on every replica.
 *
 * <p>A position packs three numbers, most significant first:
 *
 * <pre>
 *   bit 63      : 0 (positions are never negative)
 *   bits 47..62 : segment   (16 bits) the log segment, see "rollover" in DESIGN.md
 *   bits 16..46 : sequence  (31 bits) the entry's ZooKeeper sequential suffix in its segment
 *   bits  0..15 : index     (16 bits) the command's index inside its entry
 * </pre>
 *
 * <p>An entry's position has index 0 and is also the position of its first command. Comparing
 * two positions as plain {@code long}s compares them in log order. ZooKeeper's first sequential
 * suffix is 0, so {@code 0} is a real position and {@link #NONE} is -1.
 */
public final class Positions {
    /** Before every position: "nothing applied yet". */
    public static final long NONE = -1L;

    public static final int MAX_SEGMENT = 0xFFFF;
    public static final long MAX_SEQUENCE = 0x7FFF_FFFFL;
    public static final int MAX_INDEX = 0xFFFF;

    private Positions() {}

    public static long of(int segment, long sequence, int index) {
        if (segment < 0 || segment > MAX_SEGMENT) {
            throw new IllegalArgumentException("segment out of range: " + segment);
        }
        if (sequence < 0 || sequence > MAX_SEQUENCE) {
            throw new IllegalArgumentException("sequence out of range: " + sequence);
        }
        if (index < 0 || index > MAX_INDEX) {
            throw new IllegalArgumentException("index out of range: " + index);
        }
        return ((long) segment << 47) | (sequence << 16) | index;
    }

    public static long entry(int segment, long sequence) {
        return of(segment, sequence, 0);
    }

    public static int segment(long position) {
        return (int) (position >>> 47) & MAX_SEGMENT;
    }

    public static long sequence(long position) {
        return (position >>> 16) & MAX_SEQUENCE;
    }

    public static int index(long position) {
        return (int) position & MAX_INDEX;
    }

    /**
     * Whether a follower can resume after {@code position} when everything below {@code floor} is
     * compacted away: it re-reads the entry holding {@code position} (or the log's first entry),
     * which must not lie below the floor.
     */
    public static boolean followableAfter(long position, long floor) {
        if (floor == NONE) {
            return true;
        }
        return position == NONE ? floor <= 0 : floor <= entryOf(position);
    }

    /** The position of the entry holding the command at {@code position}. */
    public static long entryOf(long position) {
        return position & ~(long) MAX_INDEX;
    }

    /** {@code segment:sequence:index}, for logs and status pages. */
    public static String format(long position) {
        if (position == NONE) {
            return "none";
        }
        return segment(position) + ":" + sequence(position) + ":" + index(position);
    }
}
