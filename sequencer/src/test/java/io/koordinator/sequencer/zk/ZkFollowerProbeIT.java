package io.koordinator.sequencer.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.Follower;
import io.koordinator.sequencer.LogCheckpoint;
import io.koordinator.sequencer.LogListener;
import io.koordinator.sequencer.RequestId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.Watcher.WatcherType;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Followers learn of new entries from the persistent watch, never from the fallback stall probe,
 * on the happy path: the probe waits at least half a second, so each entry it finds is a stall.
 * Counted by {@code entriesFoundByProbe}, which must be able to count (the second test). A probe
 * that meets a lost session does not stop its follower (the third).
 */
class ZkFollowerProbeIT {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final int REPLICAS = 3;
    private static final int APPENDS = 150;
    private static final AtomicInteger GROUPS = new AtomicInteger();
    private static TestingServer server;

    private final List<ZkSequencer> sequencers = new ArrayList<>();
    private final List<Follower> followers = new ArrayList<>();
    private final List<CuratorFramework> clients = new ArrayList<>();

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestingServer(true);
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @AfterEach
    void stop() {
        followers.forEach(Follower::close);
        sequencers.forEach(ZkSequencer::close);
        clients.forEach(CuratorFramework::close);
    }

    /** Delivered positions, for the test thread to wait on. */
    private record Delivered(BlockingQueue<Long> positions) implements LogListener {
        Delivered() {
            this(new LinkedBlockingQueue<>());
        }

        @Override
        public void onCommand(long position, Command command) {
            positions.add(position);
        }

        void awaitPosition(long expected) throws InterruptedException {
            Long got = positions.poll(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(got).as("delivered within %s", DEADLINE).isEqualTo(expected);
        }
    }

    private List<Delivered> startReplicas(String group) throws Exception {
        List<Delivered> delivered = new ArrayList<>();
        for (int r = 0; r < REPLICAS; r++) {
            ZkSequencer s = new ZkSequencer(ZkSequencerIT.config(server.getConnectString(), group, "r" + r));
            sequencers.add(s);
            s.start();
            Delivered d = new Delivered();
            delivered.add(d);
            Follower f = s.follow(LogCheckpoint.START, d);
            followers.add(f);
        }
        for (Follower f : followers) {
            await().atMost(DEADLINE).until(f::reachedTail);
        }
        return delivered;
    }

    private static Command command(String origin, long counter) {
        return new Command(
                new RequestId(origin, counter), System.currentTimeMillis(), null, new byte[] {(byte) counter});
    }

    private long probeFound() {
        return sequencers.stream()
                .mapToLong(s -> s.stats().entriesFoundByProbe())
                .sum();
    }

    @Test
    void sequentialAppendsOnThreeReplicasNeverWaitForTheProbe() throws Exception {
        // Given three replicas of one group, each following the (empty) log from its start
        List<Delivered> delivered = startReplicas("probe-" + GROUPS.incrementAndGet());

        // When each replica in turn appends one command and waits until every replica delivered it
        // (one entry at a time: each follower is idle at the tail when the next entry appears)
        for (int i = 0; i < APPENDS; i++) {
            ZkSequencer origin = sequencers.get(i % REPLICAS);
            long position = origin.append(command(origin.config.replicaId(), i)).get(30, TimeUnit.SECONDS);
            for (Delivered d : delivered) {
                d.awaitPosition(position);
            }
        }

        // Then the watch announced every entry: none was found by the fallback probe
        assertThat(probeFound()).isZero();
        assertThat(sequencers.get(0).stats().entriesAppended()).isEqualTo(APPENDS / REPLICAS);

        // And the origins delivered their own entries from their appends' answers, not read back
        // (at most once each; a read that answered first is kept)
        for (ZkSequencer s : sequencers) {
            assertThat(s.stats().ownEntriesFromAppend())
                    .isPositive()
                    .isLessThanOrEqualTo(s.stats().entriesAppended());
        }
    }

    @Test
    void anEntryNoWatchAnnouncedIsFoundByTheProbeAndCounted() throws Exception {
        // Given three replicas, and replica 0's persistent watch removed behind Curator's back
        List<Delivered> delivered = startReplicas("probe-" + GROUPS.incrementAndGet());
        ZkSequencer blind = sequencers.get(0);
        blind.client
                .getZookeeperClient()
                .getZooKeeper()
                .removeAllWatches(blind.layout.logPath(), WatcherType.Any, false);

        // When replica 1 appends an entry
        long position = sequencers.get(1).append(command("r1", 1)).get(30, TimeUnit.SECONDS);

        // Then replica 0 still delivers it, found by the probe, and counts it
        delivered.get(0).awaitPosition(position);
        assertThat(blind.stats().entriesFoundByProbe()).isEqualTo(1);
        assertThat(sequencers.get(1).stats().entriesFoundByProbe()).isZero();
    }

    @Test
    void aProbeWhoseSessionFailsUnderItRunsAgainAndTheFollowerGoesOn() throws Exception {
        // Given a replica whose ZooKeeper handle answers the follower's listings of the log with
        // "session expired" while the switch is on, as a handle does when its process was paused
        // past the session timeout and Curator has not replaced it yet
        String group = "probe-" + GROUPS.incrementAndGet();
        AtomicBoolean expired = new AtomicBoolean();
        AtomicInteger refused = new AtomicInteger();
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(server.getConnectString())
                .sessionTimeoutMs(10_000)
                .retryPolicy(new BoundedExponentialBackoffRetry(10, 20, 3))
                .zookeeperFactory((connect, timeout, watcher, readOnly) ->
                        new ExpiringListings(connect, timeout, watcher, readOnly, expired, refused))
                .build();
        clients.add(client);
        client.start();
        ZkSequencer flaky = new ZkSequencer(ZkSequencerIT.config(server.getConnectString(), group, "r0"), client);
        sequencers.add(flaky);
        flaky.start();
        Delivered delivered = new Delivered();
        Follower follower = flaky.follow(LogCheckpoint.START, delivered);
        followers.add(follower);
        await().atMost(DEADLINE).until(follower::reachedTail);

        // When the idle follower's stall probe lists the log while the handle refuses, at least once
        expired.set(true);
        await().atMost(DEADLINE).until(() -> flaky.stats().probesFailed() > 0);
        expired.set(false);

        // Then the follower is still running, and delivers the next entry
        assertThat(follower.failure()).isEmpty();
        ZkSequencer other = new ZkSequencer(ZkSequencerIT.config(server.getConnectString(), group, "r1"));
        sequencers.add(other);
        other.start();
        long position = other.append(command("r1", 1)).get(30, TimeUnit.SECONDS);
        delivered.awaitPosition(position);
        assertThat(follower.failure()).isEmpty();
        assertThat(refused.get()).isGreaterThan(0);
    }

    /**
     * A real handle whose synchronous child listings (Curator's foreground {@code getChildren}) on a
     * follower thread fail while {@code expired}.
     */
    private static final class ExpiringListings extends ZooKeeper {
        private final AtomicBoolean expired;
        private final AtomicInteger refused;

        ExpiringListings(
                String connect,
                int timeout,
                Watcher watcher,
                boolean readOnly,
                AtomicBoolean expired,
                AtomicInteger refused)
                throws java.io.IOException {
            super(connect, timeout, watcher, readOnly);
            this.expired = expired;
            this.refused = refused;
        }

        @Override
        public List<String> getChildren(String path, Watcher watcher, Stat stat)
                throws KeeperException, InterruptedException {
            refuseOnFollower(path);
            return super.getChildren(path, watcher, stat);
        }

        @Override
        public List<String> getChildren(String path, boolean watch, Stat stat)
                throws KeeperException, InterruptedException {
            refuseOnFollower(path);
            return super.getChildren(path, watch, stat);
        }

        private void refuseOnFollower(String path) throws KeeperException {
            if (expired.get() && Thread.currentThread().getName().startsWith("follower-")) {
                refused.incrementAndGet();
                throw KeeperException.create(KeeperException.Code.SESSIONEXPIRED, path);
            }
        }
    }
}
