package io.koordinator.loadtest.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Network namespaces as pods on one bridge, reachable from the root namespace; see the package description
 * for the topology. Every namespace, veth and child process it creates is removed by {@link #close()}, which
 * also runs from a shutdown hook if the JVM is stopped mid-test. Leftovers of a crashed earlier run (their
 * owning JVM is gone) are removed before a new lab is built.
 */
final class NetnsLab implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NetnsLab.class);

    /** Every namespace name starts with this, then the owning JVM's pid. */
    static final String NAMESPACE_PREFIX = "koordit-";
    /** The root-namespace end of the lab's uplink veth: kdit&lt;pid&gt;x&lt;k&gt; (at most 15 characters). */
    static final String LINK_PREFIX = "kdit";

    private static final AtomicInteger LABS = new AtomicInteger();

    /**
     * One simulated pod, dual-stack.
     *
     * @param address its IPv4 address, 198.18.N.(10 + index)
     * @param address6 its IPv6 address, fd00:198:18:N::(10 + index), a unique local address (RFC 4193)
     */
    record Pod(int index, String name, String namespace, String address, String address6) {

        /** The address as a URI host: {@code 198.18.N.10} or {@code [fd00:198:18:N::10]}. */
        String uriHost(boolean ipv6) {
            return ipv6 ? "[" + address6 + "]" : address;
        }
    }

    private final String name;
    private final String bridgeNamespace;
    private final String uplink;
    private final String subnetPrefix;
    private final String subnet6Prefix;
    private final Path logDir;
    private final List<Pod> pods = new ArrayList<>();
    private final List<ChildProcess> children = new ArrayList<>();
    private final Thread shutdownHook;
    private boolean closed;

    private NetnsLab(int labIndex, int subnet, Path logDir) {
        long pid = ProcessHandle.current().pid();
        this.name = NAMESPACE_PREFIX + pid + "-" + labIndex;
        this.bridgeNamespace = name + "-br";
        this.uplink = LINK_PREFIX + pid + "x" + labIndex;
        this.subnetPrefix = "198.18." + subnet + ".";
        this.subnet6Prefix = "fd00:198:18:" + subnet + "::";
        this.logDir = logDir.resolve(name);
        this.shutdownHook = new Thread(this::close, name + "-cleanup");
    }

    /**
     * Skips the calling test loudly unless it runs as root; fails if {@code ip}, {@code iptables} or {@code
     * ip6tables} is missing (scripts/test installs them when it runs as root).
     */
    static void assumeRootWithTools() {
        boolean root = "0".equals(Shell.run("id", "-u").stdout().strip());
        if (!root) {
            LOG.warn("SKIPPED: pod tests in network namespaces need root (CI runs them as root)");
        }
        assumeTrue(root, "SKIPPED LOUDLY: pod tests in network namespaces need root (CI runs them as root)");
        assertThat(Shell.onPath("ip"))
                .as("the 'ip' command (package iproute2) is needed for the network-namespace tests")
                .isTrue();
        for (String iptables : List.of("iptables", "ip6tables")) {
            assertThat(Shell.onPath(iptables))
                    .as("the '%s' command (package iptables) is needed for the network-namespace tests", iptables)
                    .isTrue();
        }
    }

    /** Builds the bridge, the uplink from the root namespace and {@code podCount} pods. */
    static NetnsLab create(int podCount, Path logDir) {
        cleanLeftovers();
        int labIndex = LABS.getAndIncrement();
        NetnsLab lab = new NetnsLab(labIndex, freeSubnet(labIndex), logDir);
        Runtime.getRuntime().addShutdownHook(lab.shutdownHook);
        try {
            lab.build(podCount);
            return lab;
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    private void build(int podCount) {
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ip("netns", "add", bridgeNamespace);
        ip("-n", bridgeNamespace, "link", "set", "lo", "up");
        ip("-n", bridgeNamespace, "link", "add", "br0", "type", "bridge");
        ip("-n", bridgeNamespace, "link", "set", "br0", "up");
        ip("link", "add", uplink, "type", "veth", "peer", "name", "uplink", "netns", bridgeNamespace);
        ip("-n", bridgeNamespace, "link", "set", "uplink", "master", "br0", "up");
        ip("addr", "add", hostAddress() + "/24", "dev", uplink);
        // nodad: the address is usable at once, without the second of duplicate address detection
        ip("addr", "add", subnet6Prefix + "1/64", "dev", uplink, "nodad");
        ip("link", "set", uplink, "up");
        for (int i = 0; i < podCount; i++) {
            Pod pod = new Pod(i, "pod" + i, name + "-pod" + i, subnetPrefix + (10 + i), subnet6Prefix + (10 + i));
            ip("netns", "add", pod.namespace());
            ip(
                    "-n",
                    bridgeNamespace,
                    "link",
                    "add",
                    pod.name(),
                    "type",
                    "veth",
                    "peer",
                    "name",
                    "eth0",
                    "netns",
                    pod.namespace());
            ip("-n", bridgeNamespace, "link", "set", pod.name(), "master", "br0", "up");
            ip("-n", pod.namespace(), "addr", "add", pod.address() + "/24", "dev", "eth0");
            ip("-n", pod.namespace(), "addr", "add", pod.address6() + "/64", "dev", "eth0", "nodad");
            ip("-n", pod.namespace(), "link", "set", "eth0", "up");
            // The proxy reaches the app on 127.0.0.1: loopback must be up in every pod.
            ip("-n", pod.namespace(), "link", "set", "lo", "up");
            pods.add(pod);
        }
        LOG.info(
                "{} built: {} pods on {}0/24 and {}/64, uplink {} = {}",
                name,
                podCount,
                subnetPrefix,
                subnet6Prefix,
                uplink,
                hostAddress());
    }

    /** The root namespace's address on the lab's bridge: pods reach the test JVM (and ZooKeeper) here. */
    String hostAddress() {
        return subnetPrefix + "1";
    }

    List<Pod> pods() {
        return List.copyOf(pods);
    }

    Pod pod(int index) {
        return pods.get(index);
    }

    Path logDir() {
        return logDir;
    }

    /** Runs a short command inside the pod's namespace, to completion. */
    Shell.Result exec(Pod pod, String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", pod.namespace()));
        full.addAll(List.of(command));
        return Shell.run(full);
    }

    /**
     * Starts a long-running process inside the pod's namespace; its output goes to {@code <pod>-<role>.log}
     * in the lab's log folder. The lab stops it on close.
     */
    synchronized ChildProcess start(Pod pod, String role, List<String> command, Map<String, String> env) {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", pod.namespace()));
        full.addAll(command);
        Path log = logDir.resolve(pod.name() + "-" + role + ".log");
        ProcessBuilder builder = new ProcessBuilder(full)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(env);
        try {
            // `ip netns exec` execs the command, so this Process is the command itself.
            ChildProcess child = new ChildProcess(pod.name() + "-" + role, builder.start(), log);
            children.add(child);
            LOG.info(
                    "{} started {} (pid {}): {}",
                    name,
                    child.name(),
                    child.process().pid(),
                    String.join(" ", command));
            return child;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + full, e);
        }
    }

    /** Stops every child, then removes every namespace and link of this lab. Idempotent, never throws. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = children.size() - 1; i >= 0; i--) {
            children.get(i).stop();
        }
        for (int i = pods.size() - 1; i >= 0; i--) {
            removeNamespace(pods.get(i).namespace());
        }
        removeNamespace(bridgeNamespace);
        if (Shell.run("ip", "link", "show", uplink).ok()) {
            Shell.run("ip", "link", "del", uplink);
        }
        // All but the two names created before the pods are per pod; check nothing is left.
        boolean leftover = Shell.run("ip", "netns", "list").stdout().contains(name + "-");
        LOG.info("{} removed{}", name, leftover ? " (some namespaces are still listed!)" : "");
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // running from the hook itself
        }
    }

    /** One long-running child process of a pod. */
    record ChildProcess(String name, Process process, Path log) {

        /** SIGTERM, up to 10 s grace, then SIGKILL. Never throws. */
        void stop() {
            if (!process.isAlive()) {
                return;
            }
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }

        /** The last lines of its log, for assertion messages. */
        String logTail() {
            try {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
            } catch (IOException e) {
                return "(no log: " + e.getMessage() + ")";
            }
        }
    }

    // ---- set-up and clean-up helpers ------------------------------------------------------------------------

    private static void ip(String... args) {
        List<String> command = new ArrayList<>();
        command.add("ip");
        command.addAll(List.of(args));
        Shell.run(command).orThrow();
    }

    /** An N such that no address in the root namespace is in 198.18.N.0/24 or fd00:198:18:N::/64 yet. */
    private static int freeSubnet(int labIndex) {
        String inUse = Shell.run("ip", "-o", "addr", "show").orThrow().stdout();
        long start = ProcessHandle.current().pid() + 37L * labIndex;
        for (int i = 0; i < 254; i++) {
            int subnet = (int) (1 + (start + i) % 254);
            if (!inUse.contains(" 198.18." + subnet + ".") && !inUse.contains(" fd00:198:18:" + subnet + ":")) {
                return subnet;
            }
        }
        throw new IllegalStateException("no free /24 in 198.18.0.0/16 for a test lab");
    }

    /** Kills the processes inside a namespace (they are ours: we made the namespace) and deletes it. */
    private static void removeNamespace(String namespace) {
        Shell.Result pids = Shell.run("ip", "netns", "pids", namespace);
        if (pids.ok()) {
            pids.stdout()
                    .lines()
                    .map(String::strip)
                    .filter(s -> !s.isEmpty())
                    .forEach(pid -> ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly));
        }
        Shell.Result del = Shell.run("ip", "netns", "del", namespace);
        if (!del.ok() && !del.stderr().contains("No such file")) {
            LOG.warn(
                    "cannot delete network namespace {}: {}",
                    namespace,
                    del.stderr().strip());
        }
    }

    /** Removes namespaces and links of labs whose JVM is gone (a crashed or killed earlier run). */
    static void cleanLeftovers() {
        for (String line : Shell.run("ip", "netns", "list").stdout().lines().toList()) {
            String namespace = line.split("\\s+")[0];
            if (namespace.startsWith(NAMESPACE_PREFIX) && ownerGone(namespace.substring(NAMESPACE_PREFIX.length()))) {
                LOG.warn("removing network namespace {} left by an earlier run", namespace);
                removeNamespace(namespace);
            }
        }
        for (String line :
                Shell.run("ip", "-o", "link", "show").stdout().lines().toList()) {
            String[] fields = line.split(":\\s+", 3);
            if (fields.length < 2) {
                continue;
            }
            String link = fields[1].split("@")[0];
            if (link.startsWith(LINK_PREFIX) && ownerGone(link.substring(LINK_PREFIX.length()))) {
                LOG.warn("removing link {} left by an earlier run", link);
                Shell.run("ip", "link", "del", link);
            }
        }
    }

    /** {@code rest} starts with the owning JVM's pid; true if no such process is alive. */
    private static boolean ownerGone(String rest) {
        int end = 0;
        while (end < rest.length() && Character.isDigit(rest.charAt(end))) {
            end++;
        }
        if (end == 0) {
            return false;
        }
        long pid = Long.parseLong(rest.substring(0, end));
        return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
    }
}
