package io.koordinator.proxy.state;

import io.koordinator.sequencer.DedupState;
import io.koordinator.sequencer.LogCheckpoint;
import io.koordinator.sequencer.Positions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;

/**
 * Everything a replica's state is, besides its app: one value, taken, persisted, transferred and
 * restored as a whole.
 *
 * @param log the applied position and the deduplication state as of it
 * @param digest the state digest as of {@code log.position()}
 * @param delivered how many commands were delivered (not skipped) up to there; the digest is
 *     published every so many deliveries, the same count on every replica
 * @param responses the response cache, in log order
 * @param appIncarnation the identity of the app's listening socket when this was taken (see
 *     {@link AppIncarnation}), 0 when unknown
 * @param logIdentity the identity of the log the positions belong to ({@code
 *     Sequencer.logIdentity()}), empty for a replica that has applied nothing
 */
public record ReplicaCheckpoint(
        LogCheckpoint log,
        StateDigest digest,
        long delivered,
        List<ResponseCache.Entry> responses,
        long appIncarnation,
        String logIdentity) {

    /** A replica that has applied nothing. */
    public static final ReplicaCheckpoint START =
            new ReplicaCheckpoint(LogCheckpoint.START, StateDigest.INITIAL, 0, List.of(), 0, "");

    private static final int MAGIC = 0x4b435031; // "KCP1"

    public ReplicaCheckpoint {
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(logIdentity, "logIdentity");
        responses = List.copyOf(responses);
        if (delivered < 0) {
            throw new IllegalArgumentException("negative delivery count " + delivered);
        }
    }

    public long position() {
        return log.position();
    }

    public ReplicaCheckpoint withAppIncarnation(long incarnation) {
        return new ReplicaCheckpoint(log, digest, delivered, responses, incarnation, logIdentity);
    }

    public ReplicaCheckpoint withLogIdentity(String identity) {
        return new ReplicaCheckpoint(log, digest, delivered, responses, appIncarnation, identity);
    }

    @Override
    public String toString() {
        return "checkpoint at " + Positions.format(position()) + " (" + delivered + " delivered, digest " + digest
                + ")";
    }

    /** The binary form: a magic number, the fields, and a CRC-32C of everything before it. */
    public byte[] toBytes() {
        try {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            writeTo(buffer);
            return buffer.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes {@link #toBytes()}'s form to {@code sink} as it goes, without holding it in memory:
     * with a deduplication window of a million entries it is tens of megabytes, written every
     * checkpoint interval. Flushes {@code sink}; does not close it.
     */
    public void writeTo(OutputStream sink) throws IOException {
        CheckedOutputStream checked = new CheckedOutputStream(sink, new CRC32C());
        DataOutputStream out = new DataOutputStream(checked);
        out.writeInt(MAGIC);
        out.writeLong(log.position());
        log.dedup().writeTo(out);
        out.write(digest.bytes());
        out.writeLong(delivered);
        ResponseCache.write(responses, out);
        out.writeLong(appIncarnation);
        out.writeUTF(logIdentity);
        out.flush();
        new DataOutputStream(sink).writeInt((int) checked.getChecksum().getValue());
        sink.flush();
    }

    /** Parses {@link #toBytes()}; throws {@link IOException} on any corruption. */
    public static ReplicaCheckpoint fromBytes(byte[] bytes) throws IOException {
        if (bytes.length < 8) {
            throw new IOException("checkpoint too short: " + bytes.length + " bytes");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        int expected = ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt();
        if ((int) crc.getValue() != expected) {
            throw new IOException("checkpoint checksum mismatch");
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, 0, bytes.length - 4));
        if (in.readInt() != MAGIC) {
            throw new IOException("not a checkpoint (bad magic number)");
        }
        long position = in.readLong();
        DedupState dedup = DedupState.readFrom(in);
        StateDigest digest = StateDigest.of(in.readNBytes(StateDigest.LENGTH));
        long delivered = in.readLong();
        List<ResponseCache.Entry> responses = ResponseCache.read(in);
        long incarnation = in.readLong();
        String identity = in.readUTF();
        if (in.available() != 0) {
            throw new IOException(in.available() + " trailing bytes in checkpoint");
        }
        try {
            return new ReplicaCheckpoint(
                    new LogCheckpoint(position, dedup), digest, delivered, responses, incarnation, identity);
        } catch (IllegalArgumentException e) {
            throw new IOException("inconsistent checkpoint: " + e.getMessage(), e);
        }
    }
}
