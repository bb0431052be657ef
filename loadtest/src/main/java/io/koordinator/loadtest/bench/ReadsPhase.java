package io.koordinator.loadtest.bench;

import io.koordinator.loadtest.cluster.Jars;
import io.koordinator.loadtest.cluster.LocalCluster;
import io.koordinator.loadtest.cluster.Replica;
import io.koordinator.loadtest.load.HttpConnection;
import io.koordinator.loadtest.load.LoadConfig;
import io.koordinator.loadtest.load.LoadGenerator;
import io.koordinator.loadtest.load.LoadResult;
import io.koordinator.loadtest.load.Operation;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * {@code reads}: GETs per second under the three read policies in one 3-replica cluster. Replica
 * {@code i}'s proxy runs read policy {@code POLICIES[i]}; 64 keys are written first, every replica
 * is warmed up, then each replica in turn gets closed-loop GETs on them from every connection, so the
 * three figures come from the same cluster, the same log and the same apps. Ordered GETs go
 * through the log (every replica delivers them); linearizable GETs take one read barrier per
 * batch; local GETs are passed through.
 */
final class ReadsPhase {
    static final List<String> POLICIES = List.of("ordered", "linearizable", "local");
    private static final int KEYS = 64;

    private ReadsPhase() {}

    static void run(
            Jars jars, BenchSettings s, AtomicReference<AutoCloseable> running, BenchReport report, PrintStream out)
            throws Exception {
        out.printf("(reads) 3 replicas, read policies %s, %d connections%n", POLICIES, s.connections());
        LocalCluster cluster = new LocalCluster(s.cluster(3, jars)
                .withGroup("bench-reads")
                .withReplicaProxyArgs(
                        POLICIES.stream().map(p -> List.of("--read-policy", p)).toList()));
        running.set(cluster);
        try {
            cluster.start();
            seed(cluster.replicas().get(0));
            cluster.awaitQuiescence(Duration.ofSeconds(60));
            // Every replica warms up before the first is measured, so the first policy measured
            // does not pay for the JIT of all three JVMs.
            for (Replica r : cluster.replicas()) {
                new LoadGenerator(gets(r, s.connections(), s.warmup())).run(null, Duration.ofSeconds(1));
            }
            for (int i = 0; i < POLICIES.size(); i++) {
                measure(cluster, i, s, report, out);
            }
        } finally {
            running.set(null);
            cluster.close();
        }
    }

    private static void seed(Replica r) throws IOException {
        try (HttpConnection c = new HttpConnection(r.inbound(), Duration.ofSeconds(10))) {
            int appended = c.send("POST", "/kv/" + Operation.appendKey(0) + "/append", "seed")
                    .status();
            if (appended / 100 != 2) {
                throw new IOException("seeding the append key failed");
            }
            for (int k = 0; k < KEYS; k++) {
                HttpConnection.Response resp = c.send("PUT", "/kv/" + Operation.registerKey(k), "value-" + k);
                if (resp.status() / 100 != 2) {
                    throw new IOException("seeding the keys: PUT answered " + resp.status());
                }
            }
        }
    }

    private static void measure(LocalCluster cluster, int index, BenchSettings s, BenchReport report, PrintStream out)
            throws Exception {
        Replica r = cluster.replicas().get(index);
        String policy = POLICIES.get(index);
        String before = cluster.metrics(r);
        LoadResult result = new LoadGenerator(gets(r, s.connections(), s.duration())).run(null, Duration.ofSeconds(1));
        String after = cluster.metrics(r);
        double ops = result.successes() / (result.elapsed().toNanos() / 1e9);
        Histogram h = result.latencyMicros();
        String note = ClusterPhases.errors(result);
        if (policy.equals("linearizable")) {
            double barriers = delta(before, after, "koordinator_proxy_read_barriers_total");
            double waiters = delta(before, after, "koordinator_proxy_read_barrier_waiters_total");
            note = String.format("%.0f barriers, %.1f reads per barrier; %s", barriers, waiters / barriers, note);
        }
        report.row(
                "GET, " + policy + " read policy, 3 replicas, " + s.connections() + " conns",
                ops,
                h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0,
                note);
        report.figure(policy + "_read_ops", ops);
        out.printf("    %s reads: %.0f GET/s (%s)%n", policy, ops, note);
    }

    private static LoadConfig gets(Replica r, int connections, Duration duration) {
        return LoadConfig.of(List.of(r.inbound()), connections, ClusterPhases.MAX_REQUESTS, duration)
                .withKeys(1, KEYS)
                .withMix(new LoadConfig.Mix(0, 0, 0, 100));
    }

    private static double delta(String before, String after, String name) {
        return PrometheusText.value(after, name) - PrometheusText.value(before, name);
    }
}
