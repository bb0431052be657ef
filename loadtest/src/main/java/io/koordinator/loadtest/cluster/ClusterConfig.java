package io.koordinator.loadtest.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Settings of a {@link LocalCluster}.
 *
 * @param zkServers ZooKeeper servers (a quorum from 3)
 * @param replicas replicas, each a kv-app and a proxy
 * @param group the replicated group's name
 * @param jars where the shaded jars are
 * @param proxyArgs extra flags for every proxy (e.g. {@code --batch-max-delay 1ms})
 * @param jvmOptions options of every child JVM
 * @param proxyJvmOptions options of the proxies' JVMs only, after {@code jvmOptions} (e.g. a
 *     class-data archive of the proxy's jar)
 * @param zkJvmOptions options of the ZooKeeper servers' JVMs only, after {@code jvmOptions} (e.g.
 *     another collector)
 * @param startTimeout how long start-up may take before it fails
 * @param zkProcessPerServer run each ZooKeeper server as a process of its own, so one can be killed
 * @param zkMaxSessionTimeout the longest session ZooKeeper grants; null: its default (20 ticks)
 * @param replicaProxyArgs extra flags for one proxy each, by replica index, after {@code
 *     proxyArgs} (e.g. a read policy per replica); replicas beyond the list get none
 * @param podNamespaces each replica in a network namespace of its own ({@link #withPodNamespaces})
 */
public record ClusterConfig(
        int zkServers,
        int replicas,
        String group,
        Jars jars,
        List<String> proxyArgs,
        List<String> jvmOptions,
        List<String> proxyJvmOptions,
        List<String> zkJvmOptions,
        Duration startTimeout,
        boolean zkProcessPerServer,
        Duration zkMaxSessionTimeout,
        List<List<String>> replicaProxyArgs,
        boolean podNamespaces) {

    public ClusterConfig {
        replicaProxyArgs = replicaProxyArgs.stream().map(List::copyOf).toList();
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(jars, "jars");
        Objects.requireNonNull(startTimeout, "startTimeout");
        proxyArgs = List.copyOf(proxyArgs);
        jvmOptions = List.copyOf(jvmOptions);
        proxyJvmOptions = List.copyOf(proxyJvmOptions);
        zkJvmOptions = List.copyOf(zkJvmOptions);
        if (zkServers < 1 || replicas < 1) {
            throw new IllegalArgumentException("zkServers and replicas must be >= 1");
        }
    }

    /**
     * Options of every child JVM: small heaps and the serial collector, since eight JVMs share a
     * small machine, and the C1 compiler alone ({@code TieredStopAtLevel=1}): with eight
     * JVMs on two cores, C2's compile threads took most of the CPU of a one-minute run, and the
     * replicas reached their steady rate only after it (measured: a cold proxy served 160 req/s in
     * its first 10 s with C2, 767 req/s with C1 alone, and about 1,100 req/s warm either way).
     */
    public static final List<String> DEFAULT_JVM_OPTIONS =
            List.of("-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    public static ClusterConfig of(int zkServers, int replicas, Jars jars) {
        return new ClusterConfig(
                zkServers,
                replicas,
                "kv",
                jars,
                List.of(),
                DEFAULT_JVM_OPTIONS,
                List.of(),
                List.of(),
                Duration.ofSeconds(90),
                false,
                null,
                List.of(),
                false);
    }

    public ClusterConfig withProxyArgs(List<String> v) {
        return with(d -> d.proxyArgs = v);
    }

    public ClusterConfig withJvmOptions(List<String> v) {
        return with(d -> d.jvmOptions = v);
    }

    public ClusterConfig withProxyJvmOptions(List<String> v) {
        return with(d -> d.proxyJvmOptions = v);
    }

    public ClusterConfig withZkJvmOptions(List<String> v) {
        return with(d -> d.zkJvmOptions = v);
    }

    public ClusterConfig withGroup(String v) {
        return with(d -> d.group = v);
    }

    public ClusterConfig withZkProcessPerServer(boolean v) {
        return with(d -> d.zkProcessPerServer = v);
    }

    public ClusterConfig withZkMaxSessionTimeout(Duration v) {
        return with(d -> d.zkMaxSessionTimeout = v);
    }

    public ClusterConfig withReplicaProxyArgs(List<List<String>> v) {
        return with(d -> d.replicaProxyArgs = v);
    }

    /**
     * Runs each replica (its app and its proxy) in a network namespace of its own, as a pod, so a
     * network partition can cut it off ({@link LocalCluster#partition}); needs root, {@code ip}
     * and {@code iptables}.
     */
    public ClusterConfig withPodNamespaces(boolean v) {
        return with(d -> d.podNamespaces = v);
    }

    /** The extra flags of replica {@code index}'s proxy: {@code proxyArgs}, then its own. */
    public List<String> proxyArgsOf(int index) {
        List<String> all = new java.util.ArrayList<>(proxyArgs);
        if (index < replicaProxyArgs.size()) {
            all.addAll(replicaProxyArgs.get(index));
        }
        return all;
    }

    private ClusterConfig with(Consumer<Draft> change) {
        Draft d = new Draft(this);
        change.accept(d);
        return new ClusterConfig(
                d.zkServers,
                d.replicas,
                d.group,
                d.jars,
                d.proxyArgs,
                d.jvmOptions,
                d.proxyJvmOptions,
                d.zkJvmOptions,
                d.startTimeout,
                d.zkProcessPerServer,
                d.zkMaxSessionTimeout,
                d.replicaProxyArgs,
                d.podNamespaces);
    }

    /** The fields of a config being changed by one wither. */
    private static final class Draft {
        int zkServers;
        int replicas;
        String group;
        Jars jars;
        List<String> proxyArgs;
        List<String> jvmOptions;
        List<String> proxyJvmOptions;
        List<String> zkJvmOptions;
        Duration startTimeout;
        boolean zkProcessPerServer;
        Duration zkMaxSessionTimeout;
        List<List<String>> replicaProxyArgs;
        boolean podNamespaces;

        Draft(ClusterConfig c) {
            zkServers = c.zkServers;
            replicas = c.replicas;
            group = c.group;
            jars = c.jars;
            proxyArgs = c.proxyArgs;
            jvmOptions = c.jvmOptions;
            proxyJvmOptions = c.proxyJvmOptions;
            zkJvmOptions = c.zkJvmOptions;
            startTimeout = c.startTimeout;
            zkProcessPerServer = c.zkProcessPerServer;
            zkMaxSessionTimeout = c.zkMaxSessionTimeout;
            replicaProxyArgs = c.replicaProxyArgs;
            podNamespaces = c.podNamespaces;
        }
    }
}
