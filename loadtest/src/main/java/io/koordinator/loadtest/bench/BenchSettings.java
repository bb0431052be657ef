package io.koordinator.loadtest.bench;

import io.koordinator.loadtest.cluster.ClusterConfig;
import io.koordinator.loadtest.cluster.Jars;
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
 * @param proxyJvmOptions options of the proxies' JVMs only, after {@code jvmOptions}
 * @param zkJvmOptions options of the ZooKeeper servers' JVMs only, after {@code jvmOptions}
 * @param proxyArgs extra flags of every proxy
 * @param phases the phases to run, of {@link BenchCommand#PHASES}
 * @param zkProcessPerServer each ZooKeeper server in a JVM of its own, as an ensemble runs; false
 *     (the default): the three servers in one JVM, whose collections pause the whole quorum at
 *     once, but which on two cores gave the shorter tail
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
        List<String> proxyJvmOptions,
        List<String> zkJvmOptions,
        List<String> proxyArgs,
        Set<String> phases,
        boolean zkProcessPerServer) {

    BenchSettings {
        replicaCounts = List.copyOf(replicaCounts);
        jvmOptions = List.copyOf(jvmOptions);
        proxyJvmOptions = List.copyOf(proxyJvmOptions);
        zkJvmOptions = List.copyOf(zkJvmOptions);
        proxyArgs = List.copyOf(proxyArgs);
        phases = Set.copyOf(phases);
    }

    /** These settings with {@code option} added to the proxies' JVM options. */
    BenchSettings withProxyJvmOption(String option) {
        List<String> options = new java.util.ArrayList<>(proxyJvmOptions);
        options.add(option);
        return new BenchSettings(
                duration,
                warmup,
                coldStart,
                passDuration,
                connections,
                inFlight,
                dataBytes,
                replicaCounts,
                jvmOptions,
                options,
                zkJvmOptions,
                proxyArgs,
                phases,
                zkProcessPerServer);
    }

    /** A cluster of 3 ZooKeeper servers and {@code replicas} replicas, with these JVM options and flags. */
    ClusterConfig cluster(int replicas, Jars jars) {
        return ClusterConfig.of(3, replicas, jars)
                .withJvmOptions(jvmOptions)
                .withZkJvmOptions(zkJvmOptions)
                .withZkProcessPerServer(zkProcessPerServer)
                .withProxyJvmOptions(proxyJvmOptions)
                .withProxyArgs(proxyArgs);
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
