package io.koordinator.sequencer.zk;

import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.ReplicaInfo;
import io.koordinator.sequencer.SequencerConfig;
import io.koordinator.sequencer.codec.CorruptEntryException;
import io.koordinator.sequencer.codec.Entry;
import io.koordinator.sequencer.codec.EntryCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;

/**
 * A read-only look at one group's subtree, for operators: whether the group exists, its replicas,
 * its compaction floor, its entries with their sizes, and the last entries decoded. It never
 * creates, writes or deletes anything (unlike {@link ZkSequencer#start()}, which creates the
 * group's layout), so asking about a group that does not exist leaves no trace.
 *
 * <p>Every method blocks on ZooKeeper and fails with the {@link KeeperException} it met ({@code
 * NoAuthException} when the client's credentials do not open the group's subtree).
 *
 * <p>Threading: any thread but Curator's event thread; not for concurrent use.
 */
public final class ZkGroupReader {
    /** How many entry sizes are read at once. */
    private static final int READ_WINDOW = 256;

    /** One entry of the log: its position and the size of its znode's data. */
    public record EntryRef(long position, int bytes) {}

    /** One entry read back: its position, its encoded size and what it holds. */
    public record ReadEntry(long position, int bytes, Entry entry) {}

    private final CuratorFramework client;
    private final ZkLayout layout;
    private final String groupPath;
    private final Duration timeout;

    /**
     * @param client a started client, with the credentials to use
     * @param config the group's root and name (the rest is unused)
     * @param timeout how long a bulk read ({@link #entries()}) may take
     */
    public ZkGroupReader(CuratorFramework client, SequencerConfig config, Duration timeout) {
        this.client = client;
        this.layout = new ZkLayout(config);
        this.groupPath = config.groupPath();
        this.timeout = timeout;
    }

    /** Whether the group's node {@code <root>/<group>} exists. */
    public boolean exists() throws Exception {
        return client.checkExists().forPath(groupPath) != null;
    }

    /** The group's node path. */
    public String groupPath() {
        return groupPath;
    }

    /** Every registered replica as it last published itself; nodes that vanish meanwhile are left out. */
    public List<ReplicaInfo> replicas() throws Exception {
        List<String> children;
        try {
            children = client.getChildren().forPath(layout.replicasPath());
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
        List<ReplicaInfo> all = new ArrayList<>();
        for (String child : children) {
            try {
                all.add(ReplicaRegistry.parse(client.getData().forPath(layout.replicaPath(child))));
            } catch (KeeperException.NoNodeException e) {
                // gone meanwhile
            }
        }
        all.sort((a, b) -> a.replicaId().compareTo(b.replicaId()));
        return all;
    }

    /** The compaction floor, {@link Positions#NONE} while nothing was ever compacted. */
    public long floor() throws Exception {
        try {
            return ZkFloor.decode(client.getData().forPath(layout.floorPath())).floor();
        } catch (KeeperException.NoNodeException e) {
            return Positions.NONE;
        }
    }

    /**
     * Every entry in the log now, ascending, with its size. Entries deleted by compaction while
     * this runs are left out.
     */
    public List<EntryRef> entries() throws Exception {
        List<Long> positions = new ArrayList<>();
        for (int segment : ZkSegments.list(client, layout)) {
            List<String> names;
            try {
                names = client.getChildren().forPath(layout.segmentPath(segment));
            } catch (KeeperException.NoNodeException e) {
                continue; // deleted whole by compaction meanwhile
            }
            for (String name : names) {
                long sequence = ZkLayout.parseSequence(name);
                if (sequence >= 0) {
                    positions.add(Positions.entry(segment, sequence));
                }
            }
        }
        Collections.sort(positions);
        int[] sizes = sizes(positions);
        List<EntryRef> entries = new ArrayList<>(positions.size());
        for (int i = 0; i < positions.size(); i++) {
            if (sizes[i] >= 0) {
                entries.add(new EntryRef(positions.get(i), sizes[i]));
            }
        }
        return entries;
    }

    /** Reads and decodes {@code entry}; {@code null} if it was deleted meanwhile. */
    public ReadEntry read(EntryRef entry) throws Exception {
        long p = entry.position();
        byte[] data;
        try {
            data = client.getData().forPath(layout.entryPath(Positions.segment(p), Positions.sequence(p)));
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
        try {
            return new ReadEntry(p, data.length, EntryCodec.decode(data));
        } catch (CorruptEntryException e) {
            throw new IllegalStateException(
                    "the entry at " + Positions.format(p) + " does not decode: " + e.getMessage(), e);
        }
    }

    /** The data length of each entry, -1 for one deleted meanwhile; {@value #READ_WINDOW} reads at once. */
    private int[] sizes(List<Long> positions) throws Exception {
        int[] sizes = new int[positions.size()];
        Semaphore window = new Semaphore(READ_WINDOW);
        CountDownLatch done = new CountDownLatch(positions.size());
        AtomicReference<Exception> failure = new AtomicReference<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < positions.size() && failure.get() == null; i++) {
            if (!window.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new TimeoutException("reading the entries' sizes took longer than " + timeout);
            }
            int at = i;
            long p = positions.get(i);
            client.checkExists()
                    .inBackground((c, event) -> {
                        Code code = Code.get(event.getResultCode());
                        if (code == Code.OK) {
                            sizes[at] = event.getStat().getDataLength();
                        } else if (code == Code.NONODE) {
                            sizes[at] = -1;
                        } else {
                            failure.compareAndSet(null, KeeperException.create(code, event.getPath()));
                        }
                        window.release();
                        done.countDown();
                    })
                    .forPath(layout.entryPath(Positions.segment(p), Positions.sequence(p)));
        }
        if (failure.get() == null && !done.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            throw new TimeoutException("reading the entries' sizes took longer than " + timeout);
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        return sizes;
    }
}
