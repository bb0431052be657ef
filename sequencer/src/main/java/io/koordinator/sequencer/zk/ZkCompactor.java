package io.koordinator.sequencer.zk;

import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.ReplicaInfo;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compaction of the group's log: one leader among the group's sequencers (a Curator {@link
 * LeaderLatch} on {@code <group>/leader}) deletes the entries every live replica has made durable,
 * minus a retention margin, so ZooKeeper's memory stays bounded.
 *
 * <p>Each round, every {@code compactionInterval}, on this compactor's own thread:
 *
 * <ol>
 *   <li>reads the live replicas ({@code replicas/}, ephemeral); with none, or with one that has
 *       published no durable position, nothing is compacted;
 *   <li>takes the lowest durable position, goes back {@code compactionRetainEntries} entries
 *       (into the previous segment if need be) and, with {@code compactionRetainAge}, further back
 *       to the newest entry created at least that long ago (its znode's ctime);
 *   <li>records that floor in {@code <group>/floor} first (conditional on the node's version, only
 *       ever rising; {@link ZkFloor}), then
 *   <li>deletes entries below it (in {@code multi} transactions, {@link ZkDeletes}; at most {@value
 *       #DELETES_PER_ROUND} deletes per round) from where the last round stopped, and whole
 *       segments below the floor's segment, and records how far it got.
 * </ol>
 *
 * A follower that finds an entry missing below the floor stops with {@link
 * io.koordinator.sequencer.LogCompactedException}; see {@link ZkFollower}. Two leaders at once (a
 * leader cut off while its successor starts) are harmless: each deletes only below a floor that is
 * already in ZooKeeper.
 *
 * <p>Threading: {@link #onConnectionState} on Curator's event thread (records only); rounds on the
 * compactor thread, which owns everything else.
 */
final class ZkCompactor {
    private static final Logger log = LoggerFactory.getLogger(ZkCompactor.class);
    static final int DELETES_PER_ROUND = 20_000;
    private static final int LIST_LIMIT = 10_000;

    private final ZkSequencer owner;
    private final ZkFloor floor;
    private final LeaderLatch latch;
    private final ScheduledExecutorService thread;
    /** False while the connection is SUSPENDED or LOST: no deletes are issued. Curator's event thread writes. */
    private volatile boolean connected;

    final AtomicLong entriesDeleted = new AtomicLong();
    final AtomicLong floorMoves = new AtomicLong();
    final AtomicLong segmentsDeleted = new AtomicLong();

    ZkCompactor(ZkSequencer owner, ZkFloor floor) {
        this.owner = owner;
        this.floor = floor;
        this.latch = new LeaderLatch(owner.client, owner.layout.leaderPath(), owner.config.replicaId());
        this.thread = Executors.newSingleThreadScheduledExecutor(
                r -> ZkSequencer.daemon(r, "sequencer-compactor-" + owner.identity));
    }

    /** Joins the leader election and schedules the rounds; once, from {@link ZkSequencer#start()}. */
    void start() {
        latch.addListener(new LeaderLatchListener() {
            @Override
            public void isLeader() {
                log.info("{} became the compaction leader of the group", owner.identity);
            }

            @Override
            public void notLeader() {
                log.info("{} is no longer the compaction leader", owner.identity);
            }
        });
        try {
            latch.start(); // registers in the background once connected
        } catch (Exception e) {
            throw new IllegalStateException(owner.identity + " cannot join the compaction leader election", e);
        }
        long interval = owner.config.compactionInterval().toMillis();
        thread.scheduleWithFixedDelay(this::round, interval, interval, TimeUnit.MILLISECONDS);
    }

    /** The one connection-state switch: deletes stop while the session may be gone. */
    void onConnectionState(ConnectionState state) {
        switch (state) {
            case CONNECTED, RECONNECTED -> connected = true;
            case SUSPENDED, LOST, READ_ONLY -> connected = false;
        }
    }

    boolean isLeader() {
        return latch.hasLeadership();
    }

    private boolean mayDelete() {
        return connected && latch.hasLeadership() && !owner.closed();
    }

    /** Deletes go on while connected and open; the leadership is checked once per round. */
    private boolean connectedAndOpen() {
        return connected && !owner.closed();
    }

    /** One round; never throws (a failed round is retried at the next interval). */
    void round() {
        if (!mayDelete() || !owner.initialized()) {
            return;
        }
        try {
            long candidate = candidate();
            if (candidate != Positions.NONE) {
                compactTo(candidate);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.debug("{} compaction round failed, retrying next round: {}", owner.identity, e.toString());
        }
    }

    /** The floor the live replicas allow now, or {@link Positions#NONE}. */
    long candidate() throws Exception {
        List<ReplicaInfo> live = owner.replicasStrict(); // one it cannot read holds the floor back
        if (live.isEmpty() || live.stream().anyMatch(r -> r.durablePosition() < 0)) {
            return Positions.NONE; // nobody to keep the log for, or someone has no durable state yet
        }
        long lowest =
                live.stream().mapToLong(ReplicaInfo::durablePosition).min().getAsLong();
        return retainAge(retainEntries(Positions.entryOf(lowest)));
    }

    /** {@code entry} moved back by {@code compactionRetainEntries}, into the previous segment if need be. */
    long retainEntries(long entry) {
        long keep = owner.config.compactionRetainEntries();
        int segment = Positions.segment(entry);
        long sequence = Positions.sequence(entry);
        if (sequence >= keep) {
            return Positions.entry(segment, sequence - keep);
        }
        if (segment == 0) {
            return Positions.NONE;
        }
        // The previous segment's seal lies at or after segmentRollover, so at least `keep` entries stay.
        return Positions.entry(segment - 1, Math.max(0, owner.config.segmentRollover() - (keep - sequence)));
    }

    /**
     * The newest entry at or below {@code candidate} in its segment that was created at least
     * {@code compactionRetainAge} ago (binary search on the entries' ctime; a missing number counts
     * as young, which only keeps more), or the current floor if there is none.
     */
    long retainAge(long candidate) throws Exception {
        long ageMillis = owner.config.compactionRetainAge().toMillis();
        if (ageMillis == 0 || candidate == Positions.NONE) {
            return candidate;
        }
        long cutoff = System.currentTimeMillis() - ageMillis;
        int segment = Positions.segment(candidate);
        long current = floor.cached();
        long lo = current != Positions.NONE && Positions.segment(current) == segment ? Positions.sequence(current) : 0;
        long hi = Positions.sequence(candidate);
        long best = -1;
        while (lo <= hi) {
            long mid = lo + (hi - lo) / 2;
            Stat stat = owner.client.checkExists().forPath(owner.layout.entryPath(segment, mid));
            if (stat != null && stat.getCtime() <= cutoff) {
                best = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return best < 0 ? current : Positions.entry(segment, best);
    }

    /**
     * Records {@code candidate} as the floor if it is higher, then deletes below the floor.
     * Package-private so that tests can compact to a chosen floor without a leader.
     */
    void compactTo(long candidate) throws Exception {
        ZkFloor.State state = floor.read();
        if (candidate > state.floor()) {
            ZkFloor.State raised = floor.raise(state, candidate, state.deletedBelow());
            if (raised == null) {
                return; // another writer came first: next round
            }
            floorMoves.incrementAndGet();
            log.debug(
                    "{} compaction floor {} -> {}",
                    owner.identity,
                    Positions.format(state.floor()),
                    Positions.format(candidate));
            state = raised;
        }
        if (state.floor() == Positions.NONE) {
            return;
        }
        long reached = deleteBelow(state.deletedBelow(), state.floor());
        if (reached > state.deletedBelow()) {
            floor.raise(state, state.floor(), reached); // lost to another writer: it redoes little
        }
    }

    /**
     * Deletes entries from {@code from} up to {@code target} (exclusive) and every segment below
     * {@code target}'s segment; returns the position below which everything is now deleted.
     */
    private long deleteBelow(long from, long target) throws Exception {
        int floorSegment = Positions.segment(target);
        Budget budget = new Budget();
        long reached = from;
        for (int segment : ZkSegments.list(owner)) {
            if (segment > floorSegment || !connectedAndOpen() || budget.left <= 0) {
                break;
            }
            long start = from != Positions.NONE && Positions.segment(from) == segment ? Positions.sequence(from) : 0;
            if (segment < floorSegment) {
                if (!deleteSegment(segment, start, budget)) {
                    return Math.max(from, Positions.entry(segment, budget.sweptTo));
                }
                reached = Math.max(reached, Positions.entry(segment + 1, 0));
            } else {
                long end = deleteRange(segment, start, Positions.sequence(target), budget);
                reached = Math.max(reached, Positions.entry(segment, end));
            }
        }
        return reached;
    }

    /** What one round may still delete, and how far the last range got. */
    private static final class Budget {
        long left = DELETES_PER_ROUND;
        long sweptTo;
    }

    /**
     * Deletes a segment below the floor's: its entries (listed once few are left, else swept in
     * order from {@code start}), then its node. True once the segment is gone.
     */
    private boolean deleteSegment(int segment, long start, Budget budget) throws Exception {
        String path = owner.layout.segmentPath(segment);
        Stat stat = owner.client.checkExists().forPath(path);
        if (stat == null) {
            return true;
        }
        if (stat.getNumChildren() > LIST_LIMIT) {
            budget.sweptTo = deleteRange(segment, start, Long.MAX_VALUE, budget);
            return false;
        }
        List<Long> sequences = owner.client.getChildren().forPath(path).stream()
                .map(ZkLayout::parseSequence)
                .filter(s -> s >= 0)
                .sorted()
                .toList();
        ZkDeletes deletes = deletes();
        for (long s : sequences) {
            if (!connectedAndOpen()) {
                break;
            }
            deletes.issue(owner.layout.entryPath(segment, s), s);
            budget.left--;
        }
        if (deletes.await() != Long.MAX_VALUE || !connectedAndOpen()) {
            budget.sweptTo = 0;
            return false;
        }
        try {
            owner.client.delete().forPath(path);
            segmentsDeleted.incrementAndGet();
            log.info("{} compaction deleted segment {}", owner.identity, segment);
            return true;
        } catch (KeeperException.NoNodeException e) {
            return true;
        } catch (KeeperException.NotEmptyException e) {
            budget.sweptTo = 0;
            return false; // a late create: the next round lists it again
        }
    }

    /**
     * Deletes {@code e-start} up to {@code end} (exclusive) in order, within the budget; returns
     * the first sequence not known to be deleted.
     */
    private long deleteRange(int segment, long start, long end, Budget budget) throws InterruptedException {
        ZkDeletes deletes = deletes();
        long s = start;
        for (; s < end && budget.left > 0 && connectedAndOpen(); s++, budget.left--) {
            deletes.issue(owner.layout.entryPath(segment, s), s);
        }
        return Math.min(s, deletes.await());
    }

    private ZkDeletes deletes() {
        return new ZkDeletes(owner.client, owner.config.sessionTimeout(), entriesDeleted);
    }

    void close() {
        thread.shutdownNow();
        try {
            latch.close();
        } catch (IOException | RuntimeException e) {
            log.debug("{} closing the leader latch failed: {}", owner.identity, e.toString());
        }
    }
}
