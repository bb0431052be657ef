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
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Missing sequence numbers: the follower skips exactly the missing number, never a real entry,
 * and never hangs.
 */
class ZkFollowerGapIT {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final AtomicInteger GROUPS = new AtomicInteger();
    private static ServerWithClient zk;
    private static TestingServer server;
    private static CuratorFramework raw;

    private ZkSequencer sequencer;
    private ZkLayout layout;
    private final List<Follower> followers = new ArrayList<>();

    @BeforeAll
    static void startServer() throws Exception {
        zk = ServerWithClient.start();
        server = zk.server();
        raw = zk.raw();
    }

    @AfterAll
    static void stopServer() throws Exception {
        zk.close();
    }

    @BeforeEach
    void start() throws Exception {
        SequencerConfig config =
                ZkSequencerIT.config(server.getConnectString(), "gap-" + GROUPS.incrementAndGet(), "r0");
        sequencer = new ZkSequencer(config);
        sequencer.start();
        layout = new ZkLayout(config);
    }

    @AfterEach
    void stop() {
        followers.forEach(Follower::close);
        sequencer.close();
    }

    private static final class Collected implements LogListener {
        final List<Long> positions = new CopyOnWriteArrayList<>();
        final Semaphore permits;

        Collected(int permits) {
            this.permits = new Semaphore(permits);
        }

        @Override
        public void onCommand(long position, Command command) throws InterruptedException {
            if (!permits.tryAcquire(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test never released the listener");
            }
            positions.add(position);
        }
    }

    private Collected follow(int permits) {
        Collected c = new Collected(permits);
        followers.add(sequencer.follow(LogCheckpoint.START, c));
        return c;
    }

    /** Appends one command per entry; returns the positions. */
    private List<Long> appendOneByOne(int n, int firstCounter) throws Exception {
        List<Long> positions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Command c = new Command(
                    new RequestId("r0", firstCounter + i), System.currentTimeMillis(), null, new byte[] {(byte) i});
            positions.add(sequencer.append(c).get(30, TimeUnit.SECONDS));
        }
        return positions;
    }

    /**
     * Uses up sequence number {@code expected} of segment 0 without an entry anyone could read:
     * one transaction creates it and deletes it.
     */
    private void burnSequenceNumber(long expected) throws Exception {
        byte[] data = EntryCodec.encode(
                List.of(new Command(new RequestId("ghost", 1), System.currentTimeMillis(), null, new byte[0])));
        List<CuratorTransactionResult> results = raw.transaction()
                .forOperations(
                        raw.transactionOp()
                                .create()
                                .withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                                .forPath(layout.entryPrefix(0), data),
                        raw.transactionOp().delete().forPath(layout.entryPath(0, expected)));
        assertThat(results.get(0).getResultPath()).isEqualTo(layout.entryPath(0, expected));
    }

    @Test
    void missingNumberBeforeTheFollowerStarts() throws Exception {
        // given entries 0..4, a missing number 5, entries 6..10
        List<Long> expected = new ArrayList<>(appendOneByOne(5, 0));
        burnSequenceNumber(5);
        expected.addAll(appendOneByOne(5, 100));

        // when a follower reads from the start
        Collected c = follow(Integer.MAX_VALUE);

        // then it gets every real entry and skips only the missing number
        await().atMost(DEADLINE).until(() -> c.positions.size() == 10);
        assertThat(c.positions).containsExactlyElementsOf(expected);
        assertThat(sequencer.gapsSkipped()).isEqualTo(1);
    }

    @Test
    void missingNumberAtTheTailWhileFollowing() throws Exception {
        // given a follower that has caught up
        Collected c = follow(Integer.MAX_VALUE);
        List<Long> expected = new ArrayList<>(appendOneByOne(3, 0));
        await().atMost(DEADLINE).until(() -> c.positions.size() == 3);

        // when a number at the tail goes missing, and then entries follow
        burnSequenceNumber(3);
        await().atMost(DEADLINE).until(() -> sequencer.gapsSkipped() == 1);
        expected.addAll(appendOneByOne(2, 100));

        // then the follower carries on with them
        await().atMost(DEADLINE).until(() -> c.positions.size() == 5);
        assertThat(c.positions).containsExactlyElementsOf(expected);
        assertThat(Positions.sequence(c.positions.get(3))).isEqualTo(4);
    }

    @Test
    void unappliedEntryDeletedWhileTheListenerBlocks() throws Exception {
        // given 100 entries and a follower stuck in its listener at the first one
        List<Long> appended = appendOneByOne(100, 0);
        Collected c = follow(0);
        await().atMost(DEADLINE).until(() -> c.permits.hasQueuedThreads());

        // when an entry beyond the follower's read-ahead is deleted, and the listener resumes
        assertThat(ZkFollower.READ_AHEAD).isLessThan(90);
        raw.delete().forPath(layout.entryPath(0, 90));
        c.permits.release(Integer.MAX_VALUE / 2);

        // then the follower skips exactly that entry
        await().atMost(DEADLINE).until(() -> c.positions.size() == 99);
        List<Long> expected = new ArrayList<>(appended);
        expected.remove(90);
        assertThat(c.positions).containsExactlyElementsOf(expected);
        assertThat(sequencer.gapsSkipped()).isEqualTo(1);
    }

    @Test
    void longRunOfMissingNumbersBeyondTheReadAhead() throws Exception {
        // given entries, then 150 missing numbers (more than the read-ahead), then entries
        List<Long> expected = new ArrayList<>(appendOneByOne(3, 0));
        for (int i = 0; i < 150; i++) {
            burnSequenceNumber(3 + i);
        }
        expected.addAll(appendOneByOne(3, 100));

        // when a follower starts from the beginning, no watch event announcing the later entries
        Collected c = follow(Integer.MAX_VALUE);

        // then it finds them and skips exactly the missing numbers
        await().atMost(DEADLINE).until(() -> c.positions.size() == 6);
        assertThat(c.positions).containsExactlyElementsOf(expected);
        assertThat(sequencer.gapsSkipped()).isEqualTo(150);
    }

    @Test
    void corruptEntryStopsTheFollowerInsteadOfBeingSkipped() throws Exception {
        // given two entries, a damaged one, and one more
        List<Long> good = appendOneByOne(2, 0);
        raw.create()
                .withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                .forPath(layout.entryPrefix(0), new byte[] {1, 0, 1, 2, 3, 4, 5, 6});
        appendOneByOne(1, 100);

        // when a follower reads the log
        Collected c = follow(Integer.MAX_VALUE);

        // then it stops at the damaged entry, with a message that names it
        Follower f = followers.get(0);
        await().atMost(DEADLINE).until(() -> f.failure().isPresent());
        assertThat(f.failure().get())
                .hasMessageContaining(layout.entryPath(0, 2))
                .hasMessageContaining("checksum");
        assertThat(c.positions).containsExactlyElementsOf(good);
        assertThat(f.appliedPosition()).isEqualTo(good.get(1));
        assertThat(sequencer.gapsSkipped()).isZero();
    }
}
