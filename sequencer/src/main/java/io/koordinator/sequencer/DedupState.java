package io.koordinator.sequencer;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable copy of a {@link DedupTable}: its clock and what it remembers, in log order. Part
 * of every checkpoint, so a replica that resumes from a checkpoint decides duplicates exactly as
 * one that read the log from the start.
 *
 * <p>Held as columns (one array per field, entry {@code i} at index {@code i}), as the table holds
 * them: a copy taken while delivery waits is a few array copies, and a window of a million entries
 * is a handful of arrays rather than millions of objects. {@link #seen()} is a view that builds one
 * {@link Seen} per entry read.
 */
public final class DedupState {
    /** Nothing seen yet: the state at the start of the log. */
    public static final DedupState EMPTY = new DedupState(Long.MIN_VALUE, List.of());

    private static final int VERSION = 1;

    /** One remembered command. {@code idempotencyKey} may be {@code null}. */
    public record Seen(long position, long originTimeMillis, RequestId requestId, String idempotencyKey) {}

    private final long clockMillis;
    private final long[] positions;
    private final long[] originTimes;
    private final String[] origins;
    private final long[] counters;
    /** {@code null} where the command had no idempotency key. */
    private final String[] keys;

    /**
     * @param clockMillis the largest origin time seen so far, {@link Long#MIN_VALUE} before any
     * @param seen the remembered commands, in log order (strictly increasing positions)
     */
    public DedupState(long clockMillis, List<Seen> seen) {
        int n = seen.size();
        this.clockMillis = clockMillis;
        this.positions = new long[n];
        this.originTimes = new long[n];
        this.origins = new String[n];
        this.counters = new long[n];
        this.keys = new String[n];
        for (int i = 0; i < n; i++) {
            Seen s = seen.get(i);
            positions[i] = s.position();
            originTimes[i] = s.originTimeMillis();
            origins[i] = s.requestId().origin();
            counters[i] = s.requestId().counter();
            keys[i] = s.idempotencyKey();
        }
        checkIncreasing(positions);
    }

    /** Takes the arrays as they are: the caller hands over copies nobody else holds. */
    DedupState(
            long clockMillis, long[] positions, long[] originTimes, String[] origins, long[] counters, String[] keys) {
        this.clockMillis = clockMillis;
        this.positions = positions;
        this.originTimes = originTimes;
        this.origins = origins;
        this.counters = counters;
        this.keys = keys;
    }

    public long clockMillis() {
        return clockMillis;
    }

    /** Entries remembered. */
    public int size() {
        return positions.length;
    }

    /** The position of the newest entry, or {@link Positions#NONE} when there is none. */
    public long lastPosition() {
        return positions.length == 0 ? Positions.NONE : positions[positions.length - 1];
    }

    long position(int i) {
        return positions[i];
    }

    long originTimeMillis(int i) {
        return originTimes[i];
    }

    String origin(int i) {
        return origins[i];
    }

    long counter(int i) {
        return counters[i];
    }

    String idempotencyKey(int i) {
        return keys[i];
    }

    /** The entries in log order, as an immutable view. */
    public List<Seen> seen() {
        return new AbstractList<>() {
            @Override
            public Seen get(int i) {
                Objects.checkIndex(i, positions.length);
                return new Seen(positions[i], originTimes[i], new RequestId(origins[i], counters[i]), keys[i]);
            }

            @Override
            public int size() {
                return positions.length;
            }
        };
    }

    public void writeTo(DataOutputStream out) throws IOException {
        out.writeByte(VERSION);
        out.writeLong(clockMillis);
        out.writeInt(positions.length);
        for (int i = 0; i < positions.length; i++) {
            out.writeLong(positions[i]);
            out.writeLong(originTimes[i]);
            out.writeUTF(origins[i]);
            out.writeLong(counters[i]);
            out.writeBoolean(keys[i] != null);
            if (keys[i] != null) {
                out.writeUTF(keys[i]);
            }
        }
    }

    /** Reads what {@link #writeTo} wrote, keeping one instance of each origin's name. */
    public static DedupState readFrom(DataInputStream in) throws IOException {
        int version = in.readUnsignedByte();
        if (version != VERSION) {
            throw new IOException("unknown dedup state version " + version);
        }
        long clock = in.readLong();
        int n = in.readInt();
        if (n < 0 || n > DedupTable.DEFAULT_MAX_ENTRIES) {
            throw new IOException("dedup entry count out of range: " + n);
        }
        long[] positions = new long[n];
        long[] originTimes = new long[n];
        String[] origins = new String[n];
        long[] counters = new long[n];
        String[] keys = new String[n];
        Map<String, String> names = new HashMap<>();
        for (int i = 0; i < n; i++) {
            positions[i] = in.readLong();
            originTimes[i] = in.readLong();
            String origin = in.readUTF();
            if (origin.isEmpty()) {
                throw new IOException("dedup entry " + i + " has an empty origin");
            }
            origins[i] = names.computeIfAbsent(origin, o -> o);
            counters[i] = in.readLong();
            keys[i] = in.readBoolean() ? in.readUTF() : null;
        }
        try {
            checkIncreasing(positions);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        return new DedupState(clock, positions, originTimes, origins, counters, keys);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DedupState d
                && clockMillis == d.clockMillis
                && Arrays.equals(positions, d.positions)
                && Arrays.equals(originTimes, d.originTimes)
                && Arrays.equals(origins, d.origins)
                && Arrays.equals(counters, d.counters)
                && Arrays.equals(keys, d.keys);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(clockMillis) * 31 + Arrays.hashCode(positions);
    }

    @Override
    public String toString() {
        return "DedupState[clockMillis=" + clockMillis + ", entries=" + positions.length + ", last="
                + Positions.format(lastPosition()) + "]";
    }

    private static void checkIncreasing(long[] positions) {
        for (int i = 1; i < positions.length; i++) {
            if (positions[i] <= positions[i - 1]) {
                throw new IllegalArgumentException("dedup positions must increase: "
                        + Positions.format(positions[i - 1]) + " then " + Positions.format(positions[i]));
            }
        }
    }
}
