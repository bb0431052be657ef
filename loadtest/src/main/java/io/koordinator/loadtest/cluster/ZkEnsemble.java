package io.koordinator.loadtest.cluster;

import io.koordinator.loadtest.zk.FourLetterWords;
import io.koordinator.loadtest.zk.FreePorts;
import io.koordinator.loadtest.zk.LocalQuorum;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ZooKeeper ensemble of a {@link LocalCluster}: either one child process running every server
 * ({@code zookeeper --servers N}), or one child process per server ({@code zookeeper --member i}),
 * so that a single server can be killed with SIGKILL and restarted on its data directory and
 * ports, as a crash would take it down.
 */
public final class ZkEnsemble implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ZkEnsemble.class);

    private final ClusterConfig config;
    private final boolean perServer;
    private final int basePort;
    private final Path dataDir;
    private final String address;
    // One element per process; replaced on restart, read by other threads.
    private final List<ChildProcess> processes = new CopyOnWriteArrayList<>();
    private volatile String connectString;

    private ZkEnsemble(ClusterConfig config, boolean perServer, int basePort, Path dataDir, String address) {
        this.config = config;
        this.address = address;
        this.perServer = perServer;
        this.basePort = basePort;
        this.dataDir = dataDir;
    }

    /**
     * Starts the processes, their client ports bound to {@code address}; {@link #awaitServing}
     * waits for the connect string.
     */
    public static ZkEnsemble start(ClusterConfig config, String address) throws IOException {
        boolean perServer = config.zkProcessPerServer() && config.zkServers() > 1;
        ZkEnsemble e = perServer
                ? new ZkEnsemble(
                        config,
                        true,
                        FreePorts.pickConsecutive(3 * config.zkServers()),
                        Files.createTempDirectory("koordinator-zk-"),
                        address)
                : new ZkEnsemble(config, false, 0, null, address);
        if (perServer) {
            for (int i = 0; i < config.zkServers(); i++) {
                e.processes.add(e.launch(i));
            }
        } else {
            List<String> args =
                    new ArrayList<>(List.of("zookeeper", "--servers", Integer.toString(config.zkServers())));
            e.addCommonFlags(args);
            e.processes.add(ChildProcess.java(
                    "zookeeper", e.jvmOptions(), config.jars().loadtest().toString(), args));
        }
        return e;
    }

    private ChildProcess launch(int index) throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "zookeeper",
                "--servers",
                Integer.toString(config.zkServers()),
                "--member",
                Integer.toString(index + 1),
                "--base-port",
                Integer.toString(basePort),
                "--data-dir",
                dataDir.toString()));
        addCommonFlags(args);
        return ChildProcess.java(
                "zookeeper-" + (index + 1),
                jvmOptions(),
                config.jars().loadtest().toString(),
                args);
    }

    private List<String> jvmOptions() {
        List<String> options = new ArrayList<>(config.jvmOptions());
        options.addAll(config.zkJvmOptions());
        return options;
    }

    private void addCommonFlags(List<String> args) {
        args.addAll(List.of("--bind-address", address));
        if (config.zkMaxSessionTimeout() != null) {
            args.add("--max-session-timeout");
            args.add(config.zkMaxSessionTimeout().toMillis() + "ms");
        }
    }

    /** Waits until the ensemble serves (each process prints the connect string) and returns it. */
    public String awaitServing(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String cs = null;
        for (ChildProcess p : processes) {
            cs = p.awaitLine(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (cs == null) {
                throw LocalCluster.failure(p, "did not print its connect string");
            }
        }
        connectString = cs;
        return cs;
    }

    public String connectString() {
        return connectString;
    }

    /** True when every server is a process of its own, so {@link #kill} and {@link #restart} work. */
    public boolean perServer() {
        return perServer;
    }

    public int size() {
        return config.zkServers();
    }

    /** The 0-based index of the server that is leader now, or -1 if none answers as leader. */
    public int leader() {
        for (int i = 0; i < size(); i++) {
            if ("leader".equals(FourLetterWords.mode(address, clientPort(i)))) {
                return i;
            }
        }
        return -1;
    }

    /** The {@code srvr} mode of server {@code index}, or null if it does not serve. */
    public String mode(int index) {
        return FourLetterWords.mode(address, clientPort(index));
    }

    /** ZooKeeper's count of znodes ({@code mntr zk_znode_count}) from the first server that answers, or -1. */
    public long znodeCount() {
        for (int i = 0; i < size(); i++) {
            long n = FourLetterWords.monitor(address, clientPort(i), "zk_znode_count");
            if (n >= 0) {
                return n;
            }
        }
        return -1;
    }

    /** The client ports, in server order. */
    public List<Integer> clientPorts() {
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < size(); i++) {
            ports.add(clientPort(i));
        }
        return ports;
    }

    private int clientPort(int index) {
        String[] hosts = connectString.split(",");
        String h = hosts[index];
        return Integer.parseInt(h.substring(h.lastIndexOf(':') + 1));
    }

    /** True if server {@code index}'s process (or the one process of all servers) runs. */
    public boolean alive(int index) {
        return processes.get(perServer ? index : 0).isAlive();
    }

    /** SIGKILL of server {@code index}'s process. */
    public void kill(int index) {
        requirePerServer();
        processes.get(index).kill();
        log.info("zookeeper/server-{} killed", index + 1);
    }

    /** Starts server {@code index} again on its data directory and ports; does not wait for it to serve. */
    public void restart(int index) throws IOException {
        requirePerServer();
        if (processes.get(index).isAlive()) {
            throw new IllegalStateException("zookeeper/server-" + (index + 1) + " is running");
        }
        processes.set(index, launch(index));
        log.info("zookeeper/server-{} restarted", index + 1);
    }

    private void requirePerServer() {
        if (!perServer) {
            throw new IllegalStateException(
                    "the ensemble runs in one process; see ClusterConfig.withZkProcessPerServer");
        }
    }

    /** Stops every server and deletes the data directory it made. Idempotent, never throws. */
    @Override
    public void close() {
        processes.forEach(ChildProcess::close);
        if (dataDir != null) {
            LocalQuorum.deleteTree(dataDir);
        }
    }

    @Override
    public String toString() {
        return processes.stream().map(ChildProcess::toString).collect(Collectors.joining(", "));
    }
}
