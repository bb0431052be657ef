package io.koordinator.proxy.state;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Responses to commands that carried an {@code Idempotency-Key}, by key, so that a retry with
 * the same key, to any replica, gets the original response. Bounded by entries and evicted in
 * log order (oldest position first): fed only from the log, every replica keeps the same keys.
 *
 * <p>Not thread-safe: owned by the delivery thread; copied whole into checkpoints.
 */
public final class ResponseCache {
    /** One cached response and the position of the command that produced it. */
    public record Entry(long position, String key, CachedResponse response) {}

    private final int maxEntries;
    private final Map<String, Entry> byKey = new HashMap<>();
    private final ArrayDeque<Entry> inLogOrder = new ArrayDeque<>();

    public ResponseCache(int maxEntries) {
        if (maxEntries < 0) {
            throw new IllegalArgumentException("maxEntries must be >= 0: " + maxEntries);
        }
        this.maxEntries = maxEntries;
    }

    public ResponseCache(int maxEntries, List<Entry> entries) {
        this(maxEntries);
        entries.forEach(e -> put(e.position(), e.key(), e.response()));
    }

    public void put(long position, String key, CachedResponse response) {
        if (maxEntries == 0) {
            return;
        }
        Entry entry = new Entry(position, key, response);
        Entry old = byKey.put(key, entry);
        if (old != null) {
            inLogOrder.remove(old);
        }
        inLogOrder.addLast(entry);
        while (inLogOrder.size() > maxEntries) {
            Entry evicted = inLogOrder.removeFirst();
            byKey.remove(evicted.key(), evicted);
        }
    }

    /** The response cached for {@code key}, if it is still held. */
    public Optional<Entry> get(String key) {
        return Optional.ofNullable(byKey.get(key));
    }

    public int size() {
        return inLogOrder.size();
    }

    /** The entries in log order, a copy. */
    public List<Entry> entries() {
        return new ArrayList<>(inLogOrder);
    }

    static void write(List<Entry> entries, DataOutputStream out) throws IOException {
        out.writeInt(entries.size());
        for (Entry e : entries) {
            out.writeLong(e.position());
            out.writeUTF(e.key());
            e.response().writeTo(out);
        }
    }

    static List<Entry> read(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("negative response count " + n);
        }
        List<Entry> entries = new ArrayList<>(Math.min(n, 1 << 16));
        for (int i = 0; i < n; i++) {
            entries.add(new Entry(in.readLong(), in.readUTF(), CachedResponse.readFrom(in)));
        }
        return entries;
    }
}
