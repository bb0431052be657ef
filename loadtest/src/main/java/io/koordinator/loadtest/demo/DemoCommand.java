package io.koordinator.loadtest.demo;

import io.koordinator.loadtest.DurationConverter;
import io.koordinator.loadtest.LoadtestConfigKeys;
import io.koordinator.loadtest.check.CheckReport;
import io.koordinator.loadtest.check.ConsistencyChecker;
import io.koordinator.loadtest.check.ReplicaState;
import io.koordinator.loadtest.cluster.ClusterConfig;
import io.koordinator.loadtest.cluster.Jars;
import io.koordinator.loadtest.cluster.LocalCluster;
import io.koordinator.loadtest.cluster.Replica;
import io.koordinator.loadtest.load.LoadConfig;
import io.koordinator.loadtest.load.LoadGenerator;
import io.koordinator.loadtest.load.LoadResult;
import io.koordinator.sequencer.Positions;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code demo}: a 3-server ZooKeeper ensemble and three replicas (kv-app + proxy, child
 * processes), a mixed load through all three inbound ports with a live progress line, then a
 * summary and the consistency verdict as the last line. Exit code 0 if the replicas are
 * identical and no acknowledged write is lost, 1 otherwise, 2 if the set-up failed.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Starts a 3-server ZooKeeper ensemble and 3 replicas (kv-app + proxy), drives a mixed load",
            "through all three proxies, checks that the replicas are identical and lost nothing."
        })
public final class DemoCommand implements Callable<Integer> {
    @Option(
            names = "--duration",
            description = {
                "Length of the load. Default " + LoadtestConfigKeys.DEMO_DURATION_DEFAULT + ", shortened (to no less",
                "than 10s) when start-up was slow, so that the whole demo stays within about a minute."
            })
    Duration duration;

    @Option(
            names = "--crash",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = {
                "In the middle of the load, kill -9 one replica's proxy, then another's app, then both of a third,",
                "and restart each (default on; --no-crash turns it off)."
            })
    boolean crash;

    @Option(
            names = "--connections",
            defaultValue = LoadtestConfigKeys.DEMO_CONNECTIONS_DEFAULT,
            description = "Concurrent client connections over the three proxies, default ${DEFAULT-VALUE}.")
    int connections;

    @Option(names = "--replicas", defaultValue = "3", description = "Replicas, default ${DEFAULT-VALUE}.")
    int replicas;

    @Option(
            names = "--max-requests",
            defaultValue = "10000000",
            description = "Upper bound of requests, default ${DEFAULT-VALUE}.")
    long maxRequests;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        Jars jars = Jars.locate().requireExisting();
        LocalCluster cluster = new LocalCluster(ClusterConfig.of(3, replicas, jars));
        AtomicReference<LoadGenerator> load = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean interrupted = new java.util.concurrent.atomic.AtomicBoolean();
        Thread hook = new Thread(
                () -> {
                    interrupted.set(true);
                    LoadGenerator g = load.get();
                    if (g != null) {
                        g.stop();
                    }
                    cluster.close();
                },
                "demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            out.printf("starting a 3-server ZooKeeper ensemble and %d replicas (kv-app + proxy each)...%n", replicas);
            long t0 = System.nanoTime();
            try {
                cluster.start();
            } catch (IOException e) {
                if (interrupted.get()) {
                    return 130;
                }
                System.err.println("demo: set-up failed: " + e.getMessage());
                return 2;
            }
            List<Replica> rs = cluster.replicas();
            out.printf("zookeeper: %s%n", cluster.connectString());
            for (Replica r : rs) {
                out.printf(
                        "%s: app 127.0.0.1:%d  proxy inbound 127.0.0.1:%d  admin 127.0.0.1:%d%n",
                        r.name(), r.appPort(), r.listenPort(), r.adminPort());
            }
            Duration startup = Duration.ofNanos(System.nanoTime() - t0);
            Duration loadFor = duration != null ? duration : loadWithinBudget(startup);
            out.printf(
                    "ready in %.1f s; load for %s over %d connections%n",
                    startup.toMillis() / 1000.0, DurationConverter.format(loadFor), connections);

            LoadConfig config = LoadConfig.of(
                            rs.stream().map(Replica::inbound).toList(), connections, maxRequests, loadFor)
                    .withKeys(32, 8);
            LoadGenerator generator = new LoadGenerator(config);
            load.set(generator);
            CrashPhase crashes = crash && rs.size() >= 3 ? CrashPhase.schedule(cluster, loadFor, out) : null;
            LoadResult result;
            try {
                result = generator.run(p -> progress(cluster, p), Duration.ofSeconds(1));
            } finally {
                if (crashes != null) {
                    crashes.finish();
                }
            }
            if (interrupted.get()) {
                out.println("demo: interrupted; stopping every process it started");
                return 130;
            }

            out.println("load done; waiting for every replica to apply the whole log...");
            if (crashes != null) {
                cluster.awaitAllReady(Duration.ofSeconds(120));
            }
            long position = cluster.awaitQuiescence(Duration.ofSeconds(60));
            List<ReplicaState> states = new ArrayList<>();
            List<String> keys = Reports.workloadKeys(config.appendKeys(), config.registerKeys());
            for (Replica r : rs) {
                states.add(ReplicaState.fetch(r.name(), r.appAddress(), keys));
            }
            CheckReport report = ConsistencyChecker.check(states, result.writes(), config.runId());

            out.println();
            Reports.printTargets(out, result, rs.stream().map(Replica::name).toList());
            out.printf(
                    "writes: %d acknowledged, %d unknown, %d checked present; log position %s%n",
                    result.acknowledgedWrites(),
                    result.unknownWrites(),
                    report.acknowledgedChecked(),
                    Positions.format(position));
            for (ReplicaState s : states) {
                out.printf("%-10s digest=%s applied=%d%n", s.name(), s.digest(), s.applied());
            }
            for (String problem : report.problems()) {
                out.println("problem: " + problem);
            }
            out.println(report.summaryLine());
            out.flush();
            return report.ok() ? 0 : 1;
        } finally {
            cluster.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        }
    }

    /**
     * The default load length: {@value LoadtestConfigKeys#DEMO_DURATION_DEFAULT}, less whatever
     * start-up took beyond 25 s (a busy machine), never under 10 s. Leaves about 15 s for the
     * check and the shutdown within a minute.
     */
    static Duration loadWithinBudget(Duration startup) {
        Duration full = DurationConverter.parse(LoadtestConfigKeys.DEMO_DURATION_DEFAULT);
        Duration left = Duration.ofSeconds(45).minus(startup);
        Duration load = left.compareTo(full) < 0 ? left : full;
        return load.compareTo(Duration.ofSeconds(10)) < 0 ? Duration.ofSeconds(10) : load;
    }

    private void progress(LocalCluster cluster, LoadGenerator.Progress p) {
        Histogram h = p.intervalMicros();
        StringBuilder applied = new StringBuilder();
        for (Replica r : cluster.replicas()) {
            String pos;
            try {
                var status = cluster.status(r);
                pos = Positions.format(status.appliedPosition()) + (status.ready() ? "" : " " + status.state());
            } catch (IOException e) {
                pos = "down";
            }
            applied.append(' ').append(r.name()).append('=').append(pos);
        }
        out.printf(
                "[%3ds] requests %8d  %7.0f req/s  p50 %6s ms  p99 %7s ms  applied%s%n",
                p.elapsed().toSeconds(),
                p.requests(),
                p.intervalRate(),
                Reports.ms(h.getValueAtPercentile(50)),
                Reports.ms(h.getValueAtPercentile(99)),
                applied);
        out.flush();
    }
}
