package io.koordinator.sequencer.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.Follower;
import io.koordinator.sequencer.LogCheckpoint;
import io.koordinator.sequencer.LogCompactedException;
import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.RequestId;
import io.koordinator.sequencer.SequencerConfig;
import io.koordinator.sequencer.zk.CompactionFixture.Recorder;
import io.koordinator.sequencer.zk.CompactionFixture.Replica;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Compaction on a real ZooKeeper server: the leader deletes what every live replica has made
 * durable, and a replica that comes back below the floor stops instead of skipping.
 */
class ZkCompactionIT {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final Duration INTERVAL = Duration.ofMillis(200);
    private static final AtomicInteger GROUPS = new AtomicInteger();
    private static ServerWithClient zk;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final String group = "compact-" + GROUPS.incrementAndGet();

    @BeforeAll
    static void startServer() throws Exception {
        zk = ServerWithClient.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        zk.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private SequencerConfig config(String id, long retain) {
        return CompactionFixture.config(zk.server().getConnectString(), group, id, INTERVAL, retain);
    }

    private Replica replica(String id, long retain, LogCheckpoint from) throws Exception {
        Replica r = Replica.start(config(id, retain), from);
        toClose.add(r);
        return r;
    }

    private static List<Long> appendOneByOne(ZkSequencer s, String origin, int first, int n) throws Exception {
        List<Long> positions = new ArrayList<>();
        for (int i = first; i < first + n; i++) {
            Command c = new Command(new RequestId(origin, i), System.currentTimeMillis(), null, new byte[8]);
            positions.add(s.append(c).get(30, TimeUnit.SECONDS));
        }
        return positions;
    }

    @Test
    void aReplicaRestartedBelowTheFloorStopsAndSkipsNothing() throws Exception {
        // given three replicas that follow the log and publish their durable positions
        Replica r0 = replica("r0", 5, LogCheckpoint.START);
        Replica r1 = replica("r1", 5, LogCheckpoint.START);
        Replica r2 = replica("r2", 5, LogCheckpoint.START);
        List<Long> log = new ArrayList<>(appendOneByOne(r0.sequencer(), "r0", 0, 30));
        long first = log.get(log.size() - 1);
        await().atMost(DEADLINE)
                .until(() ->
                        List.of(r0, r1, r2).stream().allMatch(r -> r.follower().appliedPosition() == first));

        // when r2 is killed with its checkpoint, and the other two go on and compact past it
        LogCheckpoint checkpoint = r2.follower().betweenCommands(Duration.ofSeconds(10), c -> c);
        r2.close();
        log.addAll(appendOneByOne(r1.sequencer(), "r1", 0, 60));
        long last = log.get(log.size() - 1);
        await().atMost(DEADLINE)
                .until(() ->
                        r0.follower().appliedPosition() == last && r1.follower().appliedPosition() == last);
        ZkLayout layout = new ZkLayout(config("r0", 5));
        await().atMost(DEADLINE)
                .until(() -> r0.sequencer().compactionFloor() > checkpoint.position()
                        && zk.raw()
                                        .checkExists()
                                        .forPath(layout.entryPath(0, Positions.sequence(checkpoint.position())))
                                == null);

        // and r2 restarts from its old checkpoint
        ZkSequencer restarted = new ZkSequencer(config("r2", 5));
        toClose.add(restarted);
        restarted.start();
        Recorder resumed = new Recorder();
        Follower f = restarted.follow(checkpoint, resumed);
        toClose.add(f);

        // then it stops with LogCompactedException, told once, and delivers nothing
        await().atMost(DEADLINE).until(() -> f.failure().isPresent());
        assertThat(f.failure().get()).isInstanceOf(LogCompactedException.class);
        LogCompactedException compacted = (LogCompactedException) f.failure().get();
        assertThat(compacted.next()).isGreaterThan(checkpoint.position());
        assertThat(compacted.floor()).isGreaterThan(checkpoint.position());
        await().atMost(DEADLINE).until(() -> resumed.stops.size() == 1);
        assertThat(resumed.positions).isEmpty();
        assertThat(f.appliedPosition()).isEqualTo(checkpoint.position());
        assertThat(restarted.gapsSkipped()).isZero();
        assertThat(restarted.followersCompactedPast()).isEqualTo(1);

        // and a new replica following from the start stops the same way
        Recorder fresh = new Recorder();
        Follower fromStart = restarted.follow(LogCheckpoint.START, fresh);
        toClose.add(fromStart);
        await().atMost(DEADLINE).until(() -> fromStart.failure().isPresent());
        assertThat(fromStart.failure().get()).isInstanceOf(LogCompactedException.class);
        assertThat(fresh.positions).isEmpty();

        // and the live replicas saw every entry, with no gap, while one of them compacted
        assertThat(r0.recorder().positions).isEqualTo(log);
        assertThat(r1.recorder().positions).isEqualTo(log);
        assertThat(r0.sequencer().gapsSkipped() + r1.sequencer().gapsSkipped()).isZero();
        long deleted = r0.sequencer().stats().entriesCompacted()
                + r1.sequencer().stats().entriesCompacted();
        assertThat(deleted).isGreaterThan(0);
        assertThat(r0.sequencer().stats().floorMoves() + r1.sequencer().stats().floorMoves())
                .isGreaterThan(0);
        assertThat(r0.sequencer().isCompactionLeader() ^ r1.sequencer().isCompactionLeader())
                .as("exactly one leader")
                .isTrue();
    }

    @Test
    void theFloorIsWrittenBeforeAnyDeleteAndARacingFollowerNeverSkips() throws Exception {
        // given 100 entries, appended while no replica is registered (so nothing is compacted)
        ZkSequencer writer = new ZkSequencer(config("w", 0));
        toClose.add(writer);
        writer.start();
        List<Long> log = new ArrayList<>(appendOneByOne(writer, "w", 0, 100));

        // and an unregistered follower that reads ahead and then blocks in its first command
        ZkSequencer other = new ZkSequencer(config("r1", 0));
        toClose.add(other);
        other.start();
        Semaphore permits = new Semaphore(0);
        List<Long> delivered = new ArrayList<>();
        Follower slow = other.follow(LogCheckpoint.START, (position, command) -> {
            if (!permits.tryAcquire(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test never released the listener");
            }
            delivered.add(position);
        });
        toClose.add(slow);
        await().atMost(DEADLINE).until(permits::hasQueuedThreads);
        assertThat(writer.compactionFloor()).isEqualTo(Positions.NONE);

        // and a replica that keeps no margin registers
        Replica r0 = replica("r0", 0, LogCheckpoint.START);

        // when 200 more entries come and the leader compacts below what r0 applied
        log.addAll(appendOneByOne(writer, "w", 100, 200));
        long last = log.get(log.size() - 1);
        ZkLayout layout = new ZkLayout(config("r0", 0));
        await().atMost(DEADLINE)
                .until(() -> r0.sequencer().compactionFloor() == last
                        && zk.raw().checkExists().forPath(layout.entryPath(0, 200)) == null);

        // and the slow follower resumes
        permits.release(Integer.MAX_VALUE / 2);

        // then it delivers a prefix of the log (what it had read ahead) and stops, skipping nothing
        await().atMost(DEADLINE).until(() -> slow.failure().isPresent());
        assertThat(slow.failure().get()).isInstanceOf(LogCompactedException.class);
        assertThat(delivered).isNotEmpty().isEqualTo(log.subList(0, delivered.size()));
        assertThat(delivered.size()).isLessThan(log.size());
        assertThat(other.gapsSkipped()).isZero();

        // and the transaction log shows every delete after a floor above its entry
        long deletes = CompactionFixture.assertFloorWrittenBeforeEveryDelete(
                zk.server().getTempDirectory(), layout);
        assertThat(deletes).isGreaterThanOrEqualTo(200);
    }

    @Test
    void deletesGoInTransactionsAndOneRefusedForAGoneEntryIsRedoneOneByOne() throws Exception {
        // given a sequencer whose own rounds never come, and 250 entries (three transactions' worth)
        ZkSequencer s = new ZkSequencer(
                CompactionFixture.config(zk.server().getConnectString(), group, "r0", Duration.ofHours(1), 0));
        toClose.add(s);
        s.start();
        List<Long> log = appendOneByOne(s, "r0", 0, 250);
        ZkLayout layout = new ZkLayout(config("r0", 0));
        assertThat(log).allMatch(p -> Positions.segment(p) == 0);

        // and two entries in the first and second hundred already gone (an earlier leader's work)
        long firstGone = Positions.sequence(log.get(30));
        long secondGone = Positions.sequence(log.get(150));
        zk.raw().delete().forPath(layout.entryPath(0, firstGone));
        zk.raw().delete().forPath(layout.entryPath(0, secondGone));

        // when it compacts below the 241st entry
        long floor = log.get(240);
        s.compactor().compactTo(floor);

        // then every entry below the floor is gone, none above it, and each was counted once
        for (long p : log) {
            boolean present = zk.raw().checkExists().forPath(layout.entryPath(0, Positions.sequence(p))) != null;
            assertThat(present).as(Positions.format(p)).isEqualTo(p >= floor);
        }
        assertThat(s.stats().entriesCompacted()).isEqualTo(238);

        // and the transaction log holds the third hundred's deletes in one transaction of 40 (the
        // first two were refused and redone one by one)
        assertThat(CompactionFixture.entryDeletesPerTransaction(zk.server().getTempDirectory(), layout))
                .containsExactly(40);
    }

    @Test
    void theAgeMarginKeepsEntriesYoungerThanItByTheirCreationTime() throws Exception {
        // given a replica (no rounds of its own: the test asks for the candidate) and 10 entries
        Duration age = Duration.ofSeconds(3);
        SequencerConfig config =
                config("r0", 0).withCompaction(Duration.ofHours(1), 0, age).withSegmentRollover(1_000);
        Replica r0 = Replica.start(config, LogCheckpoint.START);
        toClose.add(r0);
        List<Long> old = appendOneByOne(r0.sequencer(), "r0", 0, 10);
        ZkLayout layout = new ZkLayout(config);
        long oldCreated = zk.raw()
                .checkExists()
                .forPath(layout.entryPath(0, Positions.sequence(old.get(9))))
                .getCtime();

        // when they are older than the margin and 10 more come, all applied by the replica
        await().atMost(DEADLINE).until(() -> System.currentTimeMillis() - oldCreated > age.toMillis() + 100);
        List<Long> young = appendOneByOne(r0.sequencer(), "r0", 10, 10);
        await().atMost(DEADLINE).until(() -> r0.follower().appliedPosition() == young.get(9));
        long before = System.currentTimeMillis();
        long candidate = r0.sequencer().compactor().candidate();
        long after = System.currentTimeMillis();

        // then the floor candidate is the newest entry old enough, not the durable position
        assertThat(candidate).isGreaterThanOrEqualTo(old.get(9)).isLessThanOrEqualTo(young.get(9));
        long sequence = Positions.sequence(candidate);
        assertThat(zk.raw().checkExists().forPath(layout.entryPath(0, sequence)).getCtime())
                .isLessThanOrEqualTo(after - age.toMillis());
        long youngCreated = zk.raw()
                .checkExists()
                .forPath(layout.entryPath(0, Positions.sequence(young.get(9))))
                .getCtime();
        if (youngCreated > after - age.toMillis()) {
            assertThat(candidate).as("the newest entry is too young").isLessThan(young.get(9));
        }
        if (candidate < young.get(9)) {
            assertThat(zk.raw()
                            .checkExists()
                            .forPath(layout.entryPath(0, sequence + 1))
                            .getCtime())
                    .isGreaterThan(before - age.toMillis());
        }
    }
}
