package io.koordinator.sequencer.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.sequencer.AppendOutcomeUnknownException;
import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.Follower;
import io.koordinator.sequencer.LogCheckpoint;
import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.RequestId;
import io.koordinator.sequencer.Sequencer;
import io.koordinator.sequencer.SequencerConfig;
import io.koordinator.sequencer.SequencerContract;
import io.koordinator.sequencer.SequencerUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ZkSequencerIT extends SequencerContract {
    private static TestingServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestingServer(true);
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    static SequencerConfig config(String connectString, String group, String replicaId) {
        return SequencerConfig.defaults(connectString, group, replicaId)
                .withRoot("/it")
                .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(3));
    }

    @Override
    protected Sequencer newSequencer(String group, String replicaId) throws Exception {
        ZkSequencer s = new ZkSequencer(config(server.getConnectString(), group, replicaId));
        s.start();
        return s;
    }

    @Override
    protected void breakConnection() throws Exception {
        server.stop();
    }

    @Override
    protected void restoreConnection() throws Exception {
        server.restart();
    }

    @Override
    protected void compact(Sequencer sequencer, long floor) throws Exception {
        ((ZkSequencer) sequencer).compactor().compactTo(floor);
    }

    @Test
    void appendsCaughtByAnOutageCompleteWithinABoundedTime() throws Exception {
        // given a sequencer with short timeouts (entries unconfirmed after 4 + 2 s fail)
        String group = "outage-" + System.nanoTime();
        ZkSequencer s = new ZkSequencer(config(server.getConnectString(), group, "r0")
                .withTimeouts(Duration.ofSeconds(4), Duration.ofSeconds(2))
                .withBatching(4, 4096, 16, Duration.ZERO));
        s.start();
        List<CompletableFuture<Long>> acks = new ArrayList<>();
        List<RequestId> ids = new ArrayList<>();

        // when ZooKeeper goes away with 2,000 appends pending or in flight
        for (int i = 0; i < 2_000; i++) {
            ids.add(new RequestId("r0", i));
            acks.add(s.append(new Command(ids.get(i), System.currentTimeMillis(), null, new byte[32])));
        }
        server.stop();
        Map<RequestId, Long> acked = new HashMap<>();
        List<RequestId> notWritten = new ArrayList<>();
        List<RequestId> unknown = new ArrayList<>();
        try {
            // then every append completes: acknowledged, failed as not written (never sent), or
            // failed as unknown (its create was in flight when the connection went)
            await().atMost(Duration.ofSeconds(60)).until(() -> acks.stream().allMatch(CompletableFuture::isDone));
            for (int i = 0; i < acks.size(); i++) {
                try {
                    acked.put(ids.get(i), acks.get(i).join());
                } catch (CompletionException e) {
                    assertThat(e.getCause())
                            .isInstanceOfAny(SequencerUnavailableException.class, AppendOutcomeUnknownException.class);
                    (e.getCause() instanceof AppendOutcomeUnknownException ? unknown : notWritten).add(ids.get(i));
                }
            }
            assertThat(acked.size()).isLessThan(2_000);
            assertThat(unknown).as("creates in flight when the server went").isNotEmpty();
            assertThat(notWritten).as("commands never sent").isNotEmpty();
        } finally {
            server.restart();
            s.close();
        }

        // and once ZooKeeper is back, the log holds every acknowledged command, applied once
        ZkSequencer reader = new ZkSequencer(config(server.getConnectString(), group, "r1"));
        reader.start();
        Map<RequestId, Long> applied = new ConcurrentHashMap<>();
        AtomicInteger twice = new AtomicInteger();
        try (Follower f = reader.follow(LogCheckpoint.START, (position, command) -> {
            if (applied.put(command.requestId(), position) != null) {
                twice.incrementAndGet();
            }
        })) {
            await().atMost(Duration.ofSeconds(60)).until(() -> applied.keySet().containsAll(acked.keySet()));
            assertThat(twice.get()).isZero();
            // "not written" is the truth: none of those is in the log (the ack'd ones came last)
            long logEnd =
                    acked.values().stream().mapToLong(Long::longValue).max().orElse(Positions.NONE);
            await().atMost(Duration.ofSeconds(60)).until(() -> f.appliedPosition() >= logEnd && f.lagEntries() == 0);
            assertThat(applied.keySet()).doesNotContainAnyElementsOf(notWritten);
            acked.forEach((id, position) -> assertThat(applied.get(id)).isEqualTo(position));
            assertThat(f.failure()).isEmpty();
        } finally {
            reader.close();
        }
    }

    @Test
    void closeWithCreatesInFlightTellsUnknownFromNotWritten() throws Exception {
        // given a sequencer with 1,000 appends pending or in flight, one command per entry
        String group = "close-" + System.nanoTime();
        ZkSequencer s =
                new ZkSequencer(config(server.getConnectString(), group, "r0").withBatching(4, 4096, 1, Duration.ZERO));
        s.start();
        List<CompletableFuture<Long>> acks = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            acks.add(s.append(new Command(new RequestId("r0", i), System.currentTimeMillis(), null, new byte[8])));
        }

        // when it is closed at once
        s.close();

        // then every append has completed: written, unknown (a create was sent), or not written
        List<RequestId> notWritten = new ArrayList<>();
        int unknown = 0;
        Map<RequestId, Long> acked = new HashMap<>();
        for (int i = 0; i < acks.size(); i++) {
            assertThat(acks.get(i)).isDone();
            try {
                acked.put(new RequestId("r0", i), acks.get(i).join());
            } catch (CompletionException e) {
                if (e.getCause() instanceof AppendOutcomeUnknownException) {
                    unknown++;
                } else {
                    assertThat(e.getCause()).isInstanceOf(SequencerUnavailableException.class);
                    notWritten.add(new RequestId("r0", i));
                }
            }
        }
        assertThat(notWritten).as("commands never sent").isNotEmpty();
        assertThat(unknown + acked.size()).as("commands whose create was sent").isGreaterThan(0);

        // and no command reported as not written is in the log
        ZkSequencer reader = new ZkSequencer(config(server.getConnectString(), group, "r1"));
        reader.start();
        Map<RequestId, Long> applied = new ConcurrentHashMap<>();
        try (Follower f =
                reader.follow(LogCheckpoint.START, (position, command) -> applied.put(command.requestId(), position))) {
            int created = reader.client
                    .checkExists()
                    .forPath(reader.layout.segmentPath(0))
                    .getCversion();
            assertThat(created).isPositive();
            await().atMost(Duration.ofSeconds(60)).until(() -> f.appliedPosition() >= Positions.entry(0, created - 1L));
            assertThat(applied.keySet()).doesNotContainAnyElementsOf(notWritten);
            acked.forEach((id, position) -> assertThat(applied).containsEntry(id, position));
        } finally {
            reader.close();
        }
    }

    @Test
    void maxBatchDelayGathersCommandsIntoOneEntry() throws Exception {
        // given a sequencer whose first command waits up to 1 s for company
        ZkSequencer s = new ZkSequencer(config(server.getConnectString(), "delay-" + System.nanoTime(), "r0")
                .withBatching(1, 64 * 1024, 100, Duration.ofSeconds(1)));
        try {
            s.start();

            // when ten commands are appended one after the other
            List<CompletableFuture<Long>> acks = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                acks.add(s.append(new Command(new RequestId("r0", i), System.currentTimeMillis(), null, new byte[8])));
            }

            // then they share one entry, in order
            for (int i = 0; i < 10; i++) {
                long position = acks.get(i).get(30, TimeUnit.SECONDS);
                assertThat(Positions.entryOf(position))
                        .isEqualTo(Positions.entryOf(acks.get(0).join()));
                assertThat(Positions.index(position)).isEqualTo(i);
            }
            assertThat(s.stats().entriesAppended()).isEqualTo(1);
        } finally {
            s.close();
        }
    }

    @Test
    void whileACreateIsInFlightOnlyAFullEntryGoesBesideIt() throws Exception {
        // given a sequencer with 4 create slots and entries of at most 4 commands, whose appender
        // thread is held, so a create sent stays in flight (its callback waits for that thread)
        ZkSequencer s = new ZkSequencer(config(server.getConnectString(), "grow-" + System.nanoTime(), "r0")
                .withBatching(4, 64 * 1024, 4, Duration.ZERO));
        CountDownLatch release = new CountDownLatch(1);
        try {
            s.start();
            s.appender().onAppenderThread(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            List<CompletableFuture<Long>> acks = new ArrayList<>();

            // when one command is appended, then three more: the first goes alone, the three wait
            acks.add(s.append(command("r0", 0, null)));
            for (int i = 1; i <= 3; i++) {
                acks.add(s.append(command("r0", i, null)));
            }
            assertThat(s.stats().appendsInFlight()).isEqualTo(1);

            // when a fourth fills an entry, it goes at once beside the first, with the three
            acks.add(s.append(command("r0", 4, null)));
            assertThat(s.stats().appendsInFlight()).isEqualTo(2);

            // when two more come, they wait: a partial entry never goes beside one in flight
            acks.add(s.append(command("r0", 5, null)));
            acks.add(s.append(command("r0", 6, null)));
            assertThat(s.stats().appendsInFlight()).isEqualTo(2);

            // then once the creates complete, the two go together: 3 entries of 1, 4 and 2
            release.countDown();
            List<Long> positions = new ArrayList<>();
            for (CompletableFuture<Long> ack : acks) {
                positions.add(ack.get(30, TimeUnit.SECONDS));
            }
            long first = Positions.entryOf(positions.get(0));
            long second = Positions.entryOf(positions.get(1));
            long third = Positions.entryOf(positions.get(5));
            assertThat(positions.stream().map(Positions::entryOf).toList())
                    .containsExactly(first, second, second, second, second, third, third);
            assertThat(List.of(first, second, third)).doesNotHaveDuplicates().isSorted();
            assertThat(positions.stream().map(Positions::index).toList()).containsExactly(0, 0, 1, 2, 3, 0, 1);
            assertThat(s.stats().entriesAppended()).isEqualTo(3);
        } finally {
            release.countDown();
            s.close();
        }
    }

    @Test
    void startsWithoutZooKeeperAndConnectsWhenItComes() throws Exception {
        try (TestingServer later = new TestingServer(InstanceSpec.getRandomPort(), false)) {
            // given a sequencer started while its ZooKeeper is not running
            ZkSequencer s = new ZkSequencer(config(later.getConnectString(), "late-" + System.nanoTime(), "r0"));
            try {
                s.start();

                // then it is not connected and appends fail at once
                assertThat(s.isConnected()).isFalse();
                assertThat(s.append(new Command(new RequestId("r0", 1), 0, null, new byte[0])))
                        .isCompletedExceptionally();

                // when ZooKeeper starts, the sequencer connects, sets up the log and appends
                later.start();
                await().atMost(Duration.ofSeconds(60)).until(s::isConnected);
                assertThat(s.append(new Command(new RequestId("r0", 2), 0, null, new byte[0]))
                                .get(30, TimeUnit.SECONDS))
                        .isEqualTo(Positions.entry(0, 0));
            } finally {
                s.close();
            }
        }
    }
}
