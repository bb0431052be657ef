package io.koordinator.sequencer.zk;

import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.SequencerUnavailableException;
import io.koordinator.sequencer.codec.CorruptEntryException;
import io.koordinator.sequencer.codec.Entry;
import io.koordinator.sequencer.codec.EntryCodec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * Read barriers without a write ({@link io.koordinator.sequencer.Sequencer#readBarrier()}): a
 * {@code sync}, then the log's tail as the synced server sees it, all on one ZooKeeper handle.
 *
 * <ol>
 *   <li>{@code sync(log/)}: the connected server has applied every create committed before the
 *       sync reached the leader, so every entry whose append completed before the barrier was
 *       asked for is visible to the reads that follow on the same handle (a handle never sees an
 *       older state than one it has seen, even across reconnects).
 *   <li>{@code getChildren(log/)}: the segments (few); the highest one is the current segment.
 *   <li>{@code exists(segment)}: its {@link Stat}. ZooKeeper's child version counts every create
 *       and every delete below the node, and {@code numChildren} is creates minus deletes, so
 *       {@code (cversion + numChildren) / 2} is the number of children ever created, which is the
 *       next sequential suffix (deletes do not move it): the highest sequence ever assigned in the
 *       segment is one below, without listing the segment.
 *   <li>{@code getData} of that entry (and lower ones, only if it holds no command): the barrier is
 *       the position of its last command. A seal, an entry after the segment's first seal (the
 *       rollover rule: ignored by every follower, its commands appended again in the next segment)
 *       and a missing number hold no command; an empty current segment continues in the one
 *       before. The first seal of a segment is remembered, as seals are never undone.
 * </ol>
 *
 * A barrier is the position of a command, so a replica has passed it exactly when its follower's
 * applied position (moved after the listener returned, i.e. after the delivery) reaches it.
 *
 * <p>Any error (connection loss, expired session, a timeout) fails the barrier with {@link
 * SequencerUnavailableException}: nothing was written, the caller may retry.
 *
 * <p>Threading: {@link #issue} from any thread; the work runs on this barrier's own thread, which
 * blocks on ZooKeeper (never Curator's event thread). One thread: barriers run one after another,
 * which is what a caller batching reads behind one barrier wants anyway.
 */
final class ZkReadBarrier {
    /** Missing sequence numbers walked past below the tail before giving up (gaps are rare). */
    private static final int MAX_MISSING = 1_000;

    private final ZkSequencer owner;
    private final ExecutorService thread;
    /** Barrier thread only: segment -> sequence of its first seal. */
    private final Map<Integer, Long> firstSeal = new HashMap<>();
    /** Barrier thread only: the last (entry, barrier) found, so an idle log costs no entry read. */
    private long cachedTail = Positions.NONE;

    private long cachedBarrier = Positions.NONE;

    final AtomicLong issued = new AtomicLong();
    final AtomicLong failed = new AtomicLong();

    ZkReadBarrier(ZkSequencer owner) {
        this.owner = owner;
        this.thread =
                Executors.newSingleThreadExecutor(r -> ZkSequencer.daemon(r, "sequencer-barrier-" + owner.identity));
    }

    CompletableFuture<Long> issue() {
        issued.incrementAndGet();
        if (!owner.isConnected()) {
            failed.incrementAndGet();
            return CompletableFuture.failedFuture(new SequencerUnavailableException(
                    "ZooKeeper is not connected (" + owner.connectionState() + "): no read barrier"));
        }
        CompletableFuture<Long> result = new CompletableFuture<>();
        try {
            thread.execute(() -> {
                try {
                    result.complete(find());
                } catch (Exception e) {
                    failed.incrementAndGet();
                    result.completeExceptionally(
                            e instanceof SequencerUnavailableException
                                    ? e
                                    : new SequencerUnavailableException("no read barrier: " + e, e));
                }
            });
        } catch (RejectedExecutionException e) {
            failed.incrementAndGet();
            result.completeExceptionally(new SequencerUnavailableException("the sequencer is closed", e));
        }
        return result;
    }

    private long find() throws Exception {
        ZooKeeper zk = owner.client.getZookeeperClient().getZooKeeper();
        sync(zk);
        List<Integer> segments;
        try {
            segments = zk.getChildren(owner.layout.logPath(), false).stream()
                    .map(ZkLayout::parseSegment)
                    .filter(s -> s >= 0)
                    .sorted()
                    .toList();
        } catch (KeeperException.NoNodeException e) {
            return Positions.NONE;
        }
        for (int i = segments.size() - 1; i >= 0; i--) {
            int segment = segments.get(i);
            Stat stat = zk.exists(owner.layout.segmentPath(segment), false);
            if (stat == null) {
                continue; // deleted by compaction meanwhile: nothing of it is needed
            }
            long tail = (stat.getCversion() + (long) stat.getNumChildren()) / 2 - 1;
            long barrier = lastCommand(zk, segment, tail);
            if (barrier != Positions.NONE) {
                return barrier;
            }
        }
        return Positions.NONE;
    }

    private void sync(ZooKeeper zk) throws Exception {
        CompletableFuture<Integer> rc = new CompletableFuture<>();
        zk.sync(owner.layout.logPath(), (code, path, ctx) -> rc.complete(code), null);
        long waitMillis = owner.config
                .sessionTimeout()
                .plus(owner.config.connectionTimeout())
                .toMillis();
        int code = rc.get(waitMillis, TimeUnit.MILLISECONDS);
        if (code != KeeperException.Code.OK.intValue()) {
            throw new SequencerUnavailableException("sync failed: " + KeeperException.Code.get(code));
        }
    }

    /** The last command of {@code segment} at or below {@code tail}, or NONE if it holds none. */
    private long lastCommand(ZooKeeper zk, int segment, long tail) throws Exception {
        if (tail < 0) {
            return Positions.NONE;
        }
        long from = Math.min(tail, firstSealAtOrBelow(zk, segment, tail) - 1);
        if (from < 0) {
            return Positions.NONE;
        }
        if (Positions.entry(segment, from) == cachedTail) {
            return cachedBarrier;
        }
        int missing = 0;
        for (long s = from; s >= 0; s--) {
            long position = Positions.entry(segment, s);
            byte[] data = read(zk, segment, s);
            if (data == null) {
                if (position < owner.floor.cached() || ++missing > MAX_MISSING) {
                    throw new SequencerUnavailableException(
                            "no entry found below the log's tail " + Positions.format(Positions.entry(segment, tail)));
                }
                continue;
            }
            Entry entry = decode(data, position);
            if (!entry.seal() && !entry.commands().isEmpty()) {
                long barrier = position + entry.commands().size() - 1;
                cachedTail = Positions.entry(segment, from);
                cachedBarrier = barrier;
                return barrier;
            }
        }
        return Positions.NONE;
    }

    /**
     * The sequence of {@code segment}'s first seal if it lies at or below {@code tail}, else
     * {@code tail + 1}. Seals exist only from {@code segmentRollover} on, so below it nothing is
     * read.
     */
    private long firstSealAtOrBelow(ZooKeeper zk, int segment, long tail) throws Exception {
        Long known = firstSeal.get(segment);
        if (known != null) {
            return known;
        }
        for (long s = owner.config.segmentRollover(); s <= tail; s++) {
            byte[] data = read(zk, segment, s);
            if (data != null && decode(data, Positions.entry(segment, s)).seal()) {
                firstSeal.put(segment, s);
                return s;
            }
        }
        return tail + 1;
    }

    private byte[] read(ZooKeeper zk, int segment, long sequence) throws Exception {
        try {
            return zk.getData(owner.layout.entryPath(segment, sequence), false, null);
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
    }

    private static Entry decode(byte[] data, long position) {
        try {
            return EntryCodec.decode(data);
        } catch (CorruptEntryException e) {
            throw new IllegalStateException("corrupt entry " + Positions.format(position), e);
        }
    }

    void close() {
        thread.shutdownNow();
    }
}
