package io.koordinator.sequencer.zk;

import java.util.List;
import org.apache.zookeeper.KeeperException;

/** Reads of {@code log/}'s children: the segments. There are few, so listing them is cheap. */
final class ZkSegments {
    private ZkSegments() {}

    /** Segment numbers present, ascending; blocking, never on Curator's event thread. */
    static List<Integer> list(ZkSequencer owner) throws Exception {
        try {
            return owner.client.getChildren().forPath(owner.layout.logPath()).stream()
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
