package io.koordinator.sequencer.zk;

import static org.assertj.core.api.Assertions.assertThat;

import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.Follower;
import io.koordinator.sequencer.LogCheckpoint;
import io.koordinator.sequencer.LogListener;
import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.ReplicaInfo;
import io.koordinator.sequencer.RequestId;
import io.koordinator.sequencer.SequencerConfig;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.framework.CuratorFramework;
import org.apache.jute.Record;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.server.ByteBufferInputStream;
import org.apache.zookeeper.server.persistence.FileTxnLog;
import org.apache.zookeeper.server.persistence.TxnLog;
import org.apache.zookeeper.txn.CreateTxn;
import org.apache.zookeeper.txn.DeleteTxn;
import org.apache.zookeeper.txn.MultiTxn;
import org.apache.zookeeper.txn.SetDataTxn;
import org.apache.zookeeper.txn.Txn;

/** What the compaction tests share: replicas that publish their durable position, and checks. */
final class CompactionFixture {
    private CompactionFixture() {}

    /** A config for tests: short timeouts, compaction every {@code interval}, keeping {@code retain} entries. */
    static SequencerConfig config(String connectString, String group, String id, Duration interval, long retain) {
        return ZkSequencerIT.config(connectString, group, id).withCompaction(interval, retain, Duration.ZERO);
    }

    /** What a listener was given, in order, and how it was stopped. */
    static final class Recorder implements LogListener {
        final List<Long> positions = new CopyOnWriteArrayList<>();
        final List<RequestId> ids = new CopyOnWriteArrayList<>();
        final List<Throwable> stops = new CopyOnWriteArrayList<>();

        @Override
        public void onCommand(long position, Command command) throws Exception {
            positions.add(position);
            ids.add(command.requestId());
        }

        @Override
        public void onDuplicate(long position, Command command, long originalPosition) throws Exception {
            onCommand(position, command);
        }

        @Override
        public void onStopped(Throwable cause) {
            stops.add(cause);
        }
    }

    /** A started sequencer that follows the log and publishes its applied position as durable. */
    record Replica(ZkSequencer sequencer, Follower follower, Recorder recorder) implements AutoCloseable {
        static Replica start(SequencerConfig config, LogCheckpoint from) throws Exception {
            ZkSequencer s = new ZkSequencer(config);
            s.start();
            Recorder recorder = new Recorder();
            Follower f = s.follow(from, recorder);
            s.registerReplica(ReplicaInfo.basic(config.replicaId(), "127.0.0.1:1", Positions.NONE, true), () -> {
                long applied = f.appliedPosition();
                return ReplicaInfo.basic(config.replicaId(), "127.0.0.1:1", applied, true);
            });
            return new Replica(s, f, recorder);
        }

        @Override
        public void close() {
            follower.close();
            sequencer.close();
        }
    }

    /** Entries, segments and other nodes of the group's subtree now. */
    static long znodeCount(CuratorFramework client, ZkLayout layout, String groupPath) throws Exception {
        long count = 1; // the group
        for (String child : client.getChildren().forPath(groupPath)) {
            Stat stat = client.checkExists().forPath(groupPath + "/" + child);
            count += 1 + (stat == null ? 0 : stat.getNumChildren());
        }
        for (String segment : client.getChildren().forPath(layout.logPath())) {
            Stat stat = client.checkExists().forPath(layout.logPath() + "/" + segment);
            count += stat == null ? 0 : stat.getNumChildren();
        }
        return count;
    }

    /**
     * Reads the server's transaction log (every committed change, in zxid order) and checks that
     * each entry of the group was deleted only once a floor above it was recorded. Returns the
     * number of entry deletes seen.
     */
    static long assertFloorWrittenBeforeEveryDelete(File dataDir, ZkLayout layout) throws Exception {
        long floor = Positions.NONE;
        long deletes = 0;
        List<String> violations = new ArrayList<>();
        for (Logged logged : transactionLog(dataDir)) {
            for (Record txn : logged.changes()) {
                if (txn instanceof CreateTxn c && c.getPath().equals(layout.floorPath())) {
                    floor = raise(floor, ZkFloor.decode(c.getData()).floor());
                } else if (txn instanceof SetDataTxn d && d.getPath().equals(layout.floorPath())) {
                    floor = raise(floor, ZkFloor.decode(d.getData()).floor());
                } else if (txn instanceof DeleteTxn d) {
                    long entry = layout.parseEntryPosition(d.getPath());
                    if (entry != Positions.NONE) {
                        deletes++;
                        if (entry >= floor) {
                            violations.add(Positions.format(entry) + " deleted at floor " + Positions.format(floor));
                        }
                    }
                }
            }
        }
        assertThat(violations)
                .as("entries deleted before a floor above them was written")
                .isEmpty();
        return deletes;
    }

    /** The number of the group's entry deletes in each {@code multi} transaction, in zxid order. */
    static List<Integer> entryDeletesPerTransaction(File dataDir, ZkLayout layout) throws Exception {
        List<Integer> counts = new ArrayList<>();
        for (Logged logged : transactionLog(dataDir)) {
            long n = logged.changes().stream()
                    .filter(t -> t instanceof DeleteTxn d && layout.parseEntryPosition(d.getPath()) != Positions.NONE)
                    .count();
            if (logged.multi() && n > 0) {
                counts.add((int) n);
            }
        }
        return counts;
    }

    /** One committed transaction: whether it was a {@code multi}, and the changes it applied. */
    private record Logged(boolean multi, List<Record> changes) {}

    /** The server's transaction log in zxid order (every committed change). */
    private static List<Logged> transactionLog(File dataDir) throws IOException {
        List<Logged> log = new ArrayList<>();
        try (TxnLog.TxnIterator it = new FileTxnLog(new File(dataDir, "version-2")).read(0)) {
            while (it.getHeader() != null) {
                log.add(new Logged(it.getTxn() instanceof MultiTxn, flatten(it.getTxn())));
                if (!it.next()) {
                    break;
                }
            }
        }
        return log;
    }

    /**
     * A transaction, or the deletes, creates and data changes inside a {@code multi} one, in
     * order; nothing for a refused {@code multi}.
     */
    private static List<Record> flatten(Record txn) throws IOException {
        if (!(txn instanceof MultiTxn multi)) {
            return List.of(txn);
        }
        if (multi.getTxns().stream().anyMatch(t -> t.getType() == ZooDefs.OpCode.error)) {
            return List.of(); // refused: ZooKeeper logs it, and applies none of it
        }
        List<Record> inner = new ArrayList<>();
        for (Txn t : multi.getTxns()) {
            Record r = switch (t.getType()) {
                case ZooDefs.OpCode.delete -> new DeleteTxn();
                case ZooDefs.OpCode.create -> new CreateTxn();
                case ZooDefs.OpCode.setData -> new SetDataTxn();
                default -> null;
            };
            if (r != null) {
                ByteBufferInputStream.byteBuffer2Record(ByteBuffer.wrap(t.getData()), r);
                inner.add(r);
            }
        }
        return inner;
    }

    private static long raise(long floor, long next) {
        assertThat(next).as("the floor only rises").isGreaterThanOrEqualTo(floor);
        return next;
    }
}
