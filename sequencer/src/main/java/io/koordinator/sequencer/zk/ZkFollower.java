package io.koordinator.sequencer.zk;

import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.Follower;
import io.koordinator.sequencer.LogCheckpoint;
import io.koordinator.sequencer.LogCompactedException;
import io.koordinator.sequencer.LogDispatcher;
import io.koordinator.sequencer.LogListener;
import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.codec.CorruptEntryException;
import io.koordinator.sequencer.codec.Entry;
import io.koordinator.sequencer.codec.EntryCodec;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the log on its own thread: background {@code getData} of the next {@value #READ_AHEAD}
 * sequence numbers, decoded and handed to the listener in order. New entries are learned from the
 * sequencer's persistent recursive watch ({@link #entrySeen}); no {@code getChildren} of a
 * segment on the normal path.
 *
 * <p>Threading: the follower thread owns every field not marked otherwise; Curator's event thread
 * only enqueues read results and raises {@link #knownTail}.
 */
final class ZkFollower implements Follower {
    private static final Logger log = LoggerFactory.getLogger(ZkFollower.class);
    static final int READ_AHEAD = 64;
    private static final long PROBE_MIN_MILLIS = 500;
    private static final long PROBE_MAX_MILLIS = 8_000;
    private static final int PROBE_WIDTH = 4;
    private static final int LIST_LIMIT = 10_000;
    private static final Object WAKE = new Object();

    private enum SlotState {
        IN_FLIGHT,
        DATA,
        MISSING,
        ERROR
    }

    /**
     * {@code synced}: the read was preceded by a successful sync on the same connection, and
     * followed there by a read of the compaction floor, {@code floor}.
     */
    private record Slot(SlotState state, byte[] data, long tailAtIssue, long atNanos, boolean synced, long floor) {
        static Slot of(SlotState state, long tailAtIssue) {
            return new Slot(state, null, tailAtIssue, System.nanoTime(), false, Positions.NONE);
        }
    }

    private record ReadResult(
            long epoch,
            int segment,
            long sequence,
            int rc,
            byte[] data,
            long tailAtIssue,
            boolean synced,
            long floor) {}

    private final ZkSequencer owner;
    private final LogDispatcher dispatcher;
    private final long afterPosition;
    private final Thread thread;
    /** Read results and wake-ups, from Curator's event thread. */
    private final LinkedBlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    /** Highest entry position known to exist (watch events, reads); any thread. */
    private final AtomicLong knownTail = new AtomicLong(Positions.NONE);

    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final AtomicBoolean resyncRequested = new AtomicBoolean();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean closed;
    private volatile int currentSegment;

    // Follower thread only.
    private final Map<Long, Slot> slots = new HashMap<>();
    private long epoch;
    private int segment;
    private long next;
    private int skipThroughIndex = -1;
    private boolean catchingUp = true;
    private long lastProgressNanos = System.nanoTime();
    private long probeDelayMillis = PROBE_MIN_MILLIS;
    private long gapsLogged;
    private long listedAtPzxid = -1;

    ZkFollower(ZkSequencer owner, LogCheckpoint from, LogListener listener) {
        this.owner = owner;
        this.afterPosition = from.position();
        this.dispatcher = new LogDispatcher(from, owner.config.dedupWindow(), listener, owner.duplicatesSkipped);
        this.thread = ZkSequencer.daemon(this::run, "follower-" + owner.identity);
    }

    void start() {
        thread.start();
    }

    /** From the watch (Curator's event thread): an entry exists at {@code position}. */
    void entrySeen(long position) {
        if (knownTail.accumulateAndGet(position, Math::max) == position) {
            wake();
        }
    }

    /** After a reconnect or a re-registered watch: events may have been missed. */
    void resync() {
        resyncRequested.set(true);
        wake();
    }

    private void wake() {
        if (wakePending.compareAndSet(false, true)) {
            inbox.offer(WAKE);
        }
    }

    private void run() {
        try {
            begin();
            while (!closed) {
                if (resyncRequested.getAndSet(false)) {
                    restartReads();
                }
                // Reads go out before each delivery: entries announced while the listener worked
                // are fetched while it works on the next one, not after it returns.
                issueReads();
                boolean progressed = deliverReady();
                if (!progressed && !closed) {
                    issueReads();
                    Object message = inbox.poll(probeDelayMillis, TimeUnit.MILLISECONDS);
                    if (message == null) {
                        probeIfStalled();
                    } else {
                        handle(message);
                    }
                }
                Object more;
                while ((more = inbox.poll()) != null) {
                    handle(more);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            if (!closed) {
                failure.set(t);
                log.error(
                        "{} follower stopped at {}: {}",
                        owner.identity,
                        Positions.format(dispatcher.applied()),
                        t.toString(),
                        t);
                dispatcher.stopped(t);
            }
        }
    }

    /** Waits for the sequencer's layout and watch, then picks the first sequence to read. */
    private void begin() throws Exception {
        while (!closed && !owner.awaitInitialized(100)) {
            // the watch must exist before the first read
        }
        if (afterPosition == Positions.NONE) {
            while (!closed) {
                try {
                    segment = ZkSegments.lowest(owner);
                    break;
                } catch (Exception e) {
                    Thread.sleep(200); // not connected: the read is retried
                }
            }
            next = 0;
        } else {
            segment = Positions.segment(afterPosition);
            next = Positions.sequence(afterPosition);
            skipThroughIndex = Positions.index(afterPosition);
        }
        currentSegment = segment;
        // The segment or entries to start from may be compacted away: never start below the floor.
        while (!closed) {
            try {
                checkFloor(owner.floor.readSynced());
                return;
            } catch (LogCompactedException e) {
                throw e;
            } catch (Exception e) {
                Thread.sleep(200); // not connected: the read is retried
            }
        }
    }

    private void restartReads() {
        epoch++;
        slots.clear();
        catchingUp = true;
        probeDelayMillis = PROBE_MIN_MILLIS;
    }

    private void handle(Object message) {
        if (message == WAKE) {
            wakePending.set(false);
            return;
        }
        ReadResult r = (ReadResult) message;
        if (r.epoch() != epoch || r.segment() != segment) {
            return;
        }
        Code code = Code.get(r.rc());
        long now = System.nanoTime();
        if (code == Code.OK) {
            slots.put(r.sequence(), new Slot(SlotState.DATA, r.data(), r.tailAtIssue(), now, r.synced(), r.floor()));
            knownTail.accumulateAndGet(Positions.entry(segment, r.sequence()), Math::max);
        } else if (code == Code.NONODE) {
            slots.put(r.sequence(), new Slot(SlotState.MISSING, null, r.tailAtIssue(), now, r.synced(), r.floor()));
        } else {
            slots.put(r.sequence(), Slot.of(SlotState.ERROR, r.tailAtIssue()));
        }
    }

    /**
     * Delivers the entry at {@link #next} if it is ready (skipping gaps before it); true if
     * anything moved. One entry per call, so the caller refills the read-ahead in between.
     */
    private boolean deliverReady() throws Exception {
        boolean progressed = false;
        while (!closed) {
            Slot slot = slots.get(next);
            if (slot == null || slot.state() == SlotState.IN_FLIGHT || slot.state() == SlotState.ERROR) {
                return progressed;
            }
            long here = Positions.entry(segment, next);
            if (slot.state() == SlotState.MISSING) {
                if (slot.tailAtIssue() >= here && !slot.synced()) {
                    // Looks like a gap; confirm on a server that has caught up with the leader
                    // (the knowledge may come from a watch event of an earlier connection).
                    confirm(next);
                    return progressed;
                }
                if (slot.tailAtIssue() >= here) {
                    // Gap rule: read after this or a higher entry was known to exist, so this number
                    // never was created, or was deleted; it never appears again. Deleted by
                    // compaction is told apart by the floor, read behind the same sync after the
                    // entry: compaction writes the floor before it deletes.
                    if (slot.floor() > here) {
                        throw compacted(slot.floor());
                    }
                    owner.gapsSkipped.incrementAndGet();
                    if (gapsLogged++ == 0) {
                        log.info(
                                "{} no entry at {}: skipping the missing sequence number (further gaps at DEBUG)",
                                owner.identity,
                                Positions.format(here));
                    } else {
                        log.debug("{} no entry at {}: skipping it", owner.identity, Positions.format(here));
                    }
                    slots.remove(next);
                    next++;
                    skipThroughIndex = -1;
                    progressed = true;
                    continue;
                }
                if (knownTail.get() <= here) {
                    catchingUp = false;
                }
                return progressed;
            }
            slots.remove(next);
            Entry entry;
            try {
                entry = EntryCodec.decode(slot.data());
            } catch (CorruptEntryException e) {
                throw new IllegalStateException(
                        "corrupt entry " + owner.layout.entryPath(segment, next) + ": " + e.getMessage(), e);
            }
            if (entry.seal()) {
                log.info(
                        "{} segment {} sealed at sequence {}; continuing in segment {}",
                        owner.identity,
                        segment,
                        next,
                        segment + 1);
                segment++;
                currentSegment = segment;
                next = 0;
                skipThroughIndex = -1;
                restartReads();
            } else {
                deliver(here, entry.commands());
                next++;
            }
            lastProgressNanos = System.nanoTime();
            probeDelayMillis = PROBE_MIN_MILLIS;
            return true;
        }
        return progressed;
    }

    /** The first position this follower still needs. */
    private long neededPosition() {
        long entry = Positions.entry(segment, next);
        return skipThroughIndex < 0 || skipThroughIndex >= Positions.MAX_INDEX ? entry : entry + skipThroughIndex + 1;
    }

    private LogCompactedException compacted(long floor) {
        owner.followersCompactedPast.incrementAndGet();
        return new LogCompactedException(neededPosition(), floor);
    }

    /** Stops if the entry this follower needs lies below {@code floor}. */
    private void checkFloor(long floor) throws LogCompactedException {
        if (floor > Positions.entry(segment, next)) {
            throw compacted(floor);
        }
    }

    private void deliver(long entryPosition, List<Command> commands) throws Exception {
        for (int i = skipThroughIndex + 1; i < commands.size() && !closed; i++) {
            dispatcher.dispatch(entryPosition + i, commands.get(i));
        }
        skipThroughIndex = -1;
    }

    /** Keeps up to {@value #READ_AHEAD} reads outstanding from {@link #next}. */
    private void issueReads() {
        if (!owner.isConnected()) {
            return; // a reconnect triggers resync()
        }
        long known = knownSequenceLimit();
        long now = System.nanoTime();
        for (long s = next; s < next + READ_AHEAD; s++) {
            Slot slot = slots.get(s);
            if (slot == null) {
                if (s == next || s <= known || catchingUp) {
                    issue(s);
                }
            } else if (slot.state() == SlotState.MISSING) {
                long position = Positions.entry(segment, s);
                if (position <= knownTail.get() && slot.tailAtIssue() < position) {
                    issue(s); // a higher entry is now known: read again to decide
                } else if (slot.tailAtIssue() >= position && !slot.synced()) {
                    confirm(s); // a gap, probably: confirm it now, in parallel with others
                }
            } else if (slot.state() == SlotState.ERROR && now - slot.atNanos() > TimeUnit.MILLISECONDS.toNanos(200)) {
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
        slots.put(sequence, Slot.of(SlotState.IN_FLIGHT, tailAtIssue));
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
                            Positions.NONE)))
                    .forPath(owner.layout.entryPath(readSegment, sequence));
        } catch (Exception e) {
            slots.put(sequence, Slot.of(SlotState.ERROR, tailAtIssue));
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
    private void confirm(long sequence) {
        long tailAtIssue = knownTail.get();
        long readEpoch = epoch;
        int readSegment = segment;
        slots.put(sequence, Slot.of(SlotState.IN_FLIGHT, tailAtIssue));
        try {
            ZooKeeper zk = owner.client.getZookeeperClient().getZooKeeper();
            AtomicBoolean synced = new AtomicBoolean();
            AtomicReference<ReadResult> entryRead = new AtomicReference<>();
            zk.sync(owner.layout.logPath(), (rc, path, ctx) -> synced.set(rc == Code.OK.intValue()), null);
            zk.getData(
                    owner.layout.entryPath(readSegment, sequence),
                    false,
                    (rc, path, ctx, data, stat) -> entryRead.set(new ReadResult(
                            readEpoch, readSegment, sequence, rc, data, tailAtIssue, synced.get(), Positions.NONE)),
                    null);
            zk.getData(
                    owner.layout.floorPath(),
                    false,
                    (rc, path, ctx, data, stat) -> inbox.offer(withFloor(entryRead.get(), rc, data)),
                    null);
        } catch (Exception e) {
            slots.put(sequence, Slot.of(SlotState.ERROR, tailAtIssue));
        }
    }

    /** The entry read completed by the floor read behind it; not synced if the floor is unknown. */
    private ReadResult withFloor(ReadResult entry, int rc, byte[] data) {
        if (entry.rc() == Code.OK.intValue()) {
            return entry; // found: the floor does not matter
        }
        try {
            long floor = owner.floor.fromResult(rc, data);
            return new ReadResult(
                    entry.epoch(),
                    entry.segment(),
                    entry.sequence(),
                    entry.rc(),
                    entry.data(),
                    entry.tailAtIssue(),
                    entry.synced(),
                    floor);
        } catch (RuntimeException e) {
            log.debug("{} floor unknown, the read of {} decides nothing: {}", owner.identity, entry.sequence(), e);
            return new ReadResult(
                    entry.epoch(),
                    entry.segment(),
                    entry.sequence(),
                    Code.CONNECTIONLOSS.intValue(),
                    null,
                    entry.tailAtIssue(),
                    false,
                    Positions.NONE);
        }
    }

    /**
     * Nothing arrived for a while and {@link #next} is missing with no higher entry known. Usually
     * the log is just idle; but entries may exist that no watch event announced (created before
     * the watch, beyond a gap). Probe a few numbers ahead and list the segment if it is
     * small, and the segments.
     */
    private void probeIfStalled() throws Exception {
        if (!owner.isConnected()
                || System.nanoTime() - lastProgressNanos < TimeUnit.MILLISECONDS.toNanos(probeDelayMillis)) {
            return;
        }
        probeDelayMillis = Math.min(PROBE_MAX_MILLIS, probeDelayMillis * 2);
        Slot stalled = slots.get(next);
        if (stalled != null && stalled.state() == SlotState.MISSING) {
            // Every number below a floor was assigned before the floor was written: a missing
            // one there never appears, and may have held an entry.
            checkFloor(owner.floor.cached());
        }
        slots.entrySet().removeIf(e -> e.getValue().state() == SlotState.MISSING);
        for (long s = next; s < next + PROBE_WIDTH; s++) {
            issue(s);
        }
        listFallback();
    }

    private void listFallback() throws Exception {
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

    @Override
    public long appliedPosition() {
        return dispatcher.applied();
    }

    @Override
    public <T> T betweenCommands(Duration timeout, Function<LogCheckpoint, T> action)
            throws InterruptedException, TimeoutException {
        return dispatcher.betweenCommands(timeout, action);
    }

    @Override
    public long tailSeen() {
        return knownTail.get();
    }

    @Override
    public long lagEntries() {
        long tail = knownTail.get();
        if (tail == Positions.NONE) {
            return 0;
        }
        long a = dispatcher.applied();
        if (a == Positions.NONE) {
            return Positions.segment(tail) == currentSegment ? Positions.sequence(tail) + 1 : 0;
        }
        if (Positions.segment(tail) != Positions.segment(a)) {
            return Positions.sequence(tail) + 1;
        }
        return Math.max(0, Positions.sequence(tail) - Positions.sequence(a));
    }

    @Override
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure.get());
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        owner.removeFollower(this);
        thread.interrupt();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
