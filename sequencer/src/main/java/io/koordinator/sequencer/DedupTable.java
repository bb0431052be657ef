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
 * million entries take 46 MiB (48 bytes each, ring and index sized in powers of two) where a map of
 * records took 106 MiB and three objects each; the idempotency keys, which few requests carry, are
 * in a map of their own.
 *
 * <p>Not thread-safe: owned by one follower thread.
 */
public final class DedupTable {
    /** Most commands one table remembers, whatever the window. */
    public static final int DEFAULT_MAX_ENTRIES = 1_000_000;

    private static final int MIN_CAPACITY = 64;

    private final long windowMillis;
    private final int maxEntries;

    // The ring: entry i in log order (0 the oldest) is at slot (head + i) & (capacity - 1).
    private long[] positions;
    private long[] originTimes;
    /** Each origin's name as this table holds it: one instance per origin, not one per entry. */
    private String[] origins;

    private long[] counters;
    private String[] keys;
    private int head;
    private int size;

    /** Slot + 1 of the entry with each request id, 0 where empty; linear probing, twice the ring. */
    private int[] index;

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
        this.windowMillis = window.toMillis();
        this.maxEntries = maxEntries;
        allocate(MIN_CAPACITY);
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
     * An immutable copy of what this table remembers. Taken while delivery is paused: one or two
     * array copies per column.
     */
    public DedupState snapshot() {
        return new DedupState(
                clockMillis,
                ordered(positions, new long[size], positions.length),
                ordered(originTimes, new long[size], positions.length),
                ordered(origins, new String[size], positions.length),
                ordered(counters, new long[size], positions.length),
                ordered(keys, new String[size], positions.length));
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
            return OptionalLong.of(positions[slot]);
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

    private void expire() {
        long horizon = clockMillis - windowMillis;
        while (size > 0 && originTimes[head] < horizon) {
            forgetOldest();
        }
    }

    private void remember(long position, long originTime, String origin, long counter, String key) {
        if (size > 0 && position <= positions[slot(size - 1)]) {
            throw new IllegalArgumentException("dedup positions must increase: "
                    + Positions.format(positions[slot(size - 1)]) + " then " + Positions.format(position));
        }
        if (size == maxEntries) {
            forgetOldest();
        }
        if (size == positions.length) {
            allocate(positions.length * 2);
        }
        int s = slot(size++);
        Origin shared = originNames.computeIfAbsent(origin, Origin::new);
        shared.entries++;
        positions[s] = position;
        originTimes[s] = originTime;
        origins[s] = shared.name;
        counters[s] = counter;
        keys[s] = key;
        insert(s);
        if (key != null) {
            byIdempotencyKey.put(key, position);
        }
    }

    private void forgetOldest() {
        int s = head;
        remove(s);
        if (keys[s] != null) {
            byIdempotencyKey.remove(keys[s], positions[s]);
        }
        if (--originNames.get(origins[s]).entries == 0) {
            originNames.remove(origins[s]);
        }
        origins[s] = null;
        keys[s] = null;
        head = (head + 1) & (positions.length - 1);
        size--;
    }

    private int slot(int i) {
        return (head + i) & (positions.length - 1);
    }

    /** The slot of the entry with this id, or -1. */
    private int find(String origin, long counter) {
        int mask = index.length - 1;
        for (int i = hash(origin, counter) & mask; index[i] != 0; i = (i + 1) & mask) {
            int s = index[i] - 1;
            if (counters[s] == counter && origins[s].equals(origin)) {
                return s;
            }
        }
        return -1;
    }

    /** Indexes slot {@code s}; an entry with the same id already indexed is replaced, as a map's put. */
    private void insert(int s) {
        int mask = index.length - 1;
        int i = hash(origins[s], counters[s]) & mask;
        while (index[i] != 0) {
            int other = index[i] - 1;
            if (counters[other] == counters[s] && origins[other].equals(origins[s])) {
                break;
            }
            i = (i + 1) & mask;
        }
        index[i] = s + 1;
    }

    /** Removes slot {@code s} from the index if it is there, closing the gap behind it. */
    private void remove(int s) {
        int mask = index.length - 1;
        int i = hash(origins[s], counters[s]) & mask;
        while (index[i] != s + 1) {
            if (index[i] == 0) {
                return; // replaced by a later entry with the same id
            }
            i = (i + 1) & mask;
        }
        index[i] = 0;
        for (int j = (i + 1) & mask; index[j] != 0; j = (j + 1) & mask) {
            int k = hash(origins[index[j] - 1], counters[index[j] - 1]) & mask;
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

    /** Grows (or first sizes) the ring to {@code capacity} slots, entries from slot 0, and reindexes. */
    private void allocate(int capacity) {
        if (positions != null) {
            int old = positions.length;
            positions = ordered(positions, new long[capacity], old);
            originTimes = ordered(originTimes, new long[capacity], old);
            origins = ordered(origins, new String[capacity], old);
            counters = ordered(counters, new long[capacity], old);
            keys = ordered(keys, new String[capacity], old);
        } else {
            positions = new long[capacity];
            originTimes = new long[capacity];
            origins = new String[capacity];
            counters = new long[capacity];
            keys = new String[capacity];
        }
        head = 0;
        index = new int[capacity * 2];
        for (int s = 0; s < size; s++) {
            insert(s);
        }
    }

    /** Copies a column {@code from} of a ring of {@code capacity} into {@code to} in log order, from 0. */
    private <A> A ordered(A from, A to, int capacity) {
        int first = Math.min(size, capacity - head);
        System.arraycopy(from, head, to, 0, first);
        System.arraycopy(from, 0, to, first, size - first);
        return to;
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
