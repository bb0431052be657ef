package io.koordinator.sequencer.zk;

import io.koordinator.sequencer.Positions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A follower's reads of one segment: background {@code getData} of the next {@value #READ_AHEAD}
 * sequence numbers, their results kept as {@link ZkSlot}s until the follower takes them in order. New
 * entries are learned from the sequencer's persistent recursive watch ({@link #entrySeen}); no
 * {@code getChildren} of a segment on the normal path. What a missing number means is decided by
 * {@link ZkFollower} (gap rule, floor rule), from what the slot records about its read.
 *
 * <p>An entry this replica appended itself need not be read back: its create's answer names it,
 * and its data is what was written ({@link #appended}), so it becomes the slot a read would have
 * made, without waiting for the read's round trip to ZooKeeper (entries never change once created).
 * A read the watch event already sent for it is still answered, and that answer dropped.
 *
 * <p>Threading: the follower thread calls every method except {@link #entrySeen}, {@link
 * #appended} and {@link #wake}, and owns every field not marked otherwise; Curator's event thread
 * only enqueues read results and raises {@link #knownTail}, the appender's thread only enqueues
 * its entries.
 */
final class ZkReadAhead {
    private static final Logger log = LoggerFactory.getLogger(ZkReadAhead.class);
    static final int READ_AHEAD = 64;
    private static final int PROBE_WIDTH = 4;
    private static final int LIST_LIMIT = 10_000;
    private static final Object WAKE = new Object();

    /** The epoch of an answer that holds in every epoch: an entry this replica appended. */
    private static final long ANY_EPOCH = -1;

    private record ReadResult(
            long epoch,
            int segment,
            long sequence,
            int rc,
            byte[] data,
            long tailAtIssue,
            boolean synced,
            long floor,
            boolean probed) {}

    private final ZkSequencer owner;
    /** Read results and wake-ups, from Curator's event thread. */
    private final LinkedBlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    /** Highest entry position known to exist (watch events, reads); any thread. */
    private final AtomicLong knownTail = new AtomicLong(Positions.NONE);
    /** Highest entry position a watch event announced; any thread. */
    private final AtomicLong watchedTail = new AtomicLong(Positions.NONE);

    private final AtomicBoolean wakePending = new AtomicBoolean();

    // Follower thread only.
    private final Map<Long, ZkSlot> slots = new HashMap<>();
    private long epoch;
    /** The follower took every sequence of {@link #segment} below this: answers for them are dropped. */
    private long wanted;

    private int segment;
    private boolean catchingUp = true;
    /** Set once by the follower thread, read by any thread. */
    private volatile boolean reachedTail;

    private long listedAtPzxid = -1;
    /** A stall probe ran and the follower has not delivered an entry since: reads are the probe's. */
    private boolean probing;

    ZkReadAhead(ZkSequencer owner) {
        this.owner = owner;
    }

    /** From the watch (Curator's event thread): an entry exists at {@code position}. */
    void entrySeen(long position) {
        watchedTail.accumulateAndGet(position, Math::max);
        if (knownTail.accumulateAndGet(position, Math::max) == position) {
            wake();
        }
    }

    /**
     * From the appender's thread: this replica created the entry at ({@code segment}, {@code
     * sequence}) with {@code data}. Taken like a read's answer, in any epoch (the data cannot be
     * stale), if the follower is in that segment and the entry is within its read-ahead.
     */
    void appended(int segment, long sequence, byte[] data) {
        inbox.offer(new ReadResult(
                ANY_EPOCH, segment, sequence, Code.OK.intValue(), data, Positions.NONE, false, Positions.NONE, false));
    }

    /** Any thread: makes {@link #await} return. */
    void wake() {
        if (wakePending.compareAndSet(false, true)) {
            inbox.offer(WAKE);
        }
    }

    long knownTail() {
        return knownTail.get();
    }

    int segment() {
        return segment;
    }

    /** Reads {@code segment} from now on, forgetting every read of the old one. */
    void startSegment(int segment) {
        this.segment = segment;
        this.wanted = 0;
        restart();
    }

    /** Forgets every read (after a reconnect, or a new segment): answers still coming are ignored. */
    void restart() {
        epoch++;
        slots.clear();
        catchingUp = true;
    }

    ZkSlot slot(long sequence) {
        return slots.get(sequence);
    }

    /** The follower took {@code sequence} (delivered or skipped it): nothing more is kept for it. */
    void remove(long sequence) {
        slots.remove(sequence);
        wanted = Math.max(wanted, sequence + 1);
    }

    /** The follower took an entry: reads issued from now on are no longer the stall probe's. */
    void progressed() {
        probing = false;
    }

    /** The follower reached the known tail: read ahead only what is known to exist from now on. */
    void caughtUp(long here) {
        if (knownTail.get() <= here) {
            catchingUp = false;
            reachedTail = true;
        }
    }

    /** Whether the follower has, at least once, read up to the end of the log as known then. */
    boolean reachedTail() {
        return reachedTail;
    }

    /** Waits up to {@code millis} for a read result or a wake-up; false if none came. */
    boolean await(long millis) throws InterruptedException {
        Object message = inbox.poll(millis, TimeUnit.MILLISECONDS);
        if (message == null) {
            return false;
        }
        handle(message);
        return true;
    }

    /** Takes in every result that has arrived, without waiting. */
    void drain() {
        Object more;
        while ((more = inbox.poll()) != null) {
            handle(more);
        }
    }

    private void handle(Object message) {
        if (message == WAKE) {
            wakePending.set(false);
            return;
        }
        ReadResult r = (ReadResult) message;
        if ((r.epoch() != epoch && r.epoch() != ANY_EPOCH) || r.segment() != segment || r.sequence() < wanted) {
            return; // an old read, or an answer for a sequence the follower has taken already
        }
        Code code = Code.get(r.rc());
        long now = System.nanoTime();
        if (r.epoch() == ANY_EPOCH) {
            ZkSlot held = slots.get(r.sequence());
            if (r.sequence() >= wanted + READ_AHEAD || (held != null && held.state() == ZkSlot.State.DATA)) {
                return; // far ahead of a follower catching up (it reads it in its turn), or read already
            }
            owner.ownEntriesFromAppend.incrementAndGet();
        }
        if (code == Code.OK) {
            long position = Positions.entry(segment, r.sequence());
            // On one connection a create's watch event comes before any read that sees the entry,
            // so on the happy path every entry is announced before its data arrives.
            boolean byProbe = r.probed() && position > watchedTail.get();
            slots.put(
                    r.sequence(),
                    new ZkSlot(ZkSlot.State.DATA, r.data(), r.tailAtIssue(), now, r.synced(), r.floor(), byProbe));
            knownTail.accumulateAndGet(position, Math::max);
        } else if (code == Code.NONODE) {
            slots.put(
                    r.sequence(),
                    new ZkSlot(ZkSlot.State.MISSING, null, r.tailAtIssue(), now, r.synced(), r.floor(), false));
        } else {
            slots.put(r.sequence(), ZkSlot.of(ZkSlot.State.ERROR, r.tailAtIssue()));
        }
    }

    /** Keeps up to {@value #READ_AHEAD} reads outstanding from {@code next}. */
    void issueReads(long next) {
        wanted = Math.max(wanted, next);
        if (!owner.isConnected()) {
            return; // a reconnect triggers a resync
        }
        long known = knownSequenceLimit();
        long now = System.nanoTime();
        for (long s = next; s < next + READ_AHEAD; s++) {
            ZkSlot slot = slots.get(s);
            if (slot == null) {
                // At the tail, only what the watch announced: a read of the next number before its
                // event answers "no node" nearly always, and an entry it could find is announced
                // on the same connection before the read's answer anyway.
                if (s <= known || catchingUp) {
                    issue(s);
                }
            } else if (slot.state() == ZkSlot.State.MISSING) {
                long position = Positions.entry(segment, s);
                if (position <= knownTail.get() && slot.tailAtIssue() < position) {
                    issue(s); // a higher entry is now known: read again to decide
                } else if (slot.tailAtIssue() >= position && !slot.synced()) {
                    confirm(s); // a gap, probably: confirm it now, in parallel with others
                }
            } else if (slot.state() == ZkSlot.State.ERROR
                    && now - slot.atNanos() > TimeUnit.MILLISECONDS.toNanos(200)) {
                issue(s);
            }
        }
    }

    /** The highest sequence known to exist in the current segment (unbounded if a later segment has entries). */
    private long knownSequenceLimit() {
        long tail = knownTail.get();
        if (tail == Positions.NONE || Positions.segment(tail) < segment) {
            return -1;
        }
        return Positions.segment(tail) > segment ? Long.MAX_VALUE : Positions.sequence(tail);
    }

    private void issue(long sequence) {
        long tailAtIssue = knownTail.get();
        long readEpoch = epoch;
        int readSegment = segment;
        boolean probed = probing;
        slots.put(sequence, ZkSlot.of(ZkSlot.State.IN_FLIGHT, tailAtIssue));
        try {
            owner.client
                    .getData()
                    .inBackground((c, event) -> inbox.offer(new ReadResult(
                            readEpoch,
                            readSegment,
                            sequence,
                            event.getResultCode(),
                            event.getData(),
                            tailAtIssue,
                            false,
                            Positions.NONE,
                            probed)))
                    .forPath(owner.layout.entryPath(readSegment, sequence));
        } catch (Exception e) {
            slots.put(sequence, ZkSlot.of(ZkSlot.State.ERROR, tailAtIssue));
        }
    }

    /**
     * Reads {@code sequence} right behind a {@code sync}, pipelined on one connection with the
     * plain ZooKeeper handle (no retries that could move the read to another connection): if the
     * sync succeeded, the read was served by a server that has applied everything committed
     * before it. Knowledge from a watch event does not raise the client's last-seen zxid, so
     * after a reconnect a lagging server could otherwise answer "no node" for an entry that
     * exists.
     *
     * <p>The compaction floor is read third, behind the entry: if the entry was deleted before the
     * entry read, the floor written before that delete is visible to the floor read (one server,
     * in order), so a compacted entry is never taken for a gap.
     */
    void confirm(long sequence) {
        long tailAtIssue = knownTail.get();
        long readEpoch = epoch;
        int readSegment = segment;
        boolean probed = probing;
        slots.put(sequence, ZkSlot.of(ZkSlot.State.IN_FLIGHT, tailAtIssue));
        try {
            ZooKeeper zk = owner.client.getZookeeperClient().getZooKeeper();
            AtomicBoolean synced = new AtomicBoolean();
            AtomicReference<ReadResult> entryRead = new AtomicReference<>();
            zk.sync(owner.layout.logPath(), (rc, path, ctx) -> synced.set(rc == Code.OK.intValue()), null);
            zk.getData(
                    owner.layout.entryPath(readSegment, sequence),
                    false,
                    (rc, path, ctx, data, stat) -> entryRead.set(new ReadResult(
                            readEpoch,
                            readSegment,
                            sequence,
                            rc,
                            data,
                            tailAtIssue,
                            synced.get(),
                            Positions.NONE,
                            probed)),
                    null);
            zk.getData(
                    owner.layout.floorPath(),
                    false,
                    (rc, path, ctx, data, stat) -> inbox.offer(withFloor(entryRead.get(), rc, data)),
                    null);
        } catch (Exception e) {
            slots.put(sequence, ZkSlot.of(ZkSlot.State.ERROR, tailAtIssue));
        }
    }

    /** The entry read completed by the floor read behind it; an error if the floor is unknown. */
    private ReadResult withFloor(ReadResult entry, int rc, byte[] data) {
        if (entry.rc() == Code.OK.intValue()) {
            return entry; // found: the floor does not matter
        }
        long floor;
        int entryRc = entry.rc();
        boolean synced = entry.synced();
        try {
            floor = owner.floor.fromResult(rc, data);
        } catch (RuntimeException e) {
            log.debug("{} floor unknown, the read of {} decides nothing: {}", owner.identity, entry.sequence(), e);
            floor = Positions.NONE;
            entryRc = Code.CONNECTIONLOSS.intValue();
            synced = false;
        }
        return new ReadResult(
                entry.epoch(),
                entry.segment(),
                entry.sequence(),
                entryRc,
                entry.data(),
                entry.tailAtIssue(),
                synced,
                floor,
                entry.probed());
    }

    /**
     * Nothing arrived for a while and {@code next} is missing with no higher entry known. Usually
     * the log is just idle; but entries may exist that no watch event announced (created before
     * the watch, beyond a gap). Probe a few numbers ahead, list the segment if it is small, and
     * look for later segments.
     */
    void probe(long next) throws Exception {
        probing = true;
        slots.entrySet().removeIf(e -> e.getValue().state() == ZkSlot.State.MISSING);
        for (long s = next; s < next + PROBE_WIDTH; s++) {
            issue(s);
        }
        listFallback(next);
    }

    private void listFallback(long next) throws Exception {
        List<Integer> segments = ZkSegments.list(owner);
        if (!segments.isEmpty() && segments.get(segments.size() - 1) > segment) {
            int later = segments.get(segments.size() - 1);
            Stat stat = owner.client.checkExists().forPath(owner.layout.segmentPath(later));
            if (stat != null && stat.getNumChildren() > 0) {
                knownTail.accumulateAndGet(Positions.entry(later, 0), Math::max);
            }
        }
        Stat stat = owner.client.checkExists().forPath(owner.layout.segmentPath(segment));
        if (stat == null || stat.getNumChildren() == 0 || stat.getNumChildren() > LIST_LIMIT) {
            return;
        }
        if (stat.getPzxid() == listedAtPzxid) {
            return; // no child created or deleted since the last listing
        }
        listedAtPzxid = stat.getPzxid();
        owner.client.getChildren().forPath(owner.layout.segmentPath(segment)).stream()
                .mapToLong(ZkLayout::parseSequence)
                .filter(s -> s > next)
                .max()
                .ifPresent(s -> knownTail.accumulateAndGet(Positions.entry(segment, s), Math::max));
    }
}
