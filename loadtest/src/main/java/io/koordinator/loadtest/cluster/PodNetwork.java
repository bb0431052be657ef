package io.koordinator.loadtest.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One network namespace per replica, as pods on a bridge, for a {@link LocalCluster} whose
 * replicas must be cut off the network one at a time. The bridge lives in a namespace of its own;
 * the root namespace (ZooKeeper, the clients, the checks) joins it through one veth and owns the
 * bridge subnet's {@code .1}; replica {@code i} is {@code .(10+i)}. Addresses come from
 * 198.19.0.0/16 (part of the RFC 2544 benchmarking range), a /24 that the root namespace does not
 * use yet.
 *
 * <p>{@link #cut} drops, inside one replica's namespace, every packet to or from its peers and to
 * or from the ZooKeeper client ports: a partition that leaves the replica reachable by its clients
 * and by the run's own checks, the case where a stale answer could leak. {@link #restore} lifts it.
 * The rules live in a chain of the namespace's own filter table, so nothing outside the namespace
 * changes.
 *
 * <p>{@link #close()} removes every namespace and link it made; namespaces of an earlier run whose
 * process is gone are removed before a new network is built. Not thread-safe: one owner calls it.
 */
final class PodNetwork implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PodNetwork.class);
    /** Namespace names start with this, then the owning JVM's pid. */
    private static final String NAMESPACE_PREFIX = "koordch-";
    /** The root namespace's end of the uplink: {@code kch<pid>x<n>}, at most 15 characters. */
    private static final String LINK_PREFIX = "kch";

    private static final String CHAIN = "KOORD-PARTITION";
    private static final AtomicInteger NETWORKS = new AtomicInteger();

    private final String name;
    private final String bridgeNamespace;
    private final String uplink;
    private final String subnet;
    private final List<String> namespaces = new ArrayList<>();
    private boolean closed;

    private PodNetwork(int index, String subnet) {
        long pid = ProcessHandle.current().pid();
        this.name = NAMESPACE_PREFIX + pid + "-" + index;
        this.bridgeNamespace = name + "-br";
        this.uplink = LINK_PREFIX + pid + "x" + index;
        this.subnet = subnet;
    }

    /** Why pod namespaces cannot be made here (not root, a tool missing), or empty if they can. */
    static Optional<String> unavailable() {
        try {
            if (!run("id", "-u").strip().equals("0")) {
                return Optional.of("network namespaces need root");
            }
            for (String tool : List.of("ip", "iptables")) {
                if (!onPath(tool)) {
                    return Optional.of("the '" + tool + "' command is missing (apt-get install "
                            + (tool.equals("ip") ? "iproute2" : "iptables") + ")");
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** Builds the bridge, the uplink and {@code pods} namespaces, each with its partition chain. */
    static PodNetwork create(int pods) throws IOException {
        removeLeftovers();
        int index = NETWORKS.getAndIncrement();
        PodNetwork n = new PodNetwork(index, freeSubnet(index));
        try {
            n.build(pods);
            return n;
        } catch (IOException | RuntimeException e) {
            n.close();
            throw e;
        }
    }

    private void build(int pods) throws IOException {
        run("ip", "netns", "add", bridgeNamespace);
        namespaces.add(bridgeNamespace);
        run("ip", "-n", bridgeNamespace, "link", "set", "lo", "up");
        run("ip", "-n", bridgeNamespace, "link", "add", "br0", "type", "bridge");
        run("ip", "-n", bridgeNamespace, "link", "set", "br0", "up");
        run("ip", "link", "add", uplink, "type", "veth", "peer", "name", "uplink", "netns", bridgeNamespace);
        run("ip", "-n", bridgeNamespace, "link", "set", "uplink", "master", "br0", "up");
        run("ip", "addr", "add", hostAddress() + "/24", "dev", uplink);
        run("ip", "link", "set", uplink, "up");
        for (int i = 0; i < pods; i++) {
            String ns = name + "-r" + (i + 1);
            String link = "r" + (i + 1);
            run("ip", "netns", "add", ns);
            namespaces.add(ns);
            run("ip", "-n", bridgeNamespace, "link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", ns);
            run("ip", "-n", bridgeNamespace, "link", "set", link, "master", "br0", "up");
            run("ip", "-n", ns, "addr", "add", address(i) + "/24", "dev", "eth0");
            run("ip", "-n", ns, "link", "set", "eth0", "up");
            // the proxy reaches its app on 127.0.0.1
            run("ip", "-n", ns, "link", "set", "lo", "up");
            iptables(i, "-N", CHAIN);
            iptables(i, "-I", "INPUT", "1", "-j", CHAIN);
            iptables(i, "-I", "OUTPUT", "1", "-j", CHAIN);
        }
        log.info("{}: {} pod namespaces on {}0/24, the root namespace at {}", name, pods, subnet, hostAddress());
    }

    /** The root namespace's address on the bridge: ZooKeeper listens there, pods reach it there. */
    String hostAddress() {
        return subnet + "1";
    }

    /** Replica {@code index}'s address (0-based). */
    String address(int index) {
        return subnet + (10 + index);
    }

    /** The command prefix that runs a program in replica {@code index}'s namespace ({@code ip netns exec} execs it). */
    List<String> exec(int index) {
        return List.of("ip", "netns", "exec", namespaces.get(index + 1));
    }

    /**
     * Cuts replica {@code index} off its peers and off the ZooKeeper servers at {@code zkPorts} on
     * the root namespace's address: every packet either way is dropped, as a partition would lose
     * it. Its clients still reach it.
     */
    void cut(int index, List<Integer> zkPorts) throws IOException {
        for (int peer = 0; peer < namespaces.size() - 1; peer++) {
            if (peer != index) {
                iptables(index, "-A", CHAIN, "-s", address(peer), "-j", "DROP");
                iptables(index, "-A", CHAIN, "-d", address(peer), "-j", "DROP");
            }
        }
        for (int port : zkPorts) {
            String p = Integer.toString(port);
            iptables(index, "-A", CHAIN, "-p", "tcp", "-s", hostAddress(), "--sport", p, "-j", "DROP");
            iptables(index, "-A", CHAIN, "-p", "tcp", "-d", hostAddress(), "--dport", p, "-j", "DROP");
        }
        log.info("{}: replica-{} cut off its peers and ZooKeeper", name, index + 1);
    }

    /** Lifts {@link #cut}. */
    void restore(int index) throws IOException {
        iptables(index, "-F", CHAIN);
        log.info("{}: replica-{} reconnected", name, index + 1);
    }

    private void iptables(int index, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(exec(index));
        cmd.addAll(List.of("iptables", "-w", "5"));
        cmd.addAll(List.of(args));
        run(cmd);
    }

    /** Kills what still runs in the namespaces, removes them and the uplink. Idempotent, never throws. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            removeNamespace(namespaces.get(i));
        }
        quietly("ip", "link", "del", uplink);
        log.info("{}: removed", name);
    }

    /** A 198.19.N.0/24 (N from 1) that no address of the root namespace is in. */
    private static String freeSubnet(int index) throws IOException {
        String inUse = run("ip", "-o", "-4", "addr", "show");
        long start = ProcessHandle.current().pid() + 37L * index;
        for (int i = 0; i < 254; i++) {
            String prefix = "198.19." + (1 + (start + i) % 254) + ".";
            if (!inUse.contains(" " + prefix)) {
                return prefix;
            }
        }
        throw new IOException("no free /24 in 198.19.0.0/16 for the pod namespaces");
    }

    /** Removes the namespaces and links of earlier runs whose JVM is gone. */
    private static void removeLeftovers() throws IOException {
        for (String line : run("ip", "netns", "list").lines().toList()) {
            String ns = line.split("\\s+")[0];
            if (ns.startsWith(NAMESPACE_PREFIX) && ownerGone(ns.substring(NAMESPACE_PREFIX.length()))) {
                log.warn("removing network namespace {} left by an earlier run", ns);
                removeNamespace(ns);
            }
        }
        for (String line : run("ip", "-o", "link", "show").lines().toList()) {
            String[] fields = line.split(":\\s+", 3);
            String link = fields.length < 2 ? "" : fields[1].split("@")[0];
            if (link.startsWith(LINK_PREFIX) && ownerGone(link.substring(LINK_PREFIX.length()))) {
                log.warn("removing link {} left by an earlier run", link);
                quietly("ip", "link", "del", link);
            }
        }
    }

    /** {@code rest} starts with a pid: true if that process is gone. */
    private static boolean ownerGone(String rest) {
        int end = 0;
        while (end < rest.length() && Character.isDigit(rest.charAt(end))) {
            end++;
        }
        return end > 0
                && ProcessHandle.of(Long.parseLong(rest.substring(0, end)))
                        .map(p -> !p.isAlive())
                        .orElse(true);
    }

    private static void removeNamespace(String ns) {
        try {
            run("ip", "netns", "pids", ns)
                    .lines()
                    .map(String::strip)
                    .filter(s -> !s.isEmpty())
                    .forEach(pid -> ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly));
        } catch (IOException e) {
            // no such namespace any more
        }
        quietly("ip", "netns", "del", ns);
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv()
                .getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
                .split(":")) {
            if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    private static void quietly(String... cmd) {
        try {
            run(cmd);
        } catch (IOException e) {
            log.debug("{}: {}", String.join(" ", cmd), e.getMessage());
        }
    }

    private static String run(String... cmd) throws IOException {
        return run(List.of(cmd));
    }

    /** Runs a short command to its end (at most 30 s); its stdout, or an IOException with its output. */
    private static String run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        // every command here is short and bounded (iptables waits at most 5 s for its lock)
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish within 30 s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", cmd) + " interrupted");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + out.strip());
        }
        return out;
    }
}
