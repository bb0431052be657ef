package io.koordinator.sequencer.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.Follower;
import io.koordinator.sequencer.LogCheckpoint;
import io.koordinator.sequencer.LogListener;
import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.RequestId;
import io.koordinator.sequencer.SequencerConfig;
import io.koordinator.sequencer.codec.EntryCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Segment rollover with a tiny threshold and concurrent appenders. */
class ZkRolloverIT {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final int ROLLOVER = 20;

    private TestingServer server;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void startServer() throws Exception {
        server = new TestingServer(true);
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        server.close();
    }

    private ZkSequencer sequencer(String replicaId) throws Exception {
        SequencerConfig config = ZkSequencerIT.config(server.getConnectString(), "rollover", replicaId)
                .withSegmentRollover(ROLLOVER)
                .withBatching(4, 64 * 1024, 8, Duration.ZERO);
        ZkSequencer s = new ZkSequencer(config);
        s.start();
        toClose.add(s);
        return s;
    }

    /** Records (position, request id) in order. */
    private static final class Recorder implements LogListener {
        final List<Map.Entry<Long, RequestId>> seen = new ArrayList<>();

        @Override
        public synchronized void onCommand(long position, Command command) {
            seen.add(Map.entry(position, command.requestId()));
        }

        @Override
        public synchronized void onDuplicate(long position, Command command, long originalPosition) {
            throw new AssertionError("no duplicates expected, got " + command.requestId());
        }

        synchronized List<Map.Entry<Long, RequestId>> snapshot() {
            return List.copyOf(seen);
        }
    }

    @Test
    void concurrentAppendersRollOverAndEveryFollowerAgrees() throws Exception {
        // given three appending replicas (each batching at most 8 commands per entry) and a follower
        List<ZkSequencer> appenders = List.of(sequencer("a0"), sequencer("a1"), sequencer("a2"));
        ZkSequencer reader = sequencer("f0");
        Recorder live = new Recorder();
        Follower liveFollower = reader.follow(LogCheckpoint.START, live);
        toClose.add(liveFollower);

        // when they append 3 x 400 commands concurrently (at least 150 entries: several segments)
        Map<RequestId, Long> acked = new ConcurrentHashMap<>();
        List<CompletableFuture<Void>> writers = new ArrayList<>();
        for (ZkSequencer s : appenders) {
            for (int t = 0; t < 2; t++) {
                String origin = s.config.replicaId();
                long base = t * 10_000L;
                writers.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < 200; i++) {
                        RequestId id = new RequestId(origin, base + i);
                        s.append(new Command(id, System.currentTimeMillis(), null, new byte[16]))
                                .thenAccept(p -> acked.put(id, p));
                    }
                }));
            }
        }
        CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        await().atMost(DEADLINE).until(() -> acked.size() == 1_200);

        // then the log spans many segments, and a live and a late follower agree on it
        long lastPosition =
                acked.values().stream().mapToLong(Long::longValue).max().orElseThrow();
        assertThat(Positions.segment(lastPosition)).isGreaterThanOrEqualTo(3);
        Recorder late = new Recorder();
        toClose.add(reader.follow(LogCheckpoint.START, late));
        await().atMost(DEADLINE)
                .until(() -> live.snapshot().size() == 1_200 && late.snapshot().size() == 1_200);
        assertThat(late.snapshot()).isEqualTo(live.snapshot());
        assertThat(liveFollower.failure()).isEmpty();

        // and every acknowledged command is delivered once, at its acknowledged position
        Map<RequestId, Long> delivered = new HashMap<>();
        live.snapshot()
                .forEach(
                        e -> assertThat(delivered.put(e.getValue(), e.getKey())).isNull());
        assertThat(delivered).isEqualTo(acked);

        // and no delivered entry lies at or after its segment's first seal
        try (CuratorFramework raw =
                CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100))) {
            raw.start();
            ZkLayout layout = new ZkLayout(reader.config);
            Map<Integer, Long> firstSeal = new HashMap<>();
            for (Map.Entry<Long, RequestId> e : live.snapshot()) {
                int segment = Positions.segment(e.getKey());
                long seal = firstSeal.computeIfAbsent(segment, g -> firstSealOf(raw, layout, g));
                assertThat(Positions.sequence(e.getKey())).isLessThan(seal);
            }
        }
    }

    @Test
    void readBarriersAcrossRolloverCoverEveryAckAndPointAtDeliveredCommands() throws Exception {
        // given three replicas appending one command at a time across several segments
        List<ZkSequencer> appenders = List.of(sequencer("a0"), sequencer("a1"), sequencer("a2"));
        ZkSequencer reader = sequencer("f0");
        Recorder live = new Recorder();
        toClose.add(reader.follow(LogCheckpoint.START, live));
        List<Long> barriers = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> stale = java.util.Collections.synchronizedList(new ArrayList<>());

        // when, after each acknowledgement, the reader takes a barrier
        List<CompletableFuture<Void>> writers = new ArrayList<>();
        for (ZkSequencer s : appenders) {
            writers.add(CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < 40; i++) {
                        RequestId id = new RequestId(s.config.replicaId(), i);
                        long acked = s.append(new Command(id, System.currentTimeMillis(), null, new byte[8]))
                                .get(30, TimeUnit.SECONDS);
                        long barrier = reader.readBarrier().get(30, TimeUnit.SECONDS);
                        barriers.add(barrier);
                        if (barrier < acked) {
                            stale.add(Positions.format(barrier) + " < ack " + Positions.format(acked));
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);

        // then no barrier lay below a command acknowledged before it was asked for
        assertThat(stale).isEmpty();
        await().atMost(DEADLINE).until(() -> live.snapshot().size() == 120);
        long last = live.snapshot().get(119).getKey();
        assertThat(Positions.segment(last)).isGreaterThanOrEqualTo(3);
        // and every barrier is a delivered command's position (never a seal or an ignored entry)
        List<Long> delivered = live.snapshot().stream().map(Map.Entry::getKey).toList();
        assertThat(delivered).containsAll(barriers);
        assertThat(reader.readBarrier().get(30, TimeUnit.SECONDS)).isEqualTo(last);
    }

    private static long firstSealOf(CuratorFramework raw, ZkLayout layout, int segment) {
        try {
            for (long s = 0; ; s++) {
                if (raw.checkExists().forPath(layout.entryPath(segment, s)) == null) {
                    return Long.MAX_VALUE; // the last segment: not sealed
                }
                if (EntryCodec.decode(raw.getData().forPath(layout.entryPath(segment, s)))
                        .seal()) {
                    return s;
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
