package io.koordinator.sequencer;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * An immutable copy of a {@link DedupTable}: its clock and what it remembers, in log order. Part
 * of every checkpoint, so a replica that resumes from a checkpoint decides duplicates exactly as
 * one that read the log from the start.
 *
 * @param clockMillis the largest origin time seen so far, {@link Long#MIN_VALUE} before any
 * @param seen the remembered commands, in log order (strictly increasing positions)
 */
public record DedupState(long clockMillis, List<Seen> seen) {
    /** Nothing seen yet: the state at the start of the log. */
    public static final DedupState EMPTY = new DedupState(Long.MIN_VALUE, List.of());

    private static final int VERSION = 1;

    /** One remembered command. {@code idempotencyKey} may be {@code null}. */
    public record Seen(long position, long originTimeMillis, RequestId requestId, String idempotencyKey) {}

    public DedupState {
        seen = List.copyOf(seen);
        for (int i = 1; i < seen.size(); i++) {
            if (seen.get(i).position() <= seen.get(i - 1).position()) {
                throw new IllegalArgumentException("dedup positions must increase: "
                        + Positions.format(seen.get(i - 1).position()) + " then "
                        + Positions.format(seen.get(i).position()));
            }
        }
    }

    public void writeTo(DataOutputStream out) throws IOException {
        out.writeByte(VERSION);
        out.writeLong(clockMillis);
        out.writeInt(seen.size());
        for (Seen s : seen) {
            out.writeLong(s.position());
            out.writeLong(s.originTimeMillis());
            out.writeUTF(s.requestId().origin());
            out.writeLong(s.requestId().counter());
            out.writeBoolean(s.idempotencyKey() != null);
            if (s.idempotencyKey() != null) {
                out.writeUTF(s.idempotencyKey());
            }
        }
    }

    public static DedupState readFrom(DataInputStream in) throws IOException {
        int version = in.readUnsignedByte();
        if (version != VERSION) {
            throw new IOException("unknown dedup state version " + version);
        }
        long clock = in.readLong();
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("negative dedup entry count " + n);
        }
        List<Seen> seen = new ArrayList<>(Math.min(n, 1 << 16));
        for (int i = 0; i < n; i++) {
            long position = in.readLong();
            long origin = in.readLong();
            RequestId id = new RequestId(in.readUTF(), in.readLong());
            String key = in.readBoolean() ? in.readUTF() : null;
            seen.add(new Seen(position, origin, id, key));
        }
        return new DedupState(clock, seen);
    }
}
