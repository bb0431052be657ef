package io.koordinator.sequencer.zk;

import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.codec.CorruptEntryException;
import io.koordinator.sequencer.codec.EntryCodec;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rollover rule on the appender's side (see the package documentation): an entry that landed
 * at or past {@code segmentRollover} makes sure its segment is sealed, finds the segment's first
 * seal, and stands if it lies before it; otherwise it is appended again into the next segment.
 *
 * <p>Threading: the appender's thread only; blocking reads there are rare (once per segment).
 */
final class ZkRollover {
    private static final Logger log = LoggerFactory.getLogger(ZkRollover.class);

    private final ZkSequencer owner;
    private final ZkAppender appender;
    private final Map<Integer, Long> firstSeal = new HashMap<>();
    final AtomicLong reappends = new AtomicLong();

    ZkRollover(ZkSequencer owner, ZkAppender appender) {
        this.owner = owner;
        this.appender = appender;
    }

    /** {@code batch}'s entry landed at {@code sequence >= segmentRollover}. */
    void landed(ZkBatch batch, long sequence) {
        int sealedSegment = batch.segment;
        try {
            Long seal = firstSeal.get(sealedSegment);
            if (seal == null) {
                seal = seal(sealedSegment);
                firstSeal.put(sealedSegment, seal);
                appender.advanceSegment(sealedSegment + 1);
            }
            if (sequence < seal) {
                appender.complete(batch, sequence);
            } else {
                reappends.incrementAndGet();
                batch.segment = sealedSegment + 1;
                appender.create(batch);
            }
        } catch (Exception e) {
            log.warn("{} sealing segment {} failed, retrying: {}", owner.identity, sealedSegment, e.toString());
            if (System.nanoTime() - batch.deadlineNanos > 0 || owner.closed()) {
                appender.fail(batch, batch.givenUp("segment rollover failed", e));
            } else {
                appender.later(() -> appender.onAppenderThread(() -> landed(batch, sequence)), 200);
            }
        }
    }

    /** Writes a seal entry into {@code segment}, returns the sequence of its first seal. */
    private long seal(int segment) throws Exception {
        String created = owner.client
                .create()
                .withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                .forPath(owner.layout.entryPrefix(segment), EntryCodec.encodeSeal());
        long mine = ZkLayout.parseSequence(created);
        long first = mine;
        for (long s = owner.config.segmentRollover(); s < mine; s++) {
            byte[] data;
            try {
                data = owner.client.getData().forPath(owner.layout.entryPath(segment, s));
            } catch (KeeperException.NoNodeException e) {
                continue;
            }
            try {
                if (EntryCodec.decode(data).seal()) {
                    first = s;
                    break;
                }
            } catch (CorruptEntryException e) {
                throw new IllegalStateException("corrupt entry " + Positions.format(Positions.entry(segment, s)), e);
            }
        }
        owner.ensurePath(owner.layout.segmentPath(segment + 1));
        log.info(
                "{} segment {} sealed at sequence {} (my seal at {}); appending to segment {}",
                owner.identity,
                segment,
                first,
                mine,
                segment + 1);
        return first;
    }
}
