package io.koordinator.loadtest.load;

import io.koordinator.loadtest.DurationConverter;
import io.koordinator.loadtest.check.CheckReport;
import io.koordinator.loadtest.check.ConsistencyChecker;
import io.koordinator.loadtest.check.ReplicaState;
import io.koordinator.loadtest.demo.Reports;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code load}: the load generator against any targets (proxies or bare apps), optionally
 * followed by the consistency check against the apps behind them.
 */
@Command(
        name = "load",
        mixinStandardHelpOptions = true,
        description = {
            "Drives the kv workload at the targets (proxies' inbound ports or bare kv-apps) and prints",
            "per-target latency and statuses and a percentile table; closed loop by default, open loop",
            "with --rate (latency from the intended send time, corrected for coordinated omission).",
            "With --check-app, then checks those apps' consistency (call it once the replicas are",
            "quiescent: it does not wait)."
        })
public final class LoadCommand implements Callable<Integer> {
    @Option(
            names = "--target",
            split = ",",
            required = true,
            description = "host:port of each target; client i goes to target i mod n.")
    List<String> targets;

    @Option(names = "--connections", defaultValue = "8", description = "Clients, default ${DEFAULT-VALUE}.")
    int connections;

    @Option(
            names = "--rate",
            defaultValue = "0",
            description = "Open loop: requests/s over all connections; 0 (default) for closed loop.")
    double rate;

    @Option(
            names = "--duration",
            defaultValue = "10s",
            description = "Measured window, default ${DEFAULT-VALUE}. Open loop sends every request scheduled in it,"
                    + " so a target slower than --rate runs past it (its backlog counts in the latency).")
    Duration duration;

    @Option(
            names = "--warmup",
            defaultValue = "0s",
            description = "Unmeasured load before the measured run, default ${DEFAULT-VALUE}.")
    Duration warmup;

    @Option(
            names = "--key-distribution",
            defaultValue = "uniform",
            description = "uniform or zipfian (exponent 0.99, key 0 hottest), default ${DEFAULT-VALUE}.")
    String keyDistribution;

    @Option(
            names = "--value-bytes",
            defaultValue = "0",
            description = "Bytes per PUT value and append suffix (0: the bare unique token), default ${DEFAULT-VALUE}.")
    int valueBytes;

    @Option(names = "--hlog", description = "Write the HdrHistogram interval log (.hlog) here.")
    Path hlog;

    @Option(names = "--json", description = "Write the JSON summary here.")
    Path json;

    @Option(names = "--chart", description = "Write the latency-percentile chart here (.png or .svg).")
    Path chart;

    @Option(
            names = "--max-requests",
            defaultValue = "1000000",
            description = "Most requests, default ${DEFAULT-VALUE}.")
    long maxRequests;

    @Option(
            names = "--mix",
            defaultValue = "40,25,10,25",
            split = ",",
            description = "Percent append,put,delete,get; default ${DEFAULT-VALUE}.")
    List<Integer> mix;

    @Option(
            names = "--keys",
            defaultValue = "8,8",
            split = ",",
            description = "Append keys,register keys; default ${DEFAULT-VALUE}.")
    List<Integer> keys;

    @Option(
            names = "--check-app",
            split = ",",
            description = "host:port of each replica's app, to check after the run.")
    List<String> checkApps = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (mix.size() != 4 || keys.size() != 2) {
            System.err.println("load: --mix takes 4 percentages and --keys 2 counts");
            return 2;
        }
        if (chart != null && !chart.toString().matches("(?i).*\\.(png|svg)")) {
            System.err.println("load: --chart must name a .png or .svg file");
            return 2;
        }
        LoadConfig config;
        try {
            config = LoadConfig.of(
                            targets.stream().map(LoadCommand::address).toList(), connections, maxRequests, duration)
                    .withKeys(keys.get(0), keys.get(1))
                    .withMix(new LoadConfig.Mix(mix.get(0), mix.get(1), mix.get(2), mix.get(3)))
                    .withRate(rate)
                    .withWarmup(warmup)
                    .withKeyDistribution(LoadConfig.KeyDistribution.valueOf(keyDistribution.toUpperCase()))
                    .withValueBytes(valueBytes);
        } catch (IllegalArgumentException e) {
            System.err.println("load: " + e.getMessage());
            return 2;
        }
        LoadGenerator generator = new LoadGenerator(config);
        Thread hook = new Thread(generator::stop, "load-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        LoadResult result;
        try (IntervalLog log = hlog == null ? null : new IntervalLog(hlog, config.runId())) {
            result = generator.run(
                    p -> {
                        if (log != null) {
                            log.onProgress(p);
                        }
                        printProgress(p);
                    },
                    Duration.ofSeconds(1));
        }
        Runtime.getRuntime().removeShutdownHook(hook);
        Reports.printTargets(System.out, result, targets);
        LoadReport.printPercentiles(System.out, result);
        if (json != null) {
            LoadReport.writeSummary(json, result);
        }
        if (chart != null) {
            LatencyChart.write(chart, result, "kv load " + config.runId() + ": " + targets.size() + " target(s)");
        }
        System.out.printf(
                "writes: %d acknowledged, %d unknown; run %s over %s%n",
                result.acknowledgedWrites(),
                result.unknownWrites(),
                config.runId(),
                DurationConverter.format(result.elapsed()));
        if (checkApps.isEmpty()) {
            return 0;
        }
        List<ReplicaState> states = new ArrayList<>();
        for (int i = 0; i < checkApps.size(); i++) {
            states.add(ReplicaState.fetch(
                    "replica-" + (i + 1),
                    address(checkApps.get(i)),
                    Reports.workloadKeys(config.appendKeys(), config.registerKeys())));
        }
        CheckReport report = ConsistencyChecker.check(states, result.writes(), config.runId());
        report.problems().forEach(p -> System.out.println("problem: " + p));
        System.out.println(report.summaryLine());
        return report.ok() ? 0 : 1;
    }

    private static void printProgress(LoadGenerator.Progress p) {
        System.out.println(Reports.progress(p) + (p.warmingUp() ? "  (warm-up)" : ""));
    }

    static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("not host:port: " + hostPort);
        }
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
