package io.koordinator.loadtest.demo;

import io.koordinator.loadtest.load.LoadGenerator;
import io.koordinator.loadtest.load.LoadResult;
import io.koordinator.loadtest.load.Operation;
import io.koordinator.loadtest.load.TargetStats;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** Tables and number formats shared by the demo and the benchmarks. */
public final class Reports {
    private Reports() {}

    /** Microseconds as milliseconds with two decimals. */
    public static String ms(long micros) {
        return String.format("%.2f", micros / 1000.0);
    }

    /** The start of a live progress line: elapsed time, requests, interval rate, p50 and p99. */
    public static String progress(LoadGenerator.Progress p) {
        Histogram h = p.intervalMicros();
        return String.format(
                "[%3ds] requests %8d  %7.0f req/s  p50 %6s ms  p99 %7s ms",
                p.elapsed().toSeconds(),
                p.requests(),
                p.intervalRate(),
                ms(h.getValueAtPercentile(50)),
                ms(h.getValueAtPercentile(99)));
    }

    /** Per-target requests, outcome counts and latency percentiles. */
    public static void printTargets(PrintStream out, LoadResult result, List<String> names) {
        out.printf("%-10s %9s %9s %9s %9s  %s%n", "replica", "requests", "p50 ms", "p99 ms", "max ms", "statuses");
        for (int i = 0; i < result.targets().size(); i++) {
            TargetStats t = result.targets().get(i);
            Histogram h = t.latencyMicros();
            out.printf(
                    "%-10s %9d %9s %9s %9s  %s%n",
                    names.get(i),
                    t.requests(),
                    ms(h.getValueAtPercentile(50)),
                    ms(h.getValueAtPercentile(99)),
                    ms(h.getMaxValue()),
                    statuses(t.outcomes()));
        }
        Histogram all = result.latencyMicros();
        out.printf(
                "%-10s %9d %9s %9s %9s  %.0f req/s over %.1f s%n",
                "all",
                result.requests(),
                ms(all.getValueAtPercentile(50)),
                ms(all.getValueAtPercentile(99)),
                ms(all.getMaxValue()),
                result.throughput(),
                result.elapsed().toMillis() / 1000.0);
    }

    static String statuses(Map<String, Long> outcomes) {
        List<String> parts = new ArrayList<>();
        outcomes.forEach((k, v) -> parts.add(k + ":" + v));
        return String.join(" ", parts);
    }

    /** Every workload key of a run. */
    public static List<String> workloadKeys(int appendKeys, int registerKeys) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < appendKeys; i++) {
            keys.add(Operation.appendKey(i));
        }
        for (int i = 0; i < registerKeys; i++) {
            keys.add(Operation.registerKey(i));
        }
        return keys;
    }
}
