package io.koordinator.loadtest.chaos;

import io.koordinator.loadtest.check.CheckReport;
import io.koordinator.loadtest.check.ConsistencyChecker;
import io.koordinator.loadtest.check.ReplicaState;
import io.koordinator.loadtest.check.linear.History;
import io.koordinator.loadtest.check.linear.HistoryOp;
import io.koordinator.loadtest.check.linear.LinearChecker;
import io.koordinator.loadtest.cluster.ClusterConfig;
import io.koordinator.loadtest.cluster.Jars;
import io.koordinator.loadtest.cluster.LocalCluster;
import io.koordinator.loadtest.cluster.Replica;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code chaos}: the replicated kv app under faults. A 3-server ZooKeeper ensemble (a process per
 * server) and 3 replicas; concurrent clients record a history while faults drawn from the seed are
 * injected and healed; afterwards the history is checked for linearizability and the replicas for
 * lost writes, divergence and readiness while diverged. The last line is {@code chaos: ops=<n>
 * faults=<n> violations=<n> seed=<s>}; exit 0 without violations, 1 with, 2 if the set-up failed.
 */
@Command(
        name = "chaos",
        mixinStandardHelpOptions = true,
        description = {
            "Runs 3 replicas and a 3-server ZooKeeper ensemble, injects faults on a schedule drawn from the",
            "seed while clients record a history, then checks linearizability, lost writes and divergence."
        })
public final class ChaosCommand implements Callable<Integer> {
    @Option(names = "--duration", defaultValue = "60s", description = "Length of the load, default ${DEFAULT-VALUE}.")
    Duration duration;

    @Option(names = "--seed", description = "Seed of the fault schedule and the workload; default: random, printed.")
    Long seed;

    @Option(names = "--history", description = "Write the history as JSON lines to FILE.")
    Path historyFile;

    @Option(names = "--clients", defaultValue = "12", description = "Concurrent clients, default ${DEFAULT-VALUE}.")
    int clients;

    @Option(
            names = "--keys",
            defaultValue = "3,3",
            split = ",",
            description = "Append keys and register keys, default ${DEFAULT-VALUE}.")
    int[] keys;

    @Option(
            names = "--session-timeout",
            defaultValue = "6s",
            description =
                    "Longest ZooKeeper session the ensemble grants (so session-expiry stays short), default ${DEFAULT-VALUE}.")
    Duration sessionTimeout;

    @Option(
            names = "--request-timeout",
            defaultValue = "4s",
            description = "The proxies' --request-timeout; clients give up 2 s later. Default ${DEFAULT-VALUE}.")
    Duration requestTimeout;

    @Option(
            names = "--znode-bound",
            defaultValue = "0",
            description = "Most znodes the ensemble may hold at any sample; 0 (default): report only.")
    long znodeBound;

    @Option(
            names = "--faults",
            split = ",",
            description =
                    "Fault kinds to draw from (proxy-kill, app-kill, replica-kill, zk-leader-kill, session-expiry, proxy-pause, partition); default all (partition only where network namespaces can be made).")
    List<String> faultKinds;

    @Option(
            names = "--no-partition",
            description = "Run the replicas in the root network namespace and draw no partition fault.")
    boolean noPartition;

    @Option(
            names = "--check-budget",
            defaultValue = "5000000",
            description =
                    "Search steps per key (and per segment) of the linearizability check, default ${DEFAULT-VALUE}.")
    long checkBudget;

    /**
     * The read policy of each replica's proxy: linearizable reads on two of them, ordered reads on
     * the third (local reads go straight to an app, see {@link ChaosWorkload}).
     */
    static final List<String> READ_POLICIES = List.of("linearizable", "ordered", "linearizable");

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        long s = seed != null ? seed : ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        List<FaultKind> kinds = kinds();
        Optional<String> noNamespaces =
                noPartition ? Optional.of("--no-partition") : LocalCluster.podNamespacesUnavailable();
        if (noNamespaces.isPresent() && kinds.contains(FaultKind.PARTITION)) {
            if (faultKinds != null && !faultKinds.isEmpty()) {
                System.err.println("chaos: the partition fault needs the replicas in network namespaces, and "
                        + noNamespaces.get());
                return 2;
            }
            kinds.remove(FaultKind.PARTITION);
            out.println("chaos: no partition fault: " + noNamespaces.get());
        }
        List<FaultPlan.Planned> plan = FaultPlan.of(s, duration, sessionTimeout, 3, kinds);
        out.printf(
                "chaos: seed=%d%s duration=%ds faults planned=%d%n",
                s, seed == null ? " (random)" : "", duration.toSeconds(), plan.size());
        ClusterConfig config = ClusterConfig.of(3, 3, Jars.locate().requireExisting())
                .withGroup("chaos")
                .withZkProcessPerServer(true)
                .withZkMaxSessionTimeout(sessionTimeout)
                .withPodNamespaces(kinds.contains(FaultKind.PARTITION))
                .withProxyArgs(List.of("--request-timeout", requestTimeout.toMillis() + "ms"))
                .withReplicaProxyArgs(READ_POLICIES.stream()
                        .map(p -> List.of("--read-policy", p))
                        .toList());
        try (LocalCluster cluster = new LocalCluster(config)) {
            Thread hook = new Thread(cluster::close, "chaos-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                cluster.start();
            } catch (IOException e) {
                System.err.println("chaos: set-up failed: " + e.getMessage());
                return 2;
            }
            int violations = run(cluster, s, plan);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down already
            }
            return violations == 0 ? 0 : 1;
        }
    }

    private List<FaultKind> kinds() {
        if (faultKinds == null || faultKinds.isEmpty()) {
            return new ArrayList<>(FaultPlan.allKinds());
        }
        List<FaultKind> kinds = new ArrayList<>();
        for (String name : faultKinds) {
            kinds.add(FaultPlan.allKinds().stream()
                    .filter(k -> k.label().equals(name.trim()))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("--faults: unknown kind " + name)));
        }
        return kinds;
    }

    private int run(LocalCluster cluster, long s, List<FaultPlan.Planned> plan) throws Exception {
        List<Replica> replicas = cluster.replicas();
        Duration clientTimeout = requestTimeout.plusSeconds(2);
        ChaosWorkload load = new ChaosWorkload(
                replicas.stream().map(Replica::inbound).toList(),
                READ_POLICIES,
                replicas.stream().map(Replica::appAddress).toList(),
                clients,
                keys[0],
                keys[1],
                clientTimeout,
                s,
                "r" + Long.toString(s % 1_000_000, 36));
        FaultInjector faults = new FaultInjector(cluster, plan);
        ReplicaSampler sampler = new ReplicaSampler(cluster, Duration.ofMillis(250));
        long origin = System.nanoTime();
        sampler.start();
        load.start();
        faults.start(origin);
        // Paces the progress line; nothing counts it down.
        CountDownLatch pacing = new CountDownLatch(1);
        long end = origin + duration.toNanos();
        while (System.nanoTime() < end) {
            pacing.await(Math.min(5_000_000_000L, Math.max(1, end - System.nanoTime())), TimeUnit.NANOSECONDS);
            out.printf(
                    "[%3ds] ops %6d  ok %6d  fail %5d  unknown %5d  faults %d  %s%n",
                    (System.nanoTime() - origin) / 1_000_000_000L,
                    load.history().size(),
                    load.ok(),
                    load.failed(),
                    load.unknown(),
                    faults.injected().size(),
                    faults.current().isEmpty() ? "" : "now: " + faults.current());
        }
        faults.stop();
        load.stop();
        long loadEnd = System.nanoTime();

        List<String> problems = new ArrayList<>();
        out.println("load done; healing every process and waiting for the replicas to settle...");
        heal(cluster, problems);
        sampler.close();
        List<HistoryOp> history = new ArrayList<>(load.history().snapshot());
        int clientOps = history.size();
        List<ReplicaState> states = finalReads(cluster, load, history, problems);
        if (historyFile != null) {
            History.write(historyFile, history);
            out.println("history: " + history.size() + " operations in " + historyFile);
        }

        // (a) linearizability
        long t0 = System.nanoTime();
        LinearChecker.Report lin = new LinearChecker(checkBudget).check(history, origin);
        for (LinearChecker.KeyResult k : lin.keys()) {
            if (k.verdict() != LinearChecker.Verdict.LINEARIZABLE) {
                problems.add("linearizability " + k.verdict().name().toLowerCase() + " on key " + k.key() + ": "
                        + k.detail());
            }
        }
        out.printf(
                "linearizability: %d keys, %d linearizable, %d violated, %d undecided (%.1f s)%n",
                lin.keys().size(),
                lin.with(LinearChecker.Verdict.LINEARIZABLE).size(),
                lin.with(LinearChecker.Verdict.VIOLATION).size(),
                lin.with(LinearChecker.Verdict.UNDECIDED).size(),
                (System.nanoTime() - t0) / 1e9);
        // (b) acknowledged writes present, (c) agreement after healing
        if (!states.isEmpty()) {
            CheckReport report = ConsistencyChecker.check(states, load.writes(), load.runId());
            report.problems().forEach(p -> problems.add("final state: " + p));
            out.printf(
                    "final state: %d replicas read, %d acknowledged writes checked%n",
                    states.size(), report.acknowledgedChecked());
        }
        // (c) never ready while diverged
        problems.addAll(Divergence.readyWhileDiverged(sampler.samples(), replicas.size(), origin));
        // (d) znodes
        out.printf(
                "znodes: %d at the start, at most %d during the run%s%n",
                sampler.firstZnodes(),
                sampler.maxZnodes(),
                znodeBound > 0 ? " (bound " + znodeBound + ")" : " (no bound set)");
        if (znodeBound > 0 && sampler.maxZnodes() > znodeBound) {
            problems.add("znodes: " + sampler.maxZnodes() + " exceeded the bound of " + znodeBound);
        }

        out.println();
        List<FaultInjector.Injected> injected = faults.injected();
        FaultCosts.print(out, injected, history.subList(0, clientOps), origin, loadEnd);
        out.printf("ops: %d (ok %d, fail %d, unknown %d)%n", clientOps, load.ok(), load.failed(), load.unknown());
        out.printf("reads by policy: %s (local reads are not checked)%n", load.readsByPolicy());
        Map<String, List<String>> findings = group(problems, load.runId());
        for (List<String> same : findings.values()) {
            out.println("violation: " + same.get(0)
                    + (same.size() > 1 ? " (and " + (same.size() - 1) + " more like it)" : ""));
        }
        out.printf("chaos: ops=%d faults=%d violations=%d seed=%d%n", clientOps, injected.size(), findings.size(), s);
        out.flush();
        return findings.size();
    }

    /**
     * Problems that differ only in the client's token (one lost append among many) count as one
     * violation, shown with an example and the number of others.
     */
    static Map<String, List<String>> group(List<String> problems, String runId) {
        Pattern token = Pattern.compile(Pattern.quote(runId) + "\\.\\d+\\.\\d+;");
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (String p : problems) {
            groups.computeIfAbsent(token.matcher(p).replaceAll("<token>"), k -> new ArrayList<>())
                    .add(p);
        }
        return groups;
    }

    /** Restarts whatever is down, resumes every proxy, waits for readiness and quiescence. */
    private static void heal(LocalCluster cluster, List<String> problems) throws InterruptedException {
        try {
            for (int i = 0; i < cluster.zookeeper().size(); i++) {
                if (!cluster.zookeeper().alive(i)) {
                    cluster.zookeeper().restart(i);
                }
            }
            List<Replica> rs = cluster.replicas();
            for (int i = 0; i < rs.size(); i++) {
                if (!rs.get(i).app().isAlive()) {
                    cluster.restartApp(i, Duration.ofSeconds(30));
                }
                if (!rs.get(i).proxy().isAlive()) {
                    cluster.restartProxy(i);
                } else {
                    cluster.resumeProxy(i);
                }
                if (cluster.config().podNamespaces()) {
                    cluster.reconnect(i);
                }
            }
        } catch (IOException e) {
            problems.add("healing failed: " + e.getMessage());
            return;
        }
        try {
            cluster.awaitAllReady(Duration.ofSeconds(60));
            cluster.awaitQuiescence(Duration.ofSeconds(60));
        } catch (IOException e) {
            problems.add("the replicas did not settle after healing: " + e.getMessage());
        }
    }

    /** Reads every key from every ready replica's app, adding the reads to the history. */
    private static List<ReplicaState> finalReads(
            LocalCluster cluster, ChaosWorkload load, List<HistoryOp> history, List<String> problems) {
        List<ReplicaState> states = new ArrayList<>();
        for (Replica r : cluster.replicas()) {
            if (!cluster.ready(r)) {
                problems.add(r.name() + " is not ready after healing; its final state is not checked");
                continue;
            }
            long invoke = System.nanoTime();
            try {
                ReplicaState st = ReplicaState.fetch(r.name(), r.appAddress(), load.keys());
                long complete = System.nanoTime();
                st.values()
                        .forEach((k, v) -> history.add(
                                HistoryOp.read("final-" + r.name(), k, invoke, complete, HistoryOp.Outcome.OK, v)));
                states.add(st);
            } catch (IOException e) {
                problems.add(r.name() + " app could not be read after healing: " + e.getMessage());
            }
        }
        return states;
    }
}
