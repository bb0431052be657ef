package io.koordinator.sequencer.zk;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException.Code;

/**
 * The deletes of one compaction pass over a range of entries: background {@code multi}
 * transactions of {@value #DELETES_PER_MULTI} deletes, at most {@value #MULTIS_IN_FLIGHT} in
 * flight. {@link ZkCompactor} decides what to delete; this class only deletes it and says how far
 * it is sure it got.
 *
 * <p>Why transactions: ZooKeeper answers one session's requests in order, and the compaction
 * leader's follower reads and appends share this session, so a read waits behind every delete sent
 * before it. One delete at a time costs ZooKeeper a request, a transaction and a place in that
 * queue each; a transaction of many costs one. A transaction refused because one of its entries is
 * gone already (an earlier round or leader got there) deleted nothing, and is redone one delete at
 * a time.
 *
 * <p>Threading: {@link #issue} and {@link #await} on the compactor thread; answers on Curator's
 * event thread, which only counts, records failures and frees slots.
 */
final class ZkDeletes {
    static final int DELETES_PER_MULTI = 100;
    static final int MULTIS_IN_FLIGHT = 2;

    private final CuratorFramework client;
    private final long timeoutMillis;
    private final AtomicLong deleted;
    private final Semaphore slots = new Semaphore(MULTIS_IN_FLIGHT);
    private final List<String> paths = new ArrayList<>(DELETES_PER_MULTI);
    private final List<Long> sequences = new ArrayList<>(DELETES_PER_MULTI);
    /** Lowest sequence whose delete failed (other than "no node"); written on Curator's event thread. */
    private volatile long failedAt = Long.MAX_VALUE;

    /**
     * @param timeout how long to wait for a free slot or for the last answers (the session
     *     timeout: past it the session may be gone)
     * @param deleted counts each entry this pass deleted
     */
    ZkDeletes(CuratorFramework client, Duration timeout, AtomicLong deleted) {
        this.client = client;
        this.timeoutMillis = timeout.toMillis();
        this.deleted = deleted;
    }

    /** Queues the delete of {@code path}, whose entry is {@code sequence}; sends a full transaction. */
    void issue(String path, long sequence) throws InterruptedException {
        paths.add(path);
        sequences.add(sequence);
        if (paths.size() >= DELETES_PER_MULTI) {
            flush();
        }
    }

    /**
     * Sends what is queued and waits for every answer; returns the lowest sequence whose delete
     * failed or went unanswered, or {@link Long#MAX_VALUE} when every queued entry is gone.
     */
    long await() throws InterruptedException {
        flush();
        if (slots.tryAcquire(MULTIS_IN_FLIGHT, timeoutMillis, TimeUnit.MILLISECONDS)) {
            slots.release(MULTIS_IN_FLIGHT);
        } else {
            fail(0); // answers still missing: do not claim anything deleted
        }
        return failedAt;
    }

    private void flush() throws InterruptedException {
        if (paths.isEmpty()) {
            return;
        }
        List<String> batch = List.copyOf(paths);
        List<Long> batchSequences = List.copyOf(sequences);
        paths.clear();
        sequences.clear();
        long first = batchSequences.get(0);
        if (!slots.tryAcquire(timeoutMillis, TimeUnit.MILLISECONDS)) {
            fail(first);
            return;
        }
        try {
            List<CuratorOp> ops = new ArrayList<>(batch.size());
            for (String path : batch) {
                ops.add(client.transactionOp().delete().forPath(path));
            }
            client.transaction()
                    .inBackground((c, event) -> {
                        Code code = Code.get(event.getResultCode());
                        if (code == Code.OK) {
                            deleted.addAndGet(batch.size());
                            slots.release();
                        } else if (code == Code.NONODE) {
                            oneByOne(batch, batchSequences);
                        } else {
                            fail(first);
                            slots.release();
                        }
                    })
                    .forOperations(ops);
        } catch (Exception e) {
            slots.release();
            fail(first);
        }
    }

    /** The deletes of a refused transaction, each on its own; the slot is freed by the last answer. */
    private void oneByOne(List<String> batch, List<Long> batchSequences) {
        AtomicInteger left = new AtomicInteger(batch.size());
        Runnable answered = () -> {
            if (left.decrementAndGet() == 0) {
                slots.release();
            }
        };
        for (int i = 0; i < batch.size(); i++) {
            long sequence = batchSequences.get(i);
            try {
                client.delete()
                        .inBackground((c, event) -> {
                            Code code = Code.get(event.getResultCode());
                            if (code == Code.OK) {
                                deleted.incrementAndGet();
                            } else if (code != Code.NONODE) {
                                fail(sequence);
                            }
                            answered.run();
                        })
                        .forPath(batch.get(i));
            } catch (Exception e) {
                fail(sequence);
                answered.run();
            }
        }
    }

    private synchronized void fail(long sequence) {
        failedAt = Math.min(failedAt, sequence);
    }
}
