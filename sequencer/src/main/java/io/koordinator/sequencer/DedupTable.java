package io.koordinator.sequencer;

import io.koordinator.sequencer.DedupState.Seen;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
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
 * <p>Not thread-safe: owned by one follower thread.
 */
public final class DedupTable {
    /** Most commands one table remembers, whatever the window. */
    public static final int DEFAULT_MAX_ENTRIES = 1_000_000;

    private static final int MAX_ORIGINS = 1_024;

    private final long windowMillis;
    private final int maxEntries;
    /** Each id maps to its own {@link Seen}, which holds the position: no boxed Long per entry. */
    private final Map<RequestId, Seen> byRequestId = new HashMap<>();

    private final Map<String, Seen> byIdempotencyKey = new HashMap<>();
    /**
     * One instance of each origin's name. Every command decoded from the log carries its own copy
     * of it; held for a whole window (up to {@code maxEntries}), those copies were about a quarter
     * of the table's memory.
     */
    private final Map<String, String> origins = new HashMap<>();

    private final ArrayDeque<Seen> inLogOrder = new ArrayDeque<>();
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
    }

    /** A table that continues from {@code state}, as if it had read the log up to there. */
    public DedupTable(Duration window, int maxEntries, DedupState state) {
        this(window, maxEntries);
        clockMillis = state.clockMillis();
        for (Seen seen : state.seen()) {
            remember(new Seen(
                    seen.position(), seen.originTimeMillis(), shared(seen.requestId()), seen.idempotencyKey()));
        }
        expire();
        while (inLogOrder.size() > maxEntries) {
            forget(inLogOrder.removeFirst());
        }
    }

    /**
     * An immutable copy of what this table remembers. Taken while delivery is paused, so it is
     * copied once (an immutable list, which {@link DedupState} keeps as it is).
     */
    public DedupState snapshot() {
        return new DedupState(clockMillis, List.copyOf(inLogOrder));
    }

    /**
     * Records {@code command} at {@code position} and returns empty, or returns the position of
     * the earlier command it repeats (and records nothing).
     */
    public OptionalLong check(long position, Command command) {
        clockMillis = Math.max(clockMillis, command.originTimeMillis());
        expire();
        Seen original = byRequestId.get(command.requestId());
        if (original == null && command.idempotencyKey() != null) {
            original = byIdempotencyKey.get(command.idempotencyKey());
        }
        if (original != null) {
            return OptionalLong.of(original.position());
        }
        remember(new Seen(position, command.originTimeMillis(), shared(command.requestId()), command.idempotencyKey()));
        while (inLogOrder.size() > maxEntries) {
            forget(inLogOrder.removeFirst());
        }
        return OptionalLong.empty();
    }

    /** Entries currently remembered. */
    public int size() {
        return inLogOrder.size();
    }

    private void expire() {
        long horizon = clockMillis - windowMillis;
        while (!inLogOrder.isEmpty() && inLogOrder.peekFirst().originTimeMillis() < horizon) {
            forget(inLogOrder.removeFirst());
        }
    }

    private void remember(Seen seen) {
        inLogOrder.addLast(seen);
        byRequestId.put(seen.requestId(), seen);
        if (seen.idempotencyKey() != null) {
            byIdempotencyKey.put(seen.idempotencyKey(), seen);
        }
    }

    private void forget(Seen seen) {
        byRequestId.remove(seen.requestId(), seen);
        if (seen.idempotencyKey() != null) {
            byIdempotencyKey.remove(seen.idempotencyKey(), seen);
        }
    }

    /** {@code id} with this table's instance of its origin's name. */
    private RequestId shared(RequestId id) {
        if (origins.size() >= MAX_ORIGINS && !origins.containsKey(id.origin())) {
            origins.clear(); // a group's pods come and go; the names of gone ones need not stay
        }
        String origin = origins.computeIfAbsent(id.origin(), o -> o);
        return origin == id.origin() ? id : new RequestId(origin, id.counter());
    }
}
