package io.koordinator.sequencer.zk;

import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;

/** Reads of {@code log/}'s children: the segments. There are few, so listing them is cheap. */
final class ZkSegments {
    private ZkSegments() {}

    /** Segment numbers present, ascending; blocking, never on Curator's event thread. */
    static List<Integer> list(ZkSequencer owner) throws Exception {
        return list(owner.client, owner.layout);
    }

    /** Segment numbers present under {@code layout}'s log, ascending, read with {@code client}. */
    static List<Integer> list(CuratorFramework client, ZkLayout layout) throws Exception {
        try {
            return client.getChildren().forPath(layout.logPath()).stream()
                    .mapToInt(ZkLayout::parseSegment)
                    .filter(s -> s >= 0)
                    .sorted()
                    .boxed()
                    .toList();
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
    }

    static int highest(ZkSequencer owner) throws Exception {
        List<Integer> segments = list(owner);
        return segments.isEmpty() ? 0 : segments.get(segments.size() - 1);
    }

    static int lowest(ZkSequencer owner) throws Exception {
        List<Integer> segments = list(owner);
        return segments.isEmpty() ? 0 : segments.get(0);
    }
}
