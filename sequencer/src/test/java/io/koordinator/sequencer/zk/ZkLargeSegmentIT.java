package io.koordinator.sequencer.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.Follower;
import io.koordinator.sequencer.LogCheckpoint;
import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.RequestId;
import io.koordinator.sequencer.SequencerConfig;
import io.koordinator.sequencer.codec.EntryCodec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;

/**
 * A segment with more children than one {@code getChildren} reply can carry (70,000 names are
 * over the client's 1 MiB packet limit): the follower never needs to list it.
 */
class ZkLargeSegmentIT {
    private static final int ENTRIES = 70_000;

    @Test
    void followsASegmentTooLargeToList() throws Exception {
        try (TestingServer server = new TestingServer(true)) {
            // given a segment of 70,000 entries, created directly
            SequencerConfig config = ZkSequencerIT.config(server.getConnectString(), "large", "r0");
            ZkLayout layout = new ZkLayout(config);
            ZooKeeper raw = new ZooKeeper(server.getConnectString(), 10_000, event -> {});
            try {
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> raw.getState().isConnected());
                createParents(raw, layout.segmentPath(0));
                fill(raw, layout.entryPrefix(0));

                // then listing it fails (the reply is over the packet limit)
                assertThatThrownBy(() -> raw.getChildren(layout.segmentPath(0), false))
                        .isInstanceOf(KeeperException.ConnectionLossException.class);
            } finally {
                raw.close();
            }

            // when a sequencer follows from near the end of that segment, and appends more
            try (ZkSequencer sequencer = new ZkSequencer(config)) {
                sequencer.start();
                List<Long> seen = new CopyOnWriteArrayList<>();
                try (Follower f = sequencer.follow(
                        LogCheckpoint.at(Positions.entry(0, ENTRIES - 11)),
                        (position, command) -> seen.add(position))) {
                    long appended = sequencer
                            .append(new Command(new RequestId("r0", 1), System.currentTimeMillis(), null, new byte[1]))
                            .get(30, TimeUnit.SECONDS);

                    // then it reads the last ten and the new one, without listing the segment
                    await().atMost(Duration.ofSeconds(60)).until(() -> seen.size() == 11);
                    assertThat(seen.get(0)).isEqualTo(Positions.entry(0, ENTRIES - 10));
                    assertThat(seen.get(10)).isEqualTo(appended).isEqualTo(Positions.entry(0, ENTRIES));
                    assertThat(f.failure()).isEmpty();
                }
            }
        }
    }

    private static void createParents(ZooKeeper zk, String path) throws Exception {
        StringBuilder p = new StringBuilder();
        for (String part : path.substring(1).split("/")) {
            p.append('/').append(part);
            try {
                zk.create(p.toString(), new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            } catch (KeeperException.NodeExistsException e) {
                // there
            }
        }
    }

    /** Creates the entries with up to 2,000 creates in flight. */
    private static void fill(ZooKeeper zk, String prefix) throws Exception {
        Semaphore window = new Semaphore(2_000);
        CountDownLatch done = new CountDownLatch(ENTRIES);
        AtomicInteger failed = new AtomicInteger();
        for (int i = 0; i < ENTRIES; i++) {
            byte[] data = EntryCodec.encode(
                    List.of(new Command(new RequestId("bulk", i), System.currentTimeMillis(), null, new byte[0])));
            if (!window.tryAcquire(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("creates stopped completing");
            }
            zk.create(
                    prefix,
                    data,
                    ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT_SEQUENTIAL,
                    (rc, path, ctx, name) -> {
                        if (rc != 0) {
                            failed.incrementAndGet();
                        }
                        window.release();
                        done.countDown();
                    },
                    null);
        }
        assertThat(done.await(120, TimeUnit.SECONDS)).isTrue();
        assertThat(failed.get()).isZero();
    }
}
