package io.koordinator.loadtest.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * The raw ZooKeeper numbers Koordinator is measured against: one client creating sequential
 * znodes synchronously (one at a time), and the same client pipelining asynchronous creates with
 * a bounded number in flight. Each znode carries {@code dataBytes} bytes, about a small entry.
 */
final class ZkBaseline implements AutoCloseable {
    private static final long MAX_MICROS = TimeUnit.SECONDS.toMicros(60);

    private final ZooKeeper zk;
    private final byte[] data;

    ZkBaseline(String connectString, int dataBytes) throws IOException, InterruptedException {
        CountDownLatch connected = new CountDownLatch(1);
        zk = new ZooKeeper(connectString, 30_000, e -> {
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        if (!connected.await(30, TimeUnit.SECONDS)) {
            zk.close();
            throw new IOException("no ZooKeeper session with " + connectString + " within 30s");
        }
        data = new byte[dataBytes];
    }

    /** Synchronous creates under {@code parent} for {@code duration}. */
    BenchResult syncCreates(String parent, Duration duration) throws KeeperException, InterruptedException {
        ensure(parent);
        Histogram h = new Histogram(MAX_MICROS, 3);
        long start = System.nanoTime();
        long deadline = start + duration.toNanos();
        long n = 0;
        while (System.nanoTime() < deadline && n < ClusterPhases.MAX_REQUESTS) {
            long t = System.nanoTime();
            zk.create(parent + "/e-", data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_SEQUENTIAL);
            h.recordValue(Math.min(MAX_MICROS, (System.nanoTime() - t) / 1000));
            n++;
        }
        return new BenchResult(n, Duration.ofNanos(System.nanoTime() - start), h);
    }

    /** Asynchronous creates under {@code parent}, {@code inFlight} at a time, for {@code duration}. */
    BenchResult pipelinedCreates(String parent, Duration duration, int inFlight)
            throws KeeperException, InterruptedException, IOException {
        ensure(parent);
        ConcurrentHistogram h = new ConcurrentHistogram(MAX_MICROS, 3);
        Semaphore slots = new Semaphore(inFlight);
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long start = System.nanoTime();
        long deadline = start + duration.toNanos();
        for (long sent = 0; System.nanoTime() < deadline && sent < ClusterPhases.MAX_REQUESTS; sent++) {
            slots.acquire();
            long t = System.nanoTime();
            zk.create(
                    parent + "/e-",
                    data,
                    ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT_SEQUENTIAL,
                    (rc, path, ctx, name) -> {
                        h.recordValue(Math.min(MAX_MICROS, (System.nanoTime() - t) / 1000));
                        if (rc == 0) {
                            done.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                        }
                        slots.release();
                    },
                    null);
        }
        if (!slots.tryAcquire(inFlight, 60, TimeUnit.SECONDS)) {
            throw new IOException("pipelined creates did not complete within 60s");
        }
        if (failed.get() > 0) {
            throw new IOException(failed.get() + " pipelined creates failed");
        }
        return new BenchResult(done.get(), Duration.ofNanos(System.nanoTime() - start), h);
    }

    private void ensure(String path) throws KeeperException, InterruptedException {
        try {
            zk.create(path, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        } catch (KeeperException.NodeExistsException e) {
            // already there
        }
    }

    @Override
    public void close() {
        try {
            zk.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
