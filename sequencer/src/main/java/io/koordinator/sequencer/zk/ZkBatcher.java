package io.koordinator.sequencer.zk;

import io.koordinator.sequencer.codec.EntryCodec;
import io.koordinator.sequencer.zk.ZkBatch.Pending;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Adaptive batching: commands wait here until {@link ZkAppender} has a free create slot, and then
 * go into one entry together, bounded by {@code maxEntryCommands} and {@code maxEntryBytes}. With
 * {@code maxBatchDelay > 0}, a partial entry waits that long for company when nothing is in flight.
 * While one create is in flight, a further one goes only for a full entry ({@link #fillsAnEntry}).
 *
 * <p>Threading: every method is called holding the appender's lock, which guards every field.
 */
final class ZkBatcher {
    private final ZkSequencer owner;
    private final Object lock;
    private final Runnable send;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    /** Encoded size of the commands in {@link #pending}. */
    private long pendingBytes;

    private boolean delayScheduled;

    /** @param send what to run once a delayed batch is due (takes {@code lock} itself) */
    ZkBatcher(ZkSequencer owner, Object lock, Runnable send) {
        this.owner = owner;
        this.lock = lock;
        this.send = send;
    }

    void add(Pending p) {
        pending.add(p);
        pendingBytes += p.size();
    }

    /**
     * Whether the waiting commands fill an entry, by count or by bytes: what a create beyond the
     * first in flight needs. Commands that arrive while a create is in flight gather into one entry
     * and go when it is done, so entries grow with the load instead of the creates multiplying:
     * each entry costs a create, a watch event on every replica and a read on every replica but its
     * origin; docs/benchmarks.md has it measured against every slot open to partial entries. A
     * full entry still goes at once, so large commands are not held to one create at a time.
     */
    boolean fillsAnEntry() {
        return pending.size() >= owner.config.maxEntryCommands()
                || EntryCodec.overhead() + pendingBytes >= owner.config.maxEntryBytes();
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    /** maxBatchDelay: with nothing in flight, a partial batch waits a little for company. */
    boolean shouldWaitForMore(int inFlight) {
        long delay = owner.config.maxBatchDelay().toNanos();
        if (delay == 0 || inFlight > 0 || pending.size() >= owner.config.maxEntryCommands()) {
            return false;
        }
        long waitNanos = pending.peekFirst().enqueuedNanos() + delay - System.nanoTime();
        if (waitNanos <= 0) {
            return false;
        }
        if (!delayScheduled) {
            delayScheduled = true;
            owner.timer()
                    .schedule(
                            () -> {
                                synchronized (lock) {
                                    delayScheduled = false;
                                }
                                send.run();
                            },
                            waitNanos,
                            TimeUnit.NANOSECONDS);
        }
        return true;
    }

    /** The next entry's commands, in order, as many as fit. */
    ZkBatch take(int segment, long deadlineNanos) {
        List<Pending> items = new ArrayList<>();
        int bytes = EntryCodec.overhead();
        while (!pending.isEmpty() && items.size() < owner.config.maxEntryCommands()) {
            Pending next = pending.peekFirst();
            if (!items.isEmpty() && bytes + next.size() > owner.config.maxEntryBytes()) {
                break;
            }
            bytes += next.size();
            pendingBytes -= next.size();
            items.add(pending.pollFirst());
        }
        return new ZkBatch(items, segment, deadlineNanos);
    }

    /** Every waiting command, removed. */
    List<Pending> drain() {
        List<Pending> all = new ArrayList<>(pending);
        pending.clear();
        pendingBytes = 0;
        return all;
    }

    /** The commands that have waited longer than {@code timeoutNanos}, removed. */
    List<Pending> takeStale(long now, long timeoutNanos) {
        List<Pending> stale = new ArrayList<>();
        while (!pending.isEmpty() && now - pending.peekFirst().enqueuedNanos() - timeoutNanos > 0) {
            Pending p = pending.pollFirst();
            pendingBytes -= p.size();
            stale.add(p);
        }
        return stale;
    }
}
