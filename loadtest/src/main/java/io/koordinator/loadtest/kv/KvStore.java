package io.koordinator.loadtest.kv;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The deterministic state of the sample app: keys to byte values, in key order, plus the
 * request id of every applied write in apply order.
 *
 * <p>Every write ({@link #put}, {@link #append}, {@link #delete}, including a delete of a missing
 * key) counts as applied, so two replicas that applied the same writes in the same order have
 * the same {@link #digestHex()}, {@link #applied()} and {@link #appliedIds()}. Nothing here reads
 * a clock or a random source.
 *
 * <p>Not thread-safe: {@link KvApp} confines it to its one worker thread.
 */
public final class KvStore {
    /** Placeholder in {@link #appliedIds()} for a write that carried no request id. */
    public static final String NO_REQUEST_ID = "-";

    private static final int SNAPSHOT_FORMAT = 1;

    private final TreeMap<String, byte[]> values = new TreeMap<>();
    private final List<String> appliedIds = new ArrayList<>();
    private long lastPosition = -1;
    private long outOfOrder;

    /**
     * Stores {@code value} under {@code key}.
     *
     * @return true if the key was created, false if an existing value was replaced
     */
    public boolean put(String key, byte[] value, String requestId, long position) {
        record(requestId, position);
        return values.put(key, value.clone()) == null;
    }

    /** Appends {@code suffix} to the value of {@code key} (an absent key counts as empty). */
    public byte[] append(String key, byte[] suffix, String requestId, long position) {
        record(requestId, position);
        byte[] old = values.getOrDefault(key, new byte[0]);
        byte[] joined = new byte[old.length + suffix.length];
        System.arraycopy(old, 0, joined, 0, old.length);
        System.arraycopy(suffix, 0, joined, old.length, suffix.length);
        values.put(key, joined);
        return joined.clone();
    }

    /** @return true if the key existed */
    public boolean delete(String key, String requestId, long position) {
        record(requestId, position);
        return values.remove(key) != null;
    }

    /** @return the value, or null if absent */
    public byte[] get(String key) {
        byte[] v = values.get(key);
        return v == null ? null : v.clone();
    }

    /**
     * A copy of this state that later writes do not change, taken in time proportional to the
     * number of keys and applied writes (no value is copied: values are never changed in place,
     * only replaced), so that it can be serialised on another thread while this one applies writes.
     */
    public KvStore copy() {
        KvStore c = new KvStore();
        c.values.putAll(values);
        c.appliedIds.addAll(appliedIds);
        c.lastPosition = lastPosition;
        c.outOfOrder = outOfOrder;
        return c;
    }

    /** Writes applied so far. */
    public long applied() {
        return appliedIds.size();
    }

    /** Request ids of the applied writes, in apply order ({@link #NO_REQUEST_ID} if absent). */
    public List<String> appliedIds() {
        return List.copyOf(appliedIds);
    }

    /** The highest {@code X-Koordinator-Position} seen, or -1. */
    public long lastPosition() {
        return lastPosition;
    }

    /** Writes whose position was not above the previous one: a redelivery or a reordering. */
    public long outOfOrder() {
        return outOfOrder;
    }

    /**
     * SHA-256 over the whole state in key order: for each key, its UTF-8 length (4 bytes, big
     * endian), its UTF-8 bytes, the value's length (4 bytes) and the value's bytes.
     */
    public String digestHex() {
        MessageDigest sha = sha256();
        ByteBuffer len = ByteBuffer.allocate(4);
        for (Map.Entry<String, byte[]> e : values.entrySet()) {
            byte[] k = e.getKey().getBytes(StandardCharsets.UTF_8);
            sha.update(len.clear().putInt(k.length).array());
            sha.update(k);
            sha.update(len.clear().putInt(e.getValue().length).array());
            sha.update(e.getValue());
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /**
     * The whole state, for state transfer: a format byte, the last position, the out-of-order
     * count, the applied request ids, then every key and value.
     */
    public byte[] snapshot() {
        try {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(buffer);
            out.writeByte(SNAPSHOT_FORMAT);
            out.writeLong(lastPosition);
            out.writeLong(outOfOrder);
            out.writeInt(appliedIds.size());
            for (String id : appliedIds) {
                out.writeUTF(id);
            }
            out.writeInt(values.size());
            for (Map.Entry<String, byte[]> e : values.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue().length);
                out.write(e.getValue());
            }
            out.flush();
            return buffer.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces the whole state with a {@link #snapshot()}; throws on a malformed one and changes nothing. */
    public void restore(byte[] snapshot) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot));
        int format = in.readUnsignedByte();
        if (format != SNAPSHOT_FORMAT) {
            throw new IOException("unknown snapshot format " + format);
        }
        long position = in.readLong();
        long reordered = in.readLong();
        int ids = in.readInt();
        List<String> applied = new ArrayList<>(Math.max(0, Math.min(ids, 1 << 20)));
        for (int i = 0; i < ids; i++) {
            applied.add(in.readUTF());
        }
        int n = in.readInt();
        TreeMap<String, byte[]> restored = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            String key = in.readUTF();
            int length = in.readInt();
            if (length < 0 || length > in.available()) {
                throw new IOException("bad value length " + length + " for key " + key);
            }
            restored.put(key, in.readNBytes(length));
        }
        if (in.available() != 0) {
            throw new IOException(in.available() + " trailing bytes in the snapshot");
        }
        values.clear();
        values.putAll(restored);
        appliedIds.clear();
        appliedIds.addAll(applied);
        lastPosition = position;
        outOfOrder = reordered;
    }

    private void record(String requestId, long position) {
        appliedIds.add(requestId == null || requestId.isEmpty() ? NO_REQUEST_ID : requestId);
        if (position >= 0) {
            if (position <= lastPosition) {
                outOfOrder++;
            } else {
                lastPosition = position;
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
