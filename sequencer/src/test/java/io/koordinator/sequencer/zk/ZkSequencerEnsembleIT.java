package io.koordinator.sequencer.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.Follower;
import io.koordinator.sequencer.LogCheckpoint;
import io.koordinator.sequencer.LogListener;
import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.ReplicaInfo;
import io.koordinator.sequencer.RequestId;
import io.koordinator.sequencer.SequencerConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingCluster;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.client.FourLetterWordMain;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three appending replicas and three followers, each with its own session, on a real 3-server
 * ensemble, through compaction, a forced disconnect, session expiries and the loss of the leader.
 */
class ZkSequencerEnsembleIT {
    private static final Logger log = LoggerFactory.getLogger(ZkSequencerEnsembleIT.class);
    private static final Duration DEADLINE = Duration.ofSeconds(90);

    private static TestingCluster cluster;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void startEnsemble() throws Exception {
        System.setProperty("zookeeper.4lw.commands.whitelist", "srvr");
        cluster = new TestingCluster(3);
        cluster.start();
    }

    @AfterAll
    static void stopEnsemble() throws Exception {
        cluster.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        toClose.clear();
    }

    /** A replica: its own client (so the test can reach its session) and sequencer. */
    private record Node(String id, CuratorFramework client, ZkSequencer sequencer) {}

    private CuratorFramework client() {
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(cluster.getConnectString())
                .sessionTimeoutMs(8_000)
                .connectionTimeoutMs(3_000)
                .retryPolicy(new BoundedExponentialBackoffRetry(100, 1_000, 3))
                .build();
        client.start();
        toClose.add(client);
        return client;
    }

    private Node node(String group, String id) throws Exception {
        CuratorFramework client = client();
        SequencerConfig config = SequencerConfig.defaults(cluster.getConnectString(), group, id)
                .withRoot("/it")
                .withTimeouts(Duration.ofSeconds(8), Duration.ofSeconds(3));
        ZkSequencer sequencer = new ZkSequencer(config, client);
        sequencer.start();
        toClose.add(sequencer);
        await().atMost(DEADLINE).until(sequencer::isConnected);
        return new Node(id, client, sequencer);
    }

    private static final class Recorder implements LogListener {
        record Seen(long position, RequestId requestId, boolean duplicate) {}

        private final List<Seen> seen = new ArrayList<>();

        @Override
        public synchronized void onCommand(long position, Command command) {
            seen.add(new Seen(position, command.requestId(), false));
        }

        @Override
        public synchronized void onDuplicate(long position, Command command, long originalPosition) {
            seen.add(new Seen(position, command.requestId(), true));
        }

        synchronized List<Seen> snapshot() {
            return List.copyOf(seen);
        }

        synchronized boolean containsAll(Set<RequestId> ids) {
            Set<RequestId> present = new HashSet<>();
            seen.forEach(s -> present.add(s.requestId()));
            return present.containsAll(ids);
        }
    }

    /**
     * Appends {@code count} commands keeping at most {@code outstanding} unanswered, each taking a
     * permit of {@code budget} first (the test's throttle, so faults land at known points of the
     * load); bounded in count and time.
     */
    private static CompletableFuture<Void> load(
            Node node,
            int count,
            int outstanding,
            Semaphore budget,
            Map<RequestId, Long> acked,
            Set<RequestId> failed) {
        return CompletableFuture.runAsync(() -> {
            Semaphore window = new Semaphore(outstanding);
            try {
                for (int i = 0; i < count; i++) {
                    if (!budget.tryAcquire(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                        throw new IllegalStateException(node.id() + ": the test released no more appends");
                    }
                    if (!node.sequencer().isConnected()) {
                        await().atMost(DEADLINE).until(node.sequencer()::isConnected);
                    }
                    if (!window.tryAcquire(60, TimeUnit.SECONDS)) {
                        throw new IllegalStateException(node.id() + ": appends stopped completing");
                    }
                    RequestId id = new RequestId(node.id(), i);
                    Command c = new Command(
                            id, System.currentTimeMillis(), null, ("cmd " + id).getBytes(StandardCharsets.UTF_8));
                    node.sequencer().append(c).whenComplete((position, error) -> {
                        if (error == null) {
                            acked.put(id, position);
                        } else {
                            failed.add(id);
                        }
                        window.release();
                    });
                }
                if (!window.tryAcquire(outstanding, 90, TimeUnit.SECONDS)) {
                    throw new IllegalStateException(node.id() + ": appends did not complete");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
    }

    private static InstanceSpec leader() throws Exception {
        for (InstanceSpec spec : cluster.getInstances()) {
            try {
                String srvr = FourLetterWordMain.send4LetterWord("127.0.0.1", spec.getPort(), "srvr");
                if (srvr.contains("Mode: leader")) {
                    return spec;
                }
            } catch (Exception e) {
                // down or not answering: not the leader
            }
        }
        return null;
    }

    @Test
    void everyFollowerSeesTheSameLogThroughCompactionDisconnectExpiryAndLeaderLoss() throws Exception {
        // given three appenders and three followers, each in its own session
        String group = "ensemble";
        List<Node> appenders = List.of(node(group, "a0"), node(group, "a1"), node(group, "a2"));
        List<Node> readers = List.of(node(group, "f0"), node(group, "f1"), node(group, "f2"));
        List<Recorder> recorders = new ArrayList<>();
        List<Follower> followers = new ArrayList<>();
        for (Node reader : readers) {
            Recorder recorder = new Recorder();
            Follower follower = reader.sequencer().follow(LogCheckpoint.START, recorder);
            toClose.add(follower);
            recorders.add(recorder);
            followers.add(follower);
            reader.sequencer()
                    .registerReplica(
                            ReplicaInfo.basic(reader.id(), reader.id() + ":16000", Positions.NONE, true),
                            () -> ReplicaInfo.basic(
                                    reader.id(), reader.id() + ":16000", follower.appliedPosition(), true));
        }
        ZkLayout layout = new ZkLayout(appenders.get(0).sequencer().config);

        // and a compactor deleting entries every follower has applied, while they read
        CuratorFramework compactorClient = client();
        AtomicLong compactedBelow = new AtomicLong();
        ScheduledExecutorService compactor = Executors.newSingleThreadScheduledExecutor();
        toClose.add(compactor::shutdownNow);
        compactor.scheduleWithFixedDelay(
                () -> compact(compactorClient, layout, followers, compactedBelow), 100, 100, TimeUnit.MILLISECONDS);

        // when each appender appends 1,500 commands while the faults below happen; the loads may
        // run a tenth of the total ahead of each fault's point, so the fault meets appends in
        // flight yet enough of the load is left for after it, however the threads are scheduled
        int perAppender = 1_500;
        int total = 3 * perAppender;
        int headroom = total / 10;
        Semaphore budget = new Semaphore(total / 5 + headroom);
        Map<RequestId, Long> acked = new ConcurrentHashMap<>();
        Set<RequestId> failed = ConcurrentHashMap.newKeySet();
        long started = System.nanoTime();
        List<CompletableFuture<Void>> loads = new ArrayList<>();
        appenders.forEach(a -> loads.add(load(a, perAppender, 32, budget, acked, failed)));

        // (b) a forced disconnect: the server f0 is connected to dies, later comes back
        await().atMost(DEADLINE).until(() -> acked.size() + failed.size() >= total / 5);
        InstanceSpec f0Server = cluster.findConnectionInstance(
                readers.get(0).client().getZookeeperClient().getZooKeeper());
        log.info("killing {}, the server f0 is connected to", f0Server);
        cluster.killServer(f0Server);
        await().atMost(DEADLINE).until(() -> readers.get(0).sequencer().stats().reconnects() >= 1);
        cluster.restartServer(f0Server);
        budget.release(total / 5);

        // (c) session expiry of an appender and a follower
        await().atMost(DEADLINE).until(() -> acked.size() + failed.size() >= 2 * total / 5);
        log.info("expiring the sessions of a1 and f1");
        KillSession.kill(appenders.get(1).client().getZookeeperClient().getZooKeeper());
        KillSession.kill(readers.get(1).client().getZookeeperClient().getZooKeeper());
        await().atMost(DEADLINE)
                .until(() -> appenders.get(1).sequencer().stats().sessionExpiries() >= 1
                        && readers.get(1).sequencer().stats().sessionExpiries() >= 1);
        budget.release(total / 5);

        // (d) the leader dies mid-run, and comes back later
        await().atMost(DEADLINE).until(() -> acked.size() + failed.size() >= 3 * total / 5);
        InstanceSpec leader = leader();
        assertThat(leader).as("the ensemble's leader").isNotNull();
        log.info("killing the leader {}; {} acknowledged, {} failed", leader, acked.size(), failed.size());
        cluster.killServer(leader);
        int beforeLeaderLoss = acked.size();
        log.info("leader killed; {} acknowledged, {} failed", acked.size(), failed.size());
        // the last two fifths are appended after the leader's loss: appends must resume
        budget.release(total - (3 * total / 5 + headroom));
        await().atMost(DEADLINE).until(() -> acked.size() >= beforeLeaderLoss + total / 10);
        cluster.restartServer(leader);

        CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new)).get(180, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - started) / 1e9;
        long entries = appenders.stream()
                .mapToLong(a -> a.sequencer().stats().entriesAppended())
                .sum();
        log.info(
                "faults run: {} acknowledged, {} failed, {} entries in {} s ({} commands/s, {} entries/s)",
                acked.size(),
                failed.size(),
                entries,
                String.format("%.1f", seconds),
                Math.round(acked.size() / seconds),
                Math.round(entries / seconds));

        // then every follower sees every acknowledged command
        assertThat(acked.size() + failed.size()).isEqualTo(total);
        assertThat(acked.size()).isGreaterThan(total / 2);
        await().atMost(DEADLINE).untilAsserted(() -> {
            for (Recorder r : recorders) {
                assertThat(r.containsAll(acked.keySet())).isTrue();
            }
            assertThat(recorders.get(1).snapshot()).isEqualTo(recorders.get(0).snapshot());
            assertThat(recorders.get(2).snapshot()).isEqualTo(recorders.get(0).snapshot());
        });
        List<Recorder.Seen> seen = recorders.get(0).snapshot();

        // and the one sequence has strictly increasing positions, applies no command twice,
        // and holds each acknowledged command once, where it was acknowledged
        long previous = Positions.NONE;
        Map<RequestId, Long> applied = new HashMap<>();
        Map<RequestId, Set<Long>> everywhere = new HashMap<>();
        for (Recorder.Seen s : seen) {
            assertThat(s.position()).isGreaterThan(previous);
            previous = s.position();
            everywhere.computeIfAbsent(s.requestId(), k -> new HashSet<>()).add(s.position());
            if (!s.duplicate()) {
                assertThat(applied.put(s.requestId(), s.position()))
                        .as("%s applied twice", s.requestId())
                        .isNull();
            }
        }
        acked.forEach((id, position) -> {
            assertThat(applied).containsKey(id);
            assertThat(everywhere.get(id)).contains(position);
        });
        assertThat(compactedBelow.get()).as("entries compacted").isGreaterThan(0);
        for (Node reader : readers) {
            assertThat(reader.sequencer().gapsSkipped())
                    .as("gaps seen by %s", reader.id())
                    .isZero();
        }
        followers.forEach(f -> assertThat(f.failure()).isEmpty());

        // and every follower is registered by its current session, f1 again after its expiry
        await().atMost(DEADLINE)
                .ignoreException(KeeperException.NoNodeException.class)
                .untilAsserted(() -> {
                    for (Node reader : readers) {
                        Stat stat = new Stat();
                        String data = new String(
                                compactorClient.getData().storingStatIn(stat).forPath(layout.replicaPath(reader.id())),
                                StandardCharsets.UTF_8);
                        assertThat(data)
                                .contains("\"replicaId\":\"" + reader.id() + "\"")
                                .doesNotContain("\"appliedPosition\":-1");
                        assertThat(stat.getEphemeralOwner())
                                .isEqualTo(reader.client()
                                        .getZookeeperClient()
                                        .getZooKeeper()
                                        .getSessionId());
                    }
                });
        appenders.forEach(a -> log.info("stats {} {}", a.id(), a.sequencer().stats()));
        readers.forEach(r -> log.info("stats {} {}", r.id(), r.sequencer().stats()));
    }

    /** Deletes, in order, entries below what every follower has applied (minus a margin of 10). */
    private static void compact(
            CuratorFramework client, ZkLayout layout, List<Follower> followers, AtomicLong compactedBelow) {
        long minApplied =
                followers.stream().mapToLong(Follower::appliedPosition).min().orElse(Positions.NONE);
        if (minApplied == Positions.NONE) {
            return;
        }
        long below = Positions.sequence(minApplied) - 10;
        try {
            for (long s = compactedBelow.get(); s < below; s++) {
                try {
                    client.delete().forPath(layout.entryPath(0, s));
                } catch (KeeperException.NoNodeException e) {
                    // deleted already
                }
                compactedBelow.set(s + 1);
            }
        } catch (Exception e) {
            // ZooKeeper unreachable now: the next round carries on
        }
    }

    @Test
    void throughputWithoutFaults() throws Exception {
        // given three appenders and one follower
        String group = "throughput";
        List<Node> appenders = List.of(node(group, "a0"), node(group, "a1"), node(group, "a2"));
        Node reader = node(group, "f0");
        AtomicInteger delivered = new AtomicInteger();
        toClose.add(reader.sequencer().follow(LogCheckpoint.START, (position, command) -> delivered.incrementAndGet()));

        // when they append 3 x 3,000 commands, 64 outstanding each
        Map<RequestId, Long> acked = new ConcurrentHashMap<>();
        Set<RequestId> failed = ConcurrentHashMap.newKeySet();
        long started = System.nanoTime();
        List<CompletableFuture<Void>> loads = new ArrayList<>();
        Semaphore unlimited = new Semaphore(9_000);
        appenders.forEach(a -> loads.add(load(a, 3_000, 64, unlimited, acked, failed)));
        CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new)).get(180, TimeUnit.SECONDS);
        await().atMost(DEADLINE).until(() -> delivered.get() == 9_000);
        double seconds = (System.nanoTime() - started) / 1e9;

        // then all arrive, and the numbers are logged
        assertThat(acked).hasSize(9_000);
        assertThat(failed).isEmpty();
        long entries = appenders.stream()
                .mapToLong(a -> a.sequencer().stats().entriesAppended())
                .sum();
        log.info(
                "throughput: 9000 commands in {} entries, appended and followed in {} s: {} commands/s, {} entries/s",
                entries,
                String.format("%.2f", seconds),
                Math.round(9_000 / seconds),
                Math.round(entries / seconds));

        // and a follower that starts late catches up, reading the whole log
        AtomicInteger caughtUp = new AtomicInteger();
        long lateStart = System.nanoTime();
        toClose.add(reader.sequencer().follow(LogCheckpoint.START, (position, command) -> caughtUp.incrementAndGet()));
        await().atMost(DEADLINE).until(() -> caughtUp.get() == 9_000);
        double lateSeconds = (System.nanoTime() - lateStart) / 1e9;
        log.info(
                "catch-up: {} entries ({} commands) read in {} s: {} entries/s",
                entries,
                9_000,
                String.format("%.2f", lateSeconds),
                Math.round(entries / lateSeconds));
    }
}
