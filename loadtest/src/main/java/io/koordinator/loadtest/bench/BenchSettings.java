package io.koordinator.loadtest.bench;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The resolved settings of one bench run.
 *
 * @param duration each measured phase
 * @param warmup unmeasured load before each measured phase
 * @param coldStart the cold-start window after {@code /ready}
 * @param passDuration each wrk run of the pass-through comparison
 * @param connections client connections for the ordered phases at saturation and half
 * @param inFlight pipelined ZooKeeper creates in flight
 * @param dataBytes bytes per baseline znode
 * @param replicaCounts replica counts of the ordered phases
 * @param jvmOptions options of every child JVM (ZooKeeper, apps, proxies)
 * @param proxyArgs extra flags of every proxy
 * @param phases the phases to run, of {@link BenchCommand#PHASES}
 */
record BenchSettings(
        Duration duration,
        Duration warmup,
        Duration coldStart,
        Duration passDuration,
        int connections,
        int inFlight,
        int dataBytes,
        List<Integer> replicaCounts,
        List<String> jvmOptions,
        List<String> proxyArgs,
        Set<String> phases) {

    BenchSettings {
        replicaCounts = List.copyOf(replicaCounts);
        jvmOptions = List.copyOf(jvmOptions);
        proxyArgs = List.copyOf(proxyArgs);
        phases = Set.copyOf(phases);
    }

    /** The replica count whose proxies' CPU and RSS are reported: 3 if measured, else the largest. */
    int resourceReplicas() {
        return replicaCounts.contains(3)
                ? 3
                : replicaCounts.stream().mapToInt(i -> i).max().orElse(1);
    }

    boolean runs(String phase) {
        return phases.contains(phase);
    }
}
