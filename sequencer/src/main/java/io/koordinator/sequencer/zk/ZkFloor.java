package io.koordinator.sequencer.zk;

import io.koordinator.sequencer.Positions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import tools.jackson.core.JacksonException;

/**
 * The group's compaction floor, node {@code <group>/floor}: entries whose position is below {@code
 * floor} may be deleted. JSON {@code {"floor":<position>,"deletedBelow":<position>}}; {@code
 * deletedBelow} is how far the compaction leaders have deleted (a new leader carries on from
 * there). Written only by {@link ZkCompactor}, always before it deletes anything below the new
 * value, with a conditional {@code setData} so that it only ever rises. No node means "never
 * compacted" ({@link Positions#NONE}).
 *
 * <p>Threading: {@link #cached()} and {@link #observe} from any thread; {@link #refresh()} issues a
 * background read; {@link #read()}, {@link #raise} and {@link #readSynced} block and run on the
 * compactor's or a follower's thread, never on Curator's event thread.
 */
final class ZkFloor {
    /** The floor node's content and version; {@code version} is -1 while the node does not exist. */
    record State(long floor, long deletedBelow, int version) {
        static final State NONE = new State(Positions.NONE, Positions.NONE, -1);
    }

    /** The node's JSON. */
    record Data(long floor, long deletedBelow) {}

    private final ZkSequencer owner;
    /** The highest floor read or written so far; any thread. */
    private final AtomicLong cached = new AtomicLong(Positions.NONE);

    ZkFloor(ZkSequencer owner) {
        this.owner = owner;
    }

    /** The highest floor seen; never blocks. */
    long cached() {
        return cached.get();
    }

    void observe(long floor) {
        cached.accumulateAndGet(floor, Math::max);
    }

    /** Reads the floor in the background and raises {@link #cached()}; on the timer thread. */
    void refresh() {
        if (!owner.isConnected()) {
            return;
        }
        try {
            owner.client
                    .getData()
                    .inBackground((c, event) -> {
                        if (event.getResultCode() == Code.OK.intValue()) {
                            observeQuietly(event.getData());
                        }
                    })
                    .forPath(owner.layout.floorPath());
        } catch (Exception e) {
            // not connected: the next refresh reads it
        }
    }

    private void observeQuietly(byte[] data) {
        try {
            observe(decode(data).floor());
        } catch (IllegalStateException e) {
            // a floor that does not parse is never taken as "no floor"; followers stop on it
        }
    }

    /**
     * The floor from the result of a {@code getData} of the floor node: {@link Positions#NONE} for
     * "no node". Throws for any other failure and for data that does not parse: a follower must
     * then not decide anything from it.
     */
    long fromResult(int rc, byte[] data) {
        if (rc == Code.NONODE.intValue()) {
            return Positions.NONE;
        }
        if (rc != Code.OK.intValue()) {
            throw new IllegalStateException("reading the floor failed: " + Code.get(rc));
        }
        long floor = decode(data).floor();
        observe(floor);
        return floor;
    }

    /**
     * The floor as of now: a {@code sync} pipelined with the read on one connection (plain handle,
     * no retries), so the answer comes from a server that has applied every floor write committed
     * before the call. Blocks up to the connection timeout.
     */
    long readSynced() throws Exception {
        ZooKeeper zk = owner.client.getZookeeperClient().getZooKeeper();
        AtomicBoolean synced = new AtomicBoolean();
        CompletableFuture<Long> result = new CompletableFuture<>();
        zk.sync(owner.layout.floorPath(), (rc, path, ctx) -> synced.set(rc == Code.OK.intValue()), null);
        zk.getData(
                owner.layout.floorPath(),
                false,
                (rc, path, ctx, data, stat) -> {
                    try {
                        if (!synced.get()) {
                            throw new IllegalStateException("sync before reading the floor failed");
                        }
                        result.complete(fromResult(rc, data));
                    } catch (RuntimeException e) {
                        result.completeExceptionally(e);
                    }
                },
                null);
        return result.get(owner.config.connectionTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The node as it is now; blocking. */
    State read() throws Exception {
        Stat stat = new Stat();
        try {
            byte[] data = owner.client.getData().storingStatIn(stat).forPath(owner.layout.floorPath());
            Data d = decode(data);
            observe(d.floor());
            return new State(d.floor(), d.deletedBelow(), stat.getVersion());
        } catch (KeeperException.NoNodeException e) {
            return State.NONE;
        }
    }

    /**
     * Writes {@code floor} and {@code deletedBelow} if the node is still at {@code old}'s version
     * (creates it if {@code old} says it does not exist). Returns the new state, or {@code null} if
     * another writer came first (the caller reads again next round). Never lowers either value.
     */
    State raise(State old, long floor, long deletedBelow) throws Exception {
        if (floor < old.floor() || deletedBelow < old.deletedBelow()) {
            throw new IllegalArgumentException("the floor only rises: " + Positions.format(old.floor()) + " then "
                    + Positions.format(floor) + ", deleted below " + Positions.format(old.deletedBelow()) + " then "
                    + Positions.format(deletedBelow));
        }
        byte[] data = encode(floor, deletedBelow);
        try {
            if (old.version() < 0) {
                owner.client.create().withMode(CreateMode.PERSISTENT).forPath(owner.layout.floorPath(), data);
                observe(floor);
                return new State(floor, deletedBelow, 0);
            }
            Stat stat = owner.client.setData().withVersion(old.version()).forPath(owner.layout.floorPath(), data);
            observe(floor);
            return new State(floor, deletedBelow, stat.getVersion());
        } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException e) {
            return null;
        }
    }

    static byte[] encode(long floor, long deletedBelow) {
        return ReplicaRegistry.JSON.writeValueAsBytes(new Data(floor, deletedBelow));
    }

    static Data decode(byte[] data) {
        try {
            Data d = ReplicaRegistry.JSON.readValue(data, Data.class);
            if (d.floor() < Positions.NONE || d.deletedBelow() < Positions.NONE) {
                throw new IllegalStateException("floor node holds a negative position: " + d);
            }
            return d;
        } catch (JacksonException e) {
            throw new IllegalStateException("floor node does not parse: " + e.getOriginalMessage(), e);
        }
    }
}
