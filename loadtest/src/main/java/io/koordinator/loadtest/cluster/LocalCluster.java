package io.koordinator.loadtest.cluster;

import io.koordinator.loadtest.load.HttpConnection;
import io.koordinator.loadtest.zk.FreePorts;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
 * {@link #close()} stops everything it started, proxies first.
 */
public final class LocalCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    private final ClusterConfig config;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    // Written by start() before it returns; read-only afterwards.
    private final List<Replica> replicas = new ArrayList<>();
    private final List<ChildProcess> children = new ArrayList<>();
    private ChildProcess zookeeper;
    private String connectString;

    public LocalCluster(ClusterConfig config) {
        this.config = config;
    }

    /** Starts the ensemble, the apps and the proxies, and waits until every proxy is ready. */
    public void start() throws IOException, InterruptedException {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("already started");
        }
        long deadline = System.nanoTime() + config.startTimeout().toNanos();
        String loadtestJar = config.jars().loadtest().toString();
        try {
            zookeeper = ChildProcess.java(
                    "zookeeper",
                    config.jvmOptions(),
                    loadtestJar,
                    List.of("zookeeper", "--servers", Integer.toString(config.zkServers())));
            children.add(zookeeper);
            // The apps need no ZooKeeper: they start while the ensemble elects its leader.
            int[] ports = FreePorts.pick(3 * config.replicas());
            List<ChildProcess> apps = new ArrayList<>();
            for (int i = 0; i < config.replicas(); i++) {
                ChildProcess app = ChildProcess.java(
                        "replica-" + (i + 1) + "-app",
                        config.jvmOptions(),
                        loadtestJar,
                        List.of("kv-app", "--port", Integer.toString(ports[3 * i])));
                children.add(app);
                apps.add(app);
            }
            connectString = zookeeper.awaitLine(remaining(deadline));
            if (connectString == null) {
                throw failure(zookeeper, "did not print its connect string");
            }
            log.info("cluster/{} zookeeper serving at {}", config.group(), connectString);

            for (int i = 0; i < config.replicas(); i++) {
                String name = "replica-" + (i + 1);
                int appPort = ports[3 * i];
                int listenPort = ports[3 * i + 1];
                int adminPort = ports[3 * i + 2];
                ChildProcess app = apps.get(i);
                List<String> args = new ArrayList<>(List.of(
                        "proxy",
                        "--group",
                        config.group(),
                        "--replica-id",
                        name,
                        "--zookeeper",
                        connectString,
                        "--app-port",
                        Integer.toString(appPort),
                        "--app-host",
                        "127.0.0.1",
                        "--listen-address",
                        "127.0.0.1",
                        "--listen-port",
                        Integer.toString(listenPort),
                        "--admin-port",
                        Integer.toString(adminPort),
                        "--advertise-address",
                        "127.0.0.1",
                        "--pass-through",
                        "/healthz"));
                args.addAll(config.proxyArgs());
                ChildProcess proxy = ChildProcess.java(
                        name + "-proxy",
                        config.jvmOptions(),
                        config.jars().proxy().toString(),
                        args);
                children.add(proxy);
                replicas.add(new Replica(name, appPort, listenPort, adminPort, app, proxy));
            }
            for (Replica r : replicas) {
                if (r.app().awaitLine(remaining(deadline)) == null) {
                    throw failure(r.app(), "did not start listening");
                }
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

    private void awaitReady(Replica r, long deadline) throws InterruptedException, IOException {
        while (System.nanoTime() < deadline) {
            if (!r.proxy().isAlive()) {
                throw failure(r.proxy(), "exited with " + r.proxy().exitCode());
            }
            try (HttpConnection c = new HttpConnection(r.admin(), Duration.ofSeconds(5))) {
                if (c.send("GET", "/ready", null).status() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        throw failure(r.proxy(), "was not ready within " + config.startTimeout());
    }

    private static IOException failure(ChildProcess p, String what) {
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

    /** The proxy's {@code /status}. */
    public ReplicaStatus status(Replica r) throws IOException {
        try (HttpConnection c = new HttpConnection(r.admin(), Duration.ofSeconds(10))) {
            HttpConnection.Response resp = c.send("GET", "/status", null);
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
        closeAll(replicas.stream().map(Replica::proxy).toList());
        closeAll(children.stream().filter(c -> c != zookeeper).toList());
        if (zookeeper != null) {
            zookeeper.close();
        }
        log.info("cluster/{} stopped", config.group());
    }

    private static void closeAll(List<ChildProcess> processes) {
        CompletableFuture.allOf(processes.stream()
                        .map(p -> CompletableFuture.runAsync(p::close))
                        .toArray(CompletableFuture[]::new))
                .join();
    }
}
