package io.koordinator.loadtest.chaos;

import io.koordinator.loadtest.cluster.LocalCluster;
import io.koordinator.loadtest.cluster.Replica;
import io.koordinator.loadtest.load.HttpConnection;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Samples, every {@code period}, each replica's readiness ({@code /ready} of its proxy) and its
 * app's {@code /digest}, and the ensemble's znode count, for the checks that need the whole run:
 * no replica ready while diverged, and the znode count bounded.
 */
final class ReplicaSampler implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One look at one replica.
     *
     * @param replica index, 0-based
     * @param nanos when
     * @param ready its proxy answered {@code /ready} with 200
     * @param appUp its app answered {@code /digest}; the fields below are meaningful only then
     * @param applied writes the app applied
     * @param lastPosition the highest position the app saw
     * @param outOfOrder writes the app saw at a position not above the previous one
     * @param digest the app's state digest
     */
    record Sample(
            int replica,
            long nanos,
            boolean ready,
            boolean appUp,
            long applied,
            long lastPosition,
            long outOfOrder,
            String digest) {}

    private final LocalCluster cluster;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "chaos-sampler");
        t.setDaemon(true);
        return t;
    });
    private final List<Sample> samples = new CopyOnWriteArrayList<>();
    private final AtomicLong maxZnodes = new AtomicLong(-1);
    private final AtomicLong firstZnodes = new AtomicLong(-1);
    private final Duration period;
    private long rounds;

    ReplicaSampler(LocalCluster cluster, Duration period) {
        this.cluster = cluster;
        this.period = period;
    }

    void start() {
        timer.scheduleWithFixedDelay(this::sample, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    List<Sample> samples() {
        return List.copyOf(samples);
    }

    long maxZnodes() {
        return maxZnodes.get();
    }

    long firstZnodes() {
        return firstZnodes.get();
    }

    private void sample() {
        List<Replica> replicas = cluster.replicas();
        for (int i = 0; i < replicas.size(); i++) {
            Replica r = replicas.get(i);
            boolean ready = cluster.ready(r);
            long now = System.nanoTime();
            try (HttpConnection c = new HttpConnection(r.appAddress(), Duration.ofSeconds(1))) {
                HttpConnection.Response resp = c.send("GET", "/digest", null);
                if (resp.status() != 200) {
                    throw new IOException("status " + resp.status());
                }
                JsonNode d = JSON.readTree(resp.body());
                samples.add(new Sample(
                        i,
                        now,
                        ready,
                        true,
                        d.path("applied").asLong(),
                        d.path("lastPosition").asLong(),
                        d.path("outOfOrder").asLong(),
                        d.path("digest").asString()));
            } catch (IOException | RuntimeException e) {
                samples.add(new Sample(i, now, ready, false, -1, -1, -1, ""));
            }
        }
        if (rounds++ % 4 == 0) {
            long n = cluster.zookeeper().znodeCount();
            if (n >= 0) {
                firstZnodes.compareAndSet(-1, n);
                maxZnodes.accumulateAndGet(n, Math::max);
            }
        }
    }

    /** Stops sampling (waits for a sample in progress, bounded). Idempotent. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
