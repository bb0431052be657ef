package io.koordinator.loadtest.bench;

import io.koordinator.loadtest.DurationConverter;
import io.koordinator.loadtest.cluster.ChildProcess;
import io.koordinator.loadtest.cluster.ClusterConfig;
import io.koordinator.loadtest.cluster.Jars;
import io.koordinator.loadtest.cluster.LocalCluster;
import io.koordinator.loadtest.cluster.Replica;
import io.koordinator.loadtest.demo.Reports;
import io.koordinator.loadtest.load.LoadConfig;
import io.koordinator.loadtest.load.LoadGenerator;
import io.koordinator.loadtest.load.LoadResult;
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
 * {@code bench}: in one run, (a) the raw ZooKeeper baseline on a fresh 3-server ensemble with
 * fsync on: synchronous creates from one client, and pipelined asynchronous creates; (b) ordered
 * requests per second at saturation through the proxy with 1 and with 3 replicas; (c) the average
 * commands per log entry. Prints one table with each rate's ratio to the pipelined create rate.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "Raw ZooKeeper create rates (sync, pipelined) on a fresh 3-server ensemble, then ordered",
            "requests/s through the proxy with 1 and 3 replicas, commands per entry, and the ratios."
        })
public final class BenchCommand implements Callable<Integer> {
    private static final String ENTRIES_SUM = "koordinator_proxy_commands_per_entry_sum";
    private static final String ENTRIES_COUNT = "koordinator_proxy_commands_per_entry_count";

    @Option(names = "--duration", defaultValue = "15s", description = "Each measured phase, default ${DEFAULT-VALUE}.")
    Duration duration;

    @Option(
            names = "--warmup",
            defaultValue = "10s",
            description = "Unmeasured load before each phase (the JVMs' compilers settle), default ${DEFAULT-VALUE}.")
    Duration warmup;

    @Option(
            names = "--connections",
            defaultValue = "64",
            description = "Client connections for the proxy phases, default ${DEFAULT-VALUE}.")
    int connections;

    @Option(
            names = "--in-flight",
            defaultValue = "100",
            description = "Pipelined creates in flight, default ${DEFAULT-VALUE}.")
    int inFlight;

    @Option(
            names = "--data-bytes",
            defaultValue = "128",
            description = "Bytes per baseline znode, default ${DEFAULT-VALUE}.")
    int dataBytes;

    @Option(
            names = "--replicas",
            split = ",",
            defaultValue = "1,3",
            description = "Replica counts of the proxy phases, default ${DEFAULT-VALUE}.")
    List<Integer> replicaCounts;

    @Option(
            names = "--proxy-arg",
            description = "Extra flag for every proxy, repeatable, e.g. --proxy-arg=--batch-max-delay=1ms.")
    List<String> proxyArgs = new ArrayList<>();

    private final PrintStream out = System.out;

    private record Row(String scenario, BenchResult result, double commandsPerEntry, String note) {}

    @Override
    public Integer call() throws Exception {
        Jars jars = Jars.locate().requireExisting();
        AtomicReference<AutoCloseable> running = new AtomicReference<>();
        Thread hook = new Thread(() -> closeQuietly(running.get()), "bench-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        List<Row> rows = new ArrayList<>();
        try {
            baseline(jars, running, rows);
            for (int n : replicaCounts) {
                proxyPhase(jars, n, running, rows);
            }
        } finally {
            closeQuietly(running.getAndSet(null));
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        }
        printTable(rows);
        return 0;
    }

    private void baseline(Jars jars, AtomicReference<AutoCloseable> running, List<Row> rows) throws Exception {
        out.println("(a) raw ZooKeeper: fresh 3-server ensemble, fsync on");
        try (ChildProcess zk = ChildProcess.java(
                "zookeeper",
                ClusterConfig.DEFAULT_JVM_OPTIONS,
                jars.loadtest().toString(),
                List.of("zookeeper", "--servers", "3"))) {
            running.set(zk);
            String connect = zk.awaitLine(Duration.ofSeconds(90));
            if (connect == null) {
                throw new IOException("the ZooKeeper ensemble did not start: " + zk.stderrTail());
            }
            try (ZkBaseline b = new ZkBaseline(connect, dataBytes)) {
                b.syncCreates("/bench-warmup", warmup);
                BenchResult sync = b.syncCreates("/bench-sync", duration);
                out.printf("    sync creates: %.0f/s%n", sync.rate());
                rows.add(new Row("zookeeper create, 1 client, synchronous", sync, Double.NaN, dataBytes + " B znodes"));
                BenchResult piped = b.pipelinedCreates("/bench-async", duration, inFlight);
                out.printf("    pipelined creates: %.0f/s%n", piped.rate());
                rows.add(new Row(
                        "zookeeper create, 1 client, " + inFlight + " in flight",
                        piped,
                        Double.NaN,
                        dataBytes + " B znodes"));
            }
        }
    }

    private void proxyPhase(Jars jars, int replicas, AtomicReference<AutoCloseable> running, List<Row> rows)
            throws Exception {
        out.printf("(b) ordered PUTs through the proxy, %d replica(s), %d connections%n", replicas, connections);
        LocalCluster cluster = new LocalCluster(ClusterConfig.of(3, replicas, jars)
                .withGroup("bench-" + replicas)
                .withProxyArgs(proxyArgs));
        running.set(cluster);
        try {
            cluster.start();
            List<Replica> rs = cluster.replicas();
            LoadConfig base = LoadConfig.of(
                            rs.stream().map(Replica::inbound).toList(), connections, Long.MAX_VALUE, warmup)
                    .withKeys(1, 64)
                    .withMix(new LoadConfig.Mix(0, 100, 0, 0));
            new LoadGenerator(base).run(null, Duration.ofSeconds(1));
            double sum0 = PrometheusText.value(cluster.metrics(rs.get(0)), ENTRIES_SUM);
            double count0 = PrometheusText.value(cluster.metrics(rs.get(0)), ENTRIES_COUNT);
            LoadConfig measured = LoadConfig.of(base.targets(), connections, Long.MAX_VALUE, duration)
                    .withKeys(1, 64)
                    .withMix(base.mix());
            LoadResult result = new LoadGenerator(measured).run(null, Duration.ofSeconds(1));
            cluster.awaitQuiescence(Duration.ofSeconds(60));
            String metrics = cluster.metrics(rs.get(0));
            double perEntry = (PrometheusText.value(metrics, ENTRIES_SUM) - sum0)
                    / (PrometheusText.value(metrics, ENTRIES_COUNT) - count0);
            long ok = result.targets().stream()
                    .mapToLong(t -> t.outcomes().entrySet().stream()
                            .filter(e -> e.getKey().startsWith("2"))
                            .mapToLong(java.util.Map.Entry::getValue)
                            .sum())
                    .sum();
            BenchResult r = new BenchResult(ok, result.elapsed(), result.latencyMicros());
            out.printf("    %.0f ordered req/s, %.1f commands per entry%n", r.rate(), perEntry);
            String errors = result.requests() == ok ? "all 2xx" : (result.requests() - ok) + " not 2xx";
            rows.add(new Row(
                    "proxy ordered PUT, " + replicas + " replica(s), " + connections + " conns", r, perEntry, errors));
        } finally {
            running.set(null);
            cluster.close();
        }
    }

    private void printTable(List<Row> rows) {
        double pipelined = rows.stream()
                .filter(r -> r.scenario().contains("in flight"))
                .mapToDouble(r -> r.result().rate())
                .findFirst()
                .orElse(Double.NaN);
        out.println();
        out.printf(
                "| %-44s | %9s | %8s | %8s | %11s | %12s | %s |%n",
                "scenario", "ops/s", "p50 ms", "p99 ms", "cmds/entry", "x pipelined", "note");
        out.printf(
                "|%s|%s|%s|%s|%s|%s|%s|%n",
                "-".repeat(46), "-".repeat(11), "-".repeat(10), "-".repeat(10), "-".repeat(13), "-".repeat(14), "---");
        for (Row row : rows) {
            Histogram h = row.result().latencyMicros();
            out.printf(
                    "| %-44s | %9.0f | %8s | %8s | %11s | %12s | %s |%n",
                    row.scenario(),
                    row.result().rate(),
                    Reports.ms(h.getValueAtPercentile(50)),
                    Reports.ms(h.getValueAtPercentile(99)),
                    Double.isNaN(row.commandsPerEntry()) ? "-" : String.format("%.1f", row.commandsPerEntry()),
                    String.format("%.2f", row.result().rate() / pipelined),
                    row.note());
        }
        out.printf(
                "measured %s per phase after %s warm-up; %d cores%n",
                DurationConverter.format(duration),
                DurationConverter.format(warmup),
                Runtime.getRuntime().availableProcessors());
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // closing anyway
        }
    }
}
