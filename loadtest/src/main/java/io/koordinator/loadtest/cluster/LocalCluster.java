package io.koordinator.loadtest.cluster;

import io.koordinator.Directories;
import io.koordinator.loadtest.load.HttpConnection;
import io.koordinator.loadtest.zk.FreePorts;
import io.koordinator.sequencer.Secrets;
import io.koordinator.sequencer.ZkCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.ObjectMapper;

/**
 * A replicated group on this machine, every part a real child process: a ZooKeeper ensemble
 * ({@code koordinator-loadtest.jar zookeeper}) and, per replica, a kv-app ({@code
 * koordinator-loadtest.jar kv-app}) with its proxy ({@code koordinator.jar proxy}) in front. Used
 * by the demo, the benchmarks and the end-to-end test.
 *
 * <p>{@link #start()} returns once ZooKeeper serves, every app listens and every proxy is ready;
 * {@link #close()} stops everything it started, proxies first. In between, faults: a replica's
 * proxy or app killed ({@link #killProxy}, {@link #killApp}) and restarted, a proxy paused and
 * resumed (SIGSTOP, SIGCONT), a ZooKeeper server killed and restarted ({@link #zookeeper()}), and,
 * with each replica in a network namespace of its own, a replica cut off the network ({@link
 * #partition}) and reconnected.
 */
public final class LocalCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN_FLAG = "--transfer-token";

    private enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    private final ClusterConfig config;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    // Set by start(); elements are replaced when a fault restarts a process (any thread reads them).
    private final List<Replica> replicas = new CopyOnWriteArrayList<>();
    private ZkEnsemble zookeeper;
    private PodNetwork pods; // with ClusterConfig.podNamespaces only
    private String connectString;
    private Path stateDir; // created by the first proxy launch
    private final String token;

    public LocalCluster(ClusterConfig config) {
        this.config = config;
        this.token = configuredToken(config.proxyArgs()).orElseGet(Secrets::random);
    }

    /** The {@code --transfer-token} among the proxies' extra flags, if one is given. */
    private static Optional<String> configuredToken(List<String> proxyArgs) {
        for (int i = 0; i < proxyArgs.size(); i++) {
            String a = proxyArgs.get(i);
            if (a.startsWith(TOKEN_FLAG + "=")) {
                return Optional.of(a.substring(TOKEN_FLAG.length() + 1));
            }
            if (a.equals(TOKEN_FLAG) && i + 1 < proxyArgs.size()) {
                return Optional.of(proxyArgs.get(i + 1));
            }
        }
        return Optional.empty();
    }

    /** The group's token, which the admin port's {@code /status} asks for. */
    public String token() {
        return token;
    }

    /** Starts the ensemble, the apps and the proxies, and waits until every proxy is ready. */
    public void start() throws IOException, InterruptedException {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("already started");
        }
        long deadline = System.nanoTime() + config.startTimeout().toNanos();
        try {
            if (config.podNamespaces()) {
                pods = PodNetwork.create(config.replicas());
            }
            zookeeper = ZkEnsemble.start(config, pods == null ? "127.0.0.1" : pods.hostAddress());
            // The apps need no ZooKeeper: they start while the ensemble elects its leader.
            int[] ports = FreePorts.pick(3 * config.replicas());
            for (int i = 0; i < config.replicas(); i++) {
                String name = "replica-" + (i + 1);
                String host = pods == null ? "127.0.0.1" : pods.address(i);
                replicas.add(new Replica(name, host, ports[3 * i], ports[3 * i + 1], ports[3 * i + 2], null, null));
                replicas.set(i, replicas.get(i).withApp(launchApp(i, replicas.get(i))));
            }
            connectString = zookeeper.awaitServing(remaining(deadline));
            log.info("cluster/{} zookeeper serving at {}", config.group(), connectString);
            for (int i = 0; i < config.replicas(); i++) {
                replicas.set(i, replicas.get(i).withProxy(launchProxy(i, replicas.get(i))));
            }
            for (Replica r : replicas) {
                awaitListening(r.app(), deadline);
            }
            for (Replica r : replicas) {
                awaitReady(r, deadline);
            }
            log.info("cluster/{} {} replicas ready", config.group(), replicas.size());
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private ChildProcess launchApp(int index, Replica r) throws IOException {
        List<String> args = new ArrayList<>(List.of("kv-app", "--port", Integer.toString(r.appPort())));
        if (pods != null) {
            // as in a pod: the proxy reaches it on 127.0.0.1, the run's checks on the pod's address
            args.addAll(List.of("--host", "0.0.0.0"));
        }
        String kind = appKind();
        if (!kind.equals("memory")) {
            // a durable app keeps its state in a file beside the replica's checkpoint directory
            args.addAll(List.of("--data-file", appDataFile(r).toString()));
            if (kind.equals("position-aware")) {
                args.add("--position-aware");
            }
        }
        return ChildProcess.java(
                r.name() + "-app",
                inNamespace(index),
                config.jvmOptions(),
                config.jars().loadtest().toString(),
                args);
    }

    /** The proxies' {@code --app-kind}, which the apps are started to match. */
    private String appKind() {
        List<String> a = config.proxyArgs();
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i).equals("--app-kind") && i + 1 < a.size()) {
                return a.get(i + 1);
            }
            if (a.get(i).startsWith("--app-kind=")) {
                return a.get(i).substring("--app-kind=".length());
            }
        }
        return "memory";
    }

    private Path appDataFile(Replica r) throws IOException {
        return stateDir().resolve(r.name() + "-app.db");
    }

    private ChildProcess launchProxy(int index, Replica r) throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "proxy",
                "--group",
                config.group(),
                "--replica-id",
                r.name(),
                "--zookeeper",
                connectString,
                "--app-port",
                Integer.toString(r.appPort()),
                "--app-host",
                "127.0.0.1",
                "--listen-address",
                pods == null ? "127.0.0.1" : "0.0.0.0",
                "--listen-port",
                Integer.toString(r.listenPort()),
                "--admin-port",
                Integer.toString(r.adminPort()),
                "--advertise-address",
                r.host(),
                "--pass-through",
                "/healthz",
                // one checkpoint directory per replica and per cluster, kept across proxy restarts
                "--state-dir",
                stateDir().resolve(r.name()).toString()));
        List<String> extra = config.proxyArgsOf(index);
        if (extra.stream().noneMatch(a -> a.startsWith("--snapshot-path"))) {
            // the kv app has snapshot endpoints: a replica that lost its app's state restores a peer's
            args.addAll(List.of("--snapshot-path", "/snapshot"));
        }
        if (extra.stream().noneMatch(a -> a.startsWith("--zk-credentials-file"))) {
            // the group's subtree belongs to this cluster's own generated credentials, as on a cluster
            args.addAll(List.of("--zk-credentials-file", credentialsFile().toString()));
        }
        if (configuredToken(config.proxyArgs()).isEmpty()) {
            // the group's token for /status and state transfer, known here without reading ZooKeeper
            args.addAll(List.of(TOKEN_FLAG, token));
        }
        args.addAll(extra);
        List<String> jvm = new ArrayList<>(config.jvmOptions());
        jvm.addAll(config.proxyJvmOptions());
        return ChildProcess.java(
                r.name() + "-proxy",
                inNamespace(index),
                jvm,
                config.jars().proxy().toString(),
                args);
    }

    /** The command prefix that runs a process of replica {@code index}: none, or its namespace's. */
    private List<String> inNamespace(int index) {
        return pods == null ? List.of() : pods.exec(index);
    }

    /**
     * The group's ZooKeeper digest credentials, for a client of the test that reads the group's
     * subtree itself ({@code authorization("digest", credentials().text().getBytes(UTF_8))}).
     */
    public ZkCredentials credentials() throws IOException {
        return ZkCredentials.read(credentialsFile());
    }

    /** The group's ZooKeeper digest credentials, generated once per cluster, readable by the owner only. */
    private synchronized Path credentialsFile() throws IOException {
        Path file = stateDir().resolve("zk-credentials");
        if (!Files.exists(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, ZkCredentials.generate(config.group()).text());
        }
        return file;
    }

    /** This cluster's checkpoint directories, one per replica; removed by {@link #close()}. */
    private synchronized Path stateDir() throws IOException {
        if (stateDir == null) {
            stateDir = Files.createTempDirectory("koordinator-cluster-" + config.group() + "-");
        }
        return stateDir;
    }

    private static void awaitListening(ChildProcess app, long deadline) throws IOException, InterruptedException {
        if (app.awaitLine(remaining(deadline)) == null) {
            throw failure(app, "did not start listening");
        }
    }

    /** The ZooKeeper ensemble. */
    public ZkEnsemble zookeeper() {
        return zookeeper;
    }

    /** SIGKILL of replica {@code index}'s proxy (0-based), as a crash would stop it. */
    public void killProxy(int index) {
        replicas.get(index).proxy().kill();
        log.info(
                "cluster/{} {} proxy killed",
                config.group(),
                replicas.get(index).name());
    }

    /** Starts replica {@code index}'s proxy again on the same ports and replica id; does not wait for it. */
    public void restartProxy(int index) throws IOException {
        Replica r = replicas.get(index);
        if (r.proxy().isAlive()) {
            throw new IllegalStateException(r.name() + " proxy is running");
        }
        replicas.set(index, r.withProxy(launchProxy(index, r)));
        log.info("cluster/{} {} proxy restarted", config.group(), r.name());
    }

    /** SIGKILL of replica {@code index}'s app: its state, held in memory, is gone. */
    public void killApp(int index) {
        replicas.get(index).app().kill();
        log.info("cluster/{} {} app killed", config.group(), replicas.get(index).name());
    }

    /** Starts replica {@code index}'s app again, empty, on the same port; waits until it listens. */
    public void restartApp(int index, Duration timeout) throws IOException, InterruptedException {
        Replica r = replicas.get(index);
        if (r.app().isAlive()) {
            throw new IllegalStateException(r.name() + " app is running");
        }
        Replica restarted = r.withApp(launchApp(index, r));
        replicas.set(index, restarted);
        awaitListening(restarted.app(), System.nanoTime() + timeout.toNanos());
        log.info("cluster/{} {} app restarted", config.group(), r.name());
    }

    /**
     * Deletes replica {@code index}'s state directory and a durable app's data file, as a replaced
     * pod loses its volumes; both of its processes must be stopped.
     */
    public void wipeState(int index) throws IOException {
        Replica r = replicas.get(index);
        if (r.proxy().isAlive() || r.app().isAlive()) {
            throw new IllegalStateException(r.name() + " is running");
        }
        deleteQuietly(stateDir().resolve(r.name()));
        Files.deleteIfExists(appDataFile(r));
        log.info("cluster/{} {} state directory (and a durable app's data) deleted", config.group(), r.name());
    }

    /** SIGSTOP of replica {@code index}'s proxy: it keeps its sockets but runs no code. */
    public void pauseProxy(int index) throws IOException, InterruptedException {
        replicas.get(index).proxy().signal("STOP");
        log.info(
                "cluster/{} {} proxy paused",
                config.group(),
                replicas.get(index).name());
    }

    /** SIGCONT of replica {@code index}'s proxy. */
    public void resumeProxy(int index) throws IOException, InterruptedException {
        replicas.get(index).proxy().signal("CONT");
        log.info(
                "cluster/{} {} proxy resumed",
                config.group(),
                replicas.get(index).name());
    }

    /**
     * Cuts replica {@code index} off its peers and off ZooKeeper, both ways, while its clients still
     * reach it; needs {@link ClusterConfig#withPodNamespaces}.
     */
    public void partition(int index) throws IOException {
        requirePods().cut(index, zookeeper.clientPorts());
    }

    /** Heals {@link #partition}. */
    public void reconnect(int index) throws IOException {
        requirePods().restore(index);
    }

    private PodNetwork requirePods() {
        if (pods == null) {
            throw new IllegalStateException(
                    "the replicas share the root namespace; see ClusterConfig.withPodNamespaces");
        }
        return pods;
    }

    /**
     * Why this machine cannot run replicas in network namespaces ({@link
     * ClusterConfig#withPodNamespaces}), or empty if it can.
     */
    public static Optional<String> podNamespacesUnavailable() {
        return PodNetwork.unavailable();
    }

    /** The proxy's {@code /ready} verdict: true on 200, false on any other answer or none. */
    public boolean ready(Replica r) {
        try (HttpConnection c = new HttpConnection(r.admin(), Duration.ofSeconds(2))) {
            return c.send("GET", "/ready", null).status() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits until every replica's proxy is ready. */
    public void awaitAllReady(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Replica r : replicas) {
            awaitReady(r, deadline);
        }
    }

    private void awaitReady(Replica r, long deadline) throws InterruptedException, IOException {
        String said = "its admin port never answered";
        while (System.nanoTime() < deadline) {
            if (!r.proxy().isAlive()) {
                throw failure(r.proxy(), "exited with " + r.proxy().exitCode());
            }
            try (HttpConnection c = new HttpConnection(r.admin(), Duration.ofSeconds(5))) {
                HttpConnection.Response ready = c.send("GET", "/ready", null);
                if (ready.status() == 200) {
                    return;
                }
                said = "/ready last said " + ready.status() + " " + ready.body().strip();
            } catch (IOException e) {
                // not listening yet
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        throw failure(r.proxy(), "was not ready in time (" + said + ")");
    }

    static IOException failure(ChildProcess p, String what) {
        List<String> tail = p.stderrTail();
        String lines = String.join("\n  ", tail.subList(Math.max(0, tail.size() - 30), tail.size()));
        return new IOException(p.name() + " " + what + "; its last output:\n  " + lines);
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    public List<Replica> replicas() {
        return List.copyOf(replicas);
    }

    public String connectString() {
        return connectString;
    }

    public ClusterConfig config() {
        return config;
    }

    /** The proxy's {@code /status}, with the group's token. */
    public ReplicaStatus status(Replica r) throws IOException {
        try (HttpConnection c = new HttpConnection(r.admin(), Duration.ofSeconds(10))) {
            HttpConnection.Response resp = c.send("GET", "/status", null, Map.of("Authorization", "Bearer " + token));
            if (resp.status() != 200) {
                throw new IOException(r.name() + " /status answered " + resp.status());
            }
            return ReplicaStatus.of(JSON.readTree(resp.body()));
        }
    }

    /** The proxy's {@code /metrics} text. */
    public String metrics(Replica r) throws IOException {
        try (HttpConnection c = new HttpConnection(r.admin(), Duration.ofSeconds(10))) {
            return c.send("GET", "/metrics", null).body();
        }
    }

    /**
     * Waits until every replica has delivered everything the log holds: all applied positions
     * equal and at least every tail seen, twice in a row.
     *
     * @return the common applied position
     */
    public long awaitQuiescence(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Long previous = null;
        String last = "";
        while (System.nanoTime() < deadline) {
            List<ReplicaStatus> all = new ArrayList<>();
            for (Replica r : replicas) {
                all.add(status(r));
            }
            long applied = all.get(0).appliedPosition();
            boolean settled = all.stream()
                    .allMatch(s -> s.appliedPosition() == applied && s.tailSeen() <= applied && s.lag() == 0);
            if (settled && previous != null && previous == applied) {
                return applied;
            }
            previous = settled ? applied : null;
            last = all.toString();
            TimeUnit.MILLISECONDS.sleep(200);
        }
        throw new IOException("replicas did not settle within " + timeout + ": " + last);
    }

    /** Stops the proxies, then the apps, then ZooKeeper. Idempotent, never throws. */
    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) == State.CLOSED) {
            return;
        }
        closeAll(replicas.stream().map(Replica::proxy).filter(p -> p != null).toList());
        closeAll(replicas.stream().map(Replica::app).filter(p -> p != null).toList());
        if (zookeeper != null) {
            zookeeper.close();
        }
        if (pods != null) {
            pods.close();
        }
        deleteQuietly(stateDir);
        log.info("cluster/{} stopped", config.group());
    }

    private static void deleteQuietly(Path dir) {
        if (!Directories.deleteTree(dir)) {
            log.debug("cannot remove all of {}", dir);
        }
    }

    private static void closeAll(List<ChildProcess> processes) {
        CompletableFuture.allOf(processes.stream()
                        .map(p -> CompletableFuture.runAsync(p::close))
                        .toArray(CompletableFuture[]::new))
                .join();
    }
}
