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
import io.koordinator.sequencer.codec.UnknownEntryFormatException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rolling upgrade on a real ZooKeeper server: entries written by another proxy in the format this
 * code reads are followed; an entry in a newer format stops the follower at that entry, with the
 * reason, and nothing at or after it is delivered or skipped.
 */
class ZkEntryFormatIT {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static ServerWithClient zk;
    private static CuratorFramework raw;

    private ZkSequencer sequencer;
    private Follower follower;

    @BeforeAll
    static void startServer() throws Exception {
        zk = ServerWithClient.start();
        raw = zk.raw();
    }

    @AfterAll
    static void stopServer() throws Exception {
        zk.close();
    }

    @AfterEach
    void stop() {
        if (follower != null) {
            follower.close();
        }
        if (sequencer != null) {
            sequencer.close();
        }
    }

    private static final class Collected implements LogListener {
        final List<Long> positions = new CopyOnWriteArrayList<>();
        final AtomicReference<Throwable> stopped = new AtomicReference<>();

        @Override
        public void onCommand(long position, Command command) {
            positions.add(position);
        }

        @Override
        public void onStopped(Throwable cause) {
            stopped.set(cause);
        }
    }

    private ZkLayout start(String group) throws Exception {
        SequencerConfig config = ZkSequencerIT.config(zk.server().getConnectString(), group, "r-new");
        sequencer = new ZkSequencer(config);
        sequencer.start();
        return new ZkLayout(config);
    }

    /** Writes {@code data} as the next entry of segment 0, as another proxy's appender would. */
    private static long writeEntry(ZkLayout layout, byte[] data) throws Exception {
        String path = raw.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath(layout.entryPrefix(0), data);
        return Positions.entry(0, ZkLayout.parseSequence(path));
    }

    private static byte[] entry(String origin, long counter) {
        return EntryCodec.encode(
                List.of(new Command(new RequestId(origin, counter), System.currentTimeMillis(), null, new byte[] {7})));
    }

    @Test
    void entriesOfTheOtherProxyInTheKnownFormatAreFollowed() throws Exception {
        // given entries another proxy wrote in format version 1, and one of ours after them
        ZkLayout layout = start("format-known");
        List<Long> expected = new ArrayList<>();
        expected.add(writeEntry(layout, entry("r-old", 1)));
        expected.add(writeEntry(layout, entry("r-old", 2)));
        expected.add(sequencer
                .append(new Command(new RequestId("r-new", 1), System.currentTimeMillis(), null, new byte[0]))
                .get(30, TimeUnit.SECONDS));

        // when a follower of the current code reads the log
        Collected c = new Collected();
        follower = sequencer.follow(LogCheckpoint.START, c);

        // then it delivers all of them in log order
        await().atMost(DEADLINE).until(() -> c.positions.size() == 3);
        assertThat(c.positions).containsExactlyElementsOf(expected);
        assertThat(follower.failure()).isEmpty();
    }

    @Test
    void anEntryInANewerFormatStopsTheFollowerThereAndIsNeverSkipped() throws Exception {
        // given two entries, one a newer proxy wrote in format version 2, and two more after it
        ZkLayout layout = start("format-newer");
        List<Long> before = List.of(writeEntry(layout, entry("r-old", 1)), writeEntry(layout, entry("r-old", 2)));
        byte[] newer = entry("r-next", 1);
        newer[0] = 2;
        long newerAt = writeEntry(layout, newer);
        writeEntry(layout, entry("r-old", 3));
        sequencer
                .append(new Command(new RequestId("r-new", 1), System.currentTimeMillis(), null, new byte[0]))
                .get(30, TimeUnit.SECONDS);

        // when a follower of the current code reads the log
        Collected c = new Collected();
        follower = sequencer.follow(LogCheckpoint.START, c);

        // then it delivers what comes before, and stops at the newer entry with the reason
        await().atMost(DEADLINE).until(() -> c.stopped.get() != null);
        assertThat(c.stopped.get())
                .isInstanceOfSatisfying(UnknownEntryFormatException.class, e -> {
                    assertThat(e.version()).isEqualTo(2);
                    assertThat(e.position()).isEqualTo(newerAt);
                })
                .hasMessageContaining("the entry at " + Positions.format(newerAt))
                .hasMessageContaining("format version 2")
                .hasMessageContaining("upgrade this proxy");
        assertThat(follower.failure()).containsSame(c.stopped.get());
        assertThat(c.positions).containsExactlyElementsOf(before);
        assertThat(follower.appliedPosition()).isEqualTo(before.get(1));
        assertThat(sequencer.gapsSkipped()).isZero();
    }
}
