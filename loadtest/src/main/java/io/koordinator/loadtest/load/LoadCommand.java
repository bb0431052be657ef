package io.koordinator.loadtest.load;

import io.koordinator.loadtest.DurationConverter;
import io.koordinator.loadtest.check.CheckReport;
import io.koordinator.loadtest.check.ConsistencyChecker;
import io.koordinator.loadtest.check.ReplicaState;
import io.koordinator.loadtest.demo.Reports;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
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
            "per-target latency and statuses; with --check-app, then checks those apps' consistency",
            "(call it once the replicas are quiescent: it does not wait)."
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

    @Option(names = "--duration", defaultValue = "10s", description = "Longest run, default ${DEFAULT-VALUE}.")
    Duration duration;

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
        LoadConfig config = LoadConfig.of(
                        targets.stream().map(LoadCommand::address).toList(), connections, maxRequests, duration)
                .withKeys(keys.get(0), keys.get(1))
                .withMix(new LoadConfig.Mix(mix.get(0), mix.get(1), mix.get(2), mix.get(3)));
        LoadGenerator generator = new LoadGenerator(config);
        Thread hook = new Thread(generator::stop, "load-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        LoadResult result = generator.run(
                p -> {
                    Histogram h = p.intervalMicros();
                    System.out.printf(
                            "[%3ds] requests %8d  %7.0f req/s  p50 %6s ms  p99 %7s ms%n",
                            p.elapsed().toSeconds(),
                            p.requests(),
                            p.intervalRate(),
                            Reports.ms(h.getValueAtPercentile(50)),
                            Reports.ms(h.getValueAtPercentile(99)));
                },
                Duration.ofSeconds(1));
        Runtime.getRuntime().removeShutdownHook(hook);
        Reports.printTargets(System.out, result, targets);
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

    static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("not host:port: " + hostPort);
        }
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
