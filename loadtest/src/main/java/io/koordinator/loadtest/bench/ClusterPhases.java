package io.koordinator.loadtest.bench;

import io.koordinator.loadtest.DurationConverter;
import io.koordinator.loadtest.cluster.LocalCluster;
import io.koordinator.loadtest.cluster.Replica;
import io.koordinator.loadtest.load.LoadConfig;
import io.koordinator.loadtest.load.LoadGenerator;
import io.koordinator.loadtest.load.LoadResult;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The phases that run on one started {@link LocalCluster}: cold starts (of the new group, and of
 * a proxy restarted in the warm group), ordered PUTs at saturation
 * (with the proxies' own CPU time and RSS), at half of saturation in open loop, and one sequential
 * client. The workload is ordered PUTs of small unique values on 64 keys.
 */
final class ClusterPhases {
    private static final String ENTRIES_SUM = "koordinator_proxy_commands_per_entry_sum";
    private static final String ENTRIES_COUNT = "koordinator_proxy_commands_per_entry_count";
    private static final Duration APP_WARMUP = Duration.ofSeconds(3);
    /** Unmeasured open-loop load at the half rate before that phase is measured. */
    static final Duration HALF_SETTLE = Duration.ofSeconds(5);
    /** Every phase is bounded by its time and by this many requests, far above what it reaches. */
    static final long MAX_REQUESTS = 10_000_000;

    private final LocalCluster cluster;
    private final BenchSettings settings;
    private final BenchReport report;
    private final PrintStream out;
    private final int replicas;
    private final String name;

    ClusterPhases(LocalCluster cluster, BenchSettings settings, BenchReport report, PrintStream out) {
        this.cluster = cluster;
        this.settings = settings;
        this.report = report;
        this.out = out;
        this.replicas = cluster.replicas().size();
        this.name = "ordered PUT, " + replicas + (replicas == 1 ? " replica" : " replicas");
    }

    private LoadConfig load(int connections, Duration duration) {
        return LoadConfig.of(
                        cluster.replicas().stream().map(Replica::inbound).toList(), connections, MAX_REQUESTS, duration)
                .withKeys(1, 64)
                .withMix(new LoadConfig.Mix(0, 100, 0, 0));
    }

    /**
     * The cold start of a new group: closed-loop load from the moment every proxy of the just
     * started cluster is ready (after 3 s of reads straight to the apps, which warm the apps and
     * this JVM but not the proxies, nor ZooKeeper's write path): requests per second in each second
     * of the window, and the rate of the first 5 s.
     *
     * @return requests per second over the first 5 s
     */
    double coldStart() throws InterruptedException {
        // Warm this JVM's client code and the apps first with reads straight to the apps (no
        // writes: they would bypass the log), so the window measures cold proxies.
        new LoadGenerator(LoadConfig.of(
                                cluster.replicas().stream()
                                        .map(Replica::appAddress)
                                        .toList(),
                                settings.connections(),
                                MAX_REQUESTS,
                                APP_WARMUP)
                        .withKeys(1, 64)
                        .withMix(new LoadConfig.Mix(0, 0, 0, 100)))
                .run(null, Duration.ofSeconds(1));
        return coldWindow("new group: proxies and ZooKeeper cold");
    }

    /**
     * The cold start of a new proxy in a warm group, as after a proxy restart or a rolling upgrade:
     * once the cluster is quiescent, replica 0's proxy is killed and started again (a new JVM,
     * resuming from its checkpoint) while ZooKeeper, the apps and this JVM stay warm; then the same
     * window as {@link #coldStart()} from its {@code /ready}.
     *
     * @return requests per second over the first 5 s
     */
    double restartedProxyColdStart() throws IOException, InterruptedException {
        cluster.awaitQuiescence(Duration.ofSeconds(60));
        cluster.killProxy(0);
        cluster.restartProxy(0);
        cluster.awaitAllReady(cluster.config().startTimeout());
        return coldWindow("restarted proxy, group warm");
    }

    private double coldWindow(String what) throws InterruptedException {
        out.printf(
                "    cold start (%s): %s of load from /ready%n", what, DurationConverter.format(settings.coldStart()));
        List<Long> perSecond = new ArrayList<>();
        long[] firstFive = {-1};
        new LoadGenerator(load(settings.connections(), settings.coldStart()))
                .run(
                        p -> {
                            perSecond.add(Math.round(p.intervalRate()));
                            if (firstFive[0] < 0 && p.elapsed().toMillis() >= 5000) {
                                firstFive[0] = p.requests();
                            }
                        },
                        Duration.ofSeconds(1));
        report.note("cold start, " + what + ", " + name + ", req/s in each second after /ready: " + perSecond);
        return firstFive[0] < 0 ? Double.NaN : firstFive[0] / 5.0;
    }

    /** Unmeasured load so the JVMs' compilers settle. */
    void warmUp() throws InterruptedException {
        new LoadGenerator(load(settings.connections(), settings.warmup())).run(null, Duration.ofSeconds(1));
    }

    /**
     * Closed loop at {@code connections}: the saturated rate, batching, and each proxy's CPU time
     * and RSS over the run.
     *
     * @return ordered (2xx) requests per second
     */
    double saturation() throws IOException, InterruptedException {
        List<Replica> rs = cluster.replicas();
        String metrics0 = cluster.metrics(rs.get(0));
        List<ProcStats> before = new ArrayList<>();
        for (Replica r : rs) {
            before.add(ProcStats.of(r.proxy().pid()));
        }
        LoadResult result =
                new LoadGenerator(load(settings.connections(), settings.duration())).run(null, Duration.ofSeconds(1));
        double wall = result.elapsed().toNanos() / 1e9;
        double cpu = 0;
        double jit = 0;
        long rss = 0;
        for (int i = 0; i < rs.size(); i++) {
            ProcStats after = ProcStats.of(rs.get(i).proxy().pid());
            cpu += after.cpuSeconds() - before.get(i).cpuSeconds();
            jit += after.jitSeconds() - before.get(i).jitSeconds();
            rss = Math.max(rss, after.rssBytes());
        }
        cluster.awaitQuiescence(Duration.ofSeconds(60));
        String metrics1 = cluster.metrics(rs.get(0));
        double perEntry = (PrometheusText.value(metrics1, ENTRIES_SUM) - PrometheusText.value(metrics0, ENTRIES_SUM))
                / (PrometheusText.value(metrics1, ENTRIES_COUNT) - PrometheusText.value(metrics0, ENTRIES_COUNT));
        double ops = result.successes() / wall;
        double vcpuPerProxy = cpu / rs.size() / wall;
        double vcpuPer1k = ops > 0 ? vcpuPerProxy / (ops / 1000) : Double.NaN;
        double jitPerProxy = jit / rs.size() / wall;
        double rssMib = rss / (1024.0 * 1024.0);
        Histogram h = result.latencyMicros();
        report.row(
                name + ", " + settings.connections() + " conns, saturation",
                ops,
                h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0,
                String.format(
                        "%.1f cmds/entry; proxy %.2f vCPU (JIT %.2f), %.3f vCPU per 1k req/s, RSS %.0f MiB; %s",
                        perEntry, vcpuPerProxy, jitPerProxy, vcpuPer1k, rssMib, errors(result)));
        out.printf("    saturation: %.0f ordered req/s, %.1f commands per entry%n", ops, perEntry);
        report.figure("ordered_" + replicas + "_ops", ops);
        if (replicas == settings.resourceReplicas()) {
            report.figure("proxy_vcpu_per_1k_ordered", vcpuPer1k);
            report.figure("proxy_rss_mib", rssMib);
            // the unit: megabytes (10^6 bytes) per thousand ordered req/s of the group
            report.figure("proxy_rss_mb_per_1k_ordered", ops > 0 ? rss / 1e6 / (ops / 1000) : Double.NaN);
        }
        return ops;
    }

    /**
     * Open loop at half the saturated rate: latency from the intended send time, measured after
     * {@link #HALF_SETTLE} at that rate. The saturated phase before it leaves every replica with a
     * backlog (requests parked, entries not yet delivered); measured from its first second, the
     * phase would report the drain of that backlog as its own tail.
     */
    void halfSaturation(double saturated) throws InterruptedException {
        double rate = saturated / 2;
        if (rate < 1) {
            report.note(name + ": half saturation skipped, the saturated rate was " + saturated);
            return;
        }
        LoadResult result = new LoadGenerator(load(settings.connections(), settings.duration())
                        .withRate(rate)
                        .withWarmup(HALF_SETTLE))
                .run(null, Duration.ofSeconds(1));
        Histogram h = result.latencyMicros();
        Histogram u = result.uncorrectedLatencyMicros();
        double p50 = h.getValueAtPercentile(50) / 1000.0;
        double p99 = h.getValueAtPercentile(99) / 1000.0;
        report.row(
                name + String.format(", open loop at %.0f/s (half)", rate),
                result.successes() / (result.elapsed().toNanos() / 1e9),
                p50,
                p99,
                String.format(
                        "corrected; uncorrected p50 %.2f p99 %.2f ms; %d sent a slot late; %s",
                        u.getValueAtPercentile(50) / 1000.0,
                        u.getValueAtPercentile(99) / 1000.0,
                        result.lateRequests(),
                        errors(result)));
        if (replicas == 3) {
            report.figure("ordered_3_half_p50_ms", p50);
            report.figure("ordered_3_half_p99_ms", p99);
        }
    }

    /** One sequential client: latency with no queueing. */
    void oneClient() throws InterruptedException {
        LoadResult result = new LoadGenerator(load(1, settings.duration())).run(null, Duration.ofSeconds(1));
        Histogram h = result.latencyMicros();
        double p50 = h.getValueAtPercentile(50) / 1000.0;
        report.row(
                name + ", 1 sequential client",
                result.successes() / (result.elapsed().toNanos() / 1e9),
                p50,
                h.getValueAtPercentile(99) / 1000.0,
                errors(result));
        if (replicas == 3) {
            report.figure("ordered_3_idle_p50_ms", p50);
        }
    }

    static String errors(LoadResult result) {
        Map<String, Long> errors = result.errors();
        long not2xx = result.requests() - result.successes();
        if (not2xx == 0) {
            return "all 2xx";
        }
        return not2xx + " not 2xx" + (errors.isEmpty() ? "" : " " + errors);
    }
}
