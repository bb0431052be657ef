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
import io.koordinator.sequencer.codec.UnknownEntryFormatException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the log on its own thread: takes the entries {@link ZkReadAhead} has read, in order,
 * decides what a missing sequence number means (the gap rule and the floor rule, see the package
 * documentation), follows seals into the next segment, and hands the commands to the {@link
 * LogDispatcher}.
 *
 * <p>Threading: the follower thread owns every field not marked otherwise.
 */
final class ZkFollower implements Follower {
    private static final Logger log = LoggerFactory.getLogger(ZkFollower.class);
    static final int READ_AHEAD = ZkReadAhead.READ_AHEAD;
    private static final long PROBE_MIN_MILLIS = 500;
    private static final long PROBE_MAX_MILLIS = 8_000;

    private final ZkSequencer owner;
    private final LogDispatcher dispatcher;
    private final ZkReadAhead reads;
    private final long afterPosition;
    private final Thread thread;
    private final AtomicBoolean resyncRequested = new AtomicBoolean();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean closed;
    /** The segment being followed, for {@link #lagEntries()} on any thread. */
    private volatile int currentSegment;

    // Follower thread only.
    private int segment;
    private long next;
    private int skipThroughIndex = -1;
    private long lastProgressNanos = System.nanoTime();
    private long probeDelayMillis = PROBE_MIN_MILLIS;
    private long gapsLogged;

    ZkFollower(ZkSequencer owner, LogCheckpoint from, LogListener listener) {
        this.owner = owner;
        this.afterPosition = from.position();
        this.dispatcher = new LogDispatcher(from, owner.config.dedupWindow(), listener, owner.duplicatesSkipped);
        this.reads = new ZkReadAhead(owner);
        this.thread = ZkSequencer.daemon(this::run, "follower-" + owner.identity);
    }

    void start() {
        thread.start();
    }

    /** From the watch (Curator's event thread): an entry exists at {@code position}. */
    void entrySeen(long position) {
        reads.entrySeen(position);
    }

    /** From the appender's thread: this replica created an entry; see {@link ZkReadAhead#appended}. */
    void appended(int segment, long sequence, byte[] data) {
        reads.appended(segment, sequence, data);
    }

    /** After a reconnect or a re-registered watch: events may have been missed. */
    void resync() {
        resyncRequested.set(true);
        reads.wake();
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
                reads.issueReads(next);
                boolean progressed = deliverReady();
                if (!progressed && !closed) {
                    reads.issueReads(next);
                    if (!reads.await(probeDelayMillis)) {
                        probeIfStalled();
                    }
                }
                reads.drain();
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
        reads.startSegment(segment);
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
        reads.restart();
        probeDelayMillis = PROBE_MIN_MILLIS;
    }

    /**
     * Delivers the entry at {@link #next} if it is ready (skipping gaps before it); true if
     * anything moved. One entry per call, so the caller refills the read-ahead in between.
     */
    private boolean deliverReady() throws Exception {
        boolean progressed = false;
        while (!closed) {
            ZkSlot slot = reads.slot(next);
            if (slot == null || slot.state() == ZkSlot.State.IN_FLIGHT || slot.state() == ZkSlot.State.ERROR) {
                return progressed;
            }
            long here = Positions.entry(segment, next);
            if (slot.state() == ZkSlot.State.MISSING) {
                if (slot.tailAtIssue() >= here && !slot.synced()) {
                    // Looks like a gap; confirm on a server that has caught up with the leader
                    // (the knowledge may come from a watch event of an earlier connection).
                    reads.confirm(next);
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
                    reads.remove(next);
                    next++;
                    skipThroughIndex = -1;
                    progressed = true;
                    continue;
                }
                reads.caughtUp(here);
                return progressed;
            }
            reads.remove(next);
            reads.progressed();
            if (slot.byProbe()) {
                owner.entriesFoundByProbe.incrementAndGet();
                log.debug(
                        "{} entry {} found by the stall probe, not the watch", owner.identity, Positions.format(here));
            }
            Entry entry;
            try {
                entry = EntryCodec.decode(slot.data());
            } catch (UnknownEntryFormatException e) {
                throw e.at(here); // written by a newer release: stop, with where and what
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
                reads.startSegment(segment);
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

    /**
     * Nothing arrived for a while and {@link #next} is missing with no higher entry known: let the
     * read-ahead look for entries no watch announced, with a backing-off delay.
     */
    private void probeIfStalled() throws Exception {
        if (!owner.isConnected()
                || System.nanoTime() - lastProgressNanos < TimeUnit.MILLISECONDS.toNanos(probeDelayMillis)) {
            return;
        }
        probeDelayMillis = Math.min(PROBE_MAX_MILLIS, probeDelayMillis * 2);
        ZkSlot stalled = reads.slot(next);
        if (stalled != null && stalled.state() == ZkSlot.State.MISSING) {
            // Every number below a floor was assigned before the floor was written: a missing
            // one there never appears, and may have held an entry.
            checkFloor(owner.floor.cached());
        }
        try {
            reads.probe(next);
        } catch (KeeperException e) {
            if (!Follower.lostConnection(e)) {
                throw e;
            }
            // The connection or session failed under the probe, before the sequencer's connection
            // state said so (a process paused past its session timeout, say). The probe decided
            // nothing: it runs again after the back-off, and the reconnect resyncs the reads.
            owner.probesFailed.incrementAndGet();
            log.info(
                    "{} stall probe at {} failed, retried: {}",
                    owner.identity,
                    Positions.format(neededPosition()),
                    e.toString());
        }
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
        return reads.knownTail();
    }

    @Override
    public boolean reachedTail() {
        return reads.reachedTail();
    }

    @Override
    public long lagEntries() {
        long tail = reads.knownTail();
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
