package io.koordinator.cli;

import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.ReplicaInfo;
import io.koordinator.sequencer.zk.ZkGroupReader;
import java.util.List;

/**
 * What {@code koordinator status} shows of a group, read from its subtree at one moment. Also the
 * {@code --json} document, field for field.
 *
 * @param group the group id
 * @param zookeeper the connect string it was read from
 * @param groupPath the group's node
 * @param log the log's size now
 * @param compactionFloor entries below it may be deleted; {@link Positions#NONE} while never compacted
 * @param replicas the registered replicas, by id
 */
record GroupStatus(
        String group, String zookeeper, String groupPath, LogSize log, long compactionFloor, List<Replica> replicas) {

    /**
     * @param entries entries in ZooKeeper now
     * @param bytes the entries' data, summed
     * @param first the oldest entry's position, or {@link Positions#NONE}
     * @param tail the newest entry's position, or {@link Positions#NONE}
     */
    record LogSize(long entries, long bytes, long first, long tail) {}

    /**
     * One replica as it last published itself, with its lag against the log's tail.
     *
     * @param lag entries in the log after the one holding {@code appliedPosition}
     */
    record Replica(
            String id,
            String address,
            long appliedPosition,
            long durablePosition,
            long lag,
            boolean ready,
            String state,
            long digestPosition,
            String digest) {}

    /** Reads the group's replicas, log and floor. */
    static GroupStatus read(GroupConnection connection, GroupOptions.Settings settings)
            throws CliFailure, InterruptedException {
        ZkGroupReader reader = connection.reader();
        List<ZkGroupReader.EntryRef> entries = connection.call(reader::entries);
        List<ReplicaInfo> infos = connection.call(reader::replicas);
        long floor = connection.call(reader::floor);
        long bytes = entries.stream().mapToLong(ZkGroupReader.EntryRef::bytes).sum();
        LogSize size = new LogSize(
                entries.size(),
                bytes,
                entries.isEmpty() ? Positions.NONE : entries.get(0).position(),
                entries.isEmpty()
                        ? Positions.NONE
                        : entries.get(entries.size() - 1).position());
        List<Replica> replicas = infos.stream()
                .map(r -> new Replica(
                        r.replicaId(),
                        r.address(),
                        r.appliedPosition(),
                        r.durablePosition(),
                        entriesAfter(entries, r.appliedPosition()),
                        r.ready(),
                        r.state(),
                        r.digestPosition(),
                        r.digest()))
                .toList();
        return new GroupStatus(
                settings.config().group(),
                settings.config().connectString(),
                reader.groupPath(),
                size,
                floor,
                replicas);
    }

    /** Entries after the one holding {@code applied} ({@link Positions#NONE}: all of them). */
    static long entriesAfter(List<ZkGroupReader.EntryRef> entries, long applied) {
        long holding = applied == Positions.NONE ? Positions.NONE : Positions.entryOf(applied);
        int low = 0;
        int high = entries.size();
        while (low < high) { // the first entry after `holding`
            int mid = (low + high) >>> 1;
            if (entries.get(mid).position() <= holding) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return entries.size() - low;
    }
}
