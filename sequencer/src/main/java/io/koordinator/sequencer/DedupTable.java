package io.koordinator.sequencer;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Which commands of the log repeat earlier ones. Fed only from the log, in log order, so every
 * replica that reads the same log makes the same decisions.
 *
 * <p>A command is a duplicate if its request id, or its idempotency key, was seen at an earlier
 * position still inside the window. The window's clock is the largest origin time seen in the
 * log so far (never the local clock); entries leave the window in log order once their origin
 * time is older than {@code clock - window}, or once more than {@code maxEntries} are held.
 *
 * <p>The window holds up to a million entries for ten minutes, so its layout is chosen for memory
 * and for the collector: a ring of columns (one array per field) in log order, and an
 * open-addressing index of ring slots by request id, at most half full. No object per entry: a
 * million entries take 46 MiB (48 bytes each) where a map of records took 106 MiB and three
 * objects each; the idempotency keys, which few requests carry, are in a map of their own.
 *
 * <p>The ring is made of chunks of {@value #CHUNK} entries (128 KiB), allocated as the window
 * fills and dropped as it empties, so it never grows by copying: a ring of whole arrays doubled
 * at 131,072, 262,144 and 524,288 entries, holding the old columns and twice as many new ones at
 * once, and the heap it reached stayed committed. Only the index still grows by doubling (4 bytes
 * a slot). Under the same load, in two runs each, three proxies ended 10 MiB lower in RSS on
 * average with chunks, and about 60 ns slower a check (docs/benchmarks.md).
 *
 * <p>Not thread-safe: owned by one follower thread.
 */
public final class DedupTable {
    /** Most commands one table remembers, whatever the window. */
    public static final int DEFAULT_MAX_ENTRIES = 1_000_000;

    /** Entries per chunk of the ring; a power of two. */
    static final int CHUNK = 4096;

    private static final int CHUNK_SHIFT = Integer.numberOfTrailingZeros(CHUNK);
    private static final int MIN_INDEX = 128;

    private final long windowMillis;
    private final int maxEntries;

    /**
     * The ring: entry number {@code n} (counted from the first ever remembered) is at slot {@code n
     * & slotMask}, in chunk {@code slot >>> CHUNK_SHIFT}; chunks no entry uses are {@code null}.
     * The ring has room for {@code maxEntries} and a chunk more, so the slots in use never meet.
     */
    private final Chunk[] chunks;

    private final int slotMask;
    /** One emptied chunk kept for the next, so a full window that moves on allocates nothing. */
    private Chunk spare;
    /** Entry number of the oldest entry remembered. */
    private long head;

    private int size;

    /** Slot + 1 of the entry with each request id, 0 where empty; linear probing, at most half full. */
    private int[] index = new int[MIN_INDEX];

    private final Map<String, Long> byIdempotencyKey = new HashMap<>();
    /** Each origin's name, with the number of entries that name it, so a gone pod's name goes too. */
    private final Map<String, Origin> originNames = new HashMap<>();

    private long clockMillis = Long.MIN_VALUE;

    public DedupTable(Duration window, int maxEntries) {
        if (window.isNegative()) {
            throw new IllegalArgumentException("window must not be negative: " + window);
        }
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be >= 1: " + maxEntries);
        }
        if (maxEntries > (1 << 30) - CHUNK) {
            throw new IllegalArgumentException("maxEntries must be at most 2^30 - " + CHUNK + ": " + maxEntries);
        }
        this.windowMillis = window.toMillis();
        this.maxEntries = maxEntries;
        int needed = (maxEntries + CHUNK - 1) / CHUNK + 1;
        this.chunks = new Chunk[Integer.highestOneBit(needed - 1) << 1];
        this.slotMask = chunks.length * CHUNK - 1;
    }

    /** A table that continues from {@code state}, as if it had read the log up to there. */
    public DedupTable(Duration window, int maxEntries, DedupState state) {
        this(window, maxEntries);
        clockMillis = state.clockMillis();
        for (int i = Math.max(0, state.size() - maxEntries); i < state.size(); i++) {
            remember(
                    state.position(i),
                    state.originTimeMillis(i),
                    state.origin(i),
                    state.counter(i),
                    state.idempotencyKey(i));
        }
        expire();
    }

    /**
     * An immutable copy of what this table remembers. Taken while delivery is paused: one array
     * copy per chunk and column (11-12 ms for a million entries, {@code DedupTableBench}).
     */
    public DedupState snapshot() {
        long[] positions = new long[size];
        long[] originTimes = new long[size];
        String[] origins = new String[size];
        long[] counters = new long[size];
        String[] keys = new String[size];
        for (int i = 0; i < size; ) {
            int slot = slot(i);
            int offset = slot & (CHUNK - 1);
            int n = Math.min(size - i, CHUNK - offset);
            Chunk c = chunks[slot >>> CHUNK_SHIFT];
            System.arraycopy(c.positions, offset, positions, i, n);
            System.arraycopy(c.originTimes, offset, originTimes, i, n);
            System.arraycopy(c.origins, offset, origins, i, n);
            System.arraycopy(c.counters, offset, counters, i, n);
            System.arraycopy(c.keys, offset, keys, i, n);
            i += n;
        }
        return new DedupState(clockMillis, positions, originTimes, origins, counters, keys);
    }

    /**
     * Records {@code command} at {@code position} and returns empty, or returns the position of
     * the earlier command it repeats (and records nothing).
     */
    public OptionalLong check(long position, Command command) {
        clockMillis = Math.max(clockMillis, command.originTimeMillis());
        expire();
        RequestId id = command.requestId();
        int slot = find(id.origin(), id.counter());
        if (slot >= 0) {
            return OptionalLong.of(position(slot));
        }
        Long byKey = command.idempotencyKey() == null ? null : byIdempotencyKey.get(command.idempotencyKey());
        if (byKey != null) {
            return OptionalLong.of(byKey);
        }
        remember(position, command.originTimeMillis(), id.origin(), id.counter(), command.idempotencyKey());
        return OptionalLong.empty();
    }

    /** Entries currently remembered. */
    public int size() {
        return size;
    }

    /** Chunks of the ring this table holds, the spare included. */
    int chunksHeld() {
        int held = spare == null ? 0 : 1;
        for (Chunk c : chunks) {
            held += c == null ? 0 : 1;
        }
        return held;
    }

    private void expire() {
        long horizon = clockMillis - windowMillis;
        while (size > 0 && oldestOriginTime() < horizon) {
            forgetOldest();
        }
    }

    private void remember(long position, long originTime, String origin, long counter, String key) {
        if (size > 0 && position <= position(slot(size - 1))) {
            throw new IllegalArgumentException("dedup positions must increase: "
                    + Positions.format(position(slot(size - 1))) + " then " + Positions.format(position));
        }
        if (size == maxEntries) {
            forgetOldest();
        }
        if ((size + 1) * 2L > index.length) {
            reindex(index.length * 2);
        }
        int s = slot(size++);
        Chunk c = chunks[s >>> CHUNK_SHIFT];
        if (c == null) {
            c = spare != null ? spare : new Chunk();
            spare = null;
            chunks[s >>> CHUNK_SHIFT] = c;
        }
        int o = s & (CHUNK - 1);
        Origin shared = originNames.computeIfAbsent(origin, Origin::new);
        shared.entries++;
        c.positions[o] = position;
        c.originTimes[o] = originTime;
        c.origins[o] = shared.name;
        c.counters[o] = counter;
        c.keys[o] = key;
        insert(s, shared.name, counter);
        if (key != null) {
            byIdempotencyKey.put(key, position);
        }
    }

    private void forgetOldest() {
        int s = slot(0);
        Chunk c = chunk(s);
        int o = s & (CHUNK - 1);
        remove(s, c.origins[o], c.counters[o]);
        if (c.keys[o] != null) {
            byIdempotencyKey.remove(c.keys[o], c.positions[o]);
        }
        if (--originNames.get(c.origins[o]).entries == 0) {
            originNames.remove(c.origins[o]);
        }
        c.origins[o] = null;
        c.keys[o] = null;
        head++;
        size--;
        if (o == CHUNK - 1) {
            // the chunk's last slot: no entry uses this chunk until the ring comes round again
            chunks[s >>> CHUNK_SHIFT] = null;
            spare = c;
        }
    }

    private long oldestOriginTime() {
        int s = slot(0);
        return chunk(s).originTimes[s & (CHUNK - 1)];
    }

    /** The slot of entry {@code i} in log order, 0 the oldest. */
    private int slot(int i) {
        return (int) ((head + i) & slotMask);
    }

    private Chunk chunk(int slot) {
        return chunks[slot >>> CHUNK_SHIFT];
    }

    private long position(int slot) {
        return chunk(slot).positions[slot & (CHUNK - 1)];
    }

    private String origin(int slot) {
        return chunk(slot).origins[slot & (CHUNK - 1)];
    }

    private long counter(int slot) {
        return chunk(slot).counters[slot & (CHUNK - 1)];
    }

    /** The slot of the entry with this id, or -1. */
    private int find(String origin, long counter) {
        int mask = index.length - 1;
        for (int i = hash(origin, counter) & mask; index[i] != 0; i = (i + 1) & mask) {
            int s = index[i] - 1;
            if (counter(s) == counter && origin(s).equals(origin)) {
                return s;
            }
        }
        return -1;
    }

    /** Indexes slot {@code s}; an entry with the same id already indexed is replaced, as a map's put. */
    private void insert(int s, String origin, long counter) {
        int mask = index.length - 1;
        int i = hash(origin, counter) & mask;
        while (index[i] != 0) {
            int other = index[i] - 1;
            if (counter(other) == counter && origin(other).equals(origin)) {
                break;
            }
            i = (i + 1) & mask;
        }
        index[i] = s + 1;
    }

    /** Removes slot {@code s} from the index if it is there, closing the gap behind it. */
    private void remove(int s, String origin, long counter) {
        int mask = index.length - 1;
        int i = hash(origin, counter) & mask;
        while (index[i] != s + 1) {
            if (index[i] == 0) {
                return; // replaced by a later entry with the same id
            }
            i = (i + 1) & mask;
        }
        index[i] = 0;
        for (int j = (i + 1) & mask; index[j] != 0; j = (j + 1) & mask) {
            int k = hash(origin(index[j] - 1), counter(index[j] - 1)) & mask;
            // the entry at j stays if its home k lies cyclically in (i, j]
            boolean stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
            if (!stays) {
                index[i] = index[j];
                index[j] = 0;
                i = j;
            }
        }
    }

    private static int hash(String origin, long counter) {
        long h = (counter ^ ((long) origin.hashCode() << 32)) * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29) ^ (h >>> 47));
    }

    /** Sizes the index to {@code length} slots (a power of two) and indexes every entry again. */
    private void reindex(int length) {
        index = new int[length];
        for (int i = 0; i < size; i++) {
            int s = slot(i);
            insert(s, origin(s), counter(s));
        }
    }

    /** {@value #CHUNK} consecutive slots of the ring, one array per field. */
    private static final class Chunk {
        final long[] positions = new long[CHUNK];
        final long[] originTimes = new long[CHUNK];
        final String[] origins = new String[CHUNK];
        final long[] counters = new long[CHUNK];
        final String[] keys = new String[CHUNK];
    }

    /** An origin's name as this table holds it, and how many of its entries name it. */
    private static final class Origin {
        final String name;
        int entries;

        Origin(String name) {
            this.name = name;
        }
    }
}
