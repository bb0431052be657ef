package io.koordinator.loadtest.chaos;

import io.koordinator.loadtest.cluster.LocalCluster;
import io.koordinator.loadtest.cluster.ZkEnsemble;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link FaultPlan} against a {@link LocalCluster} on its own thread: waits for each
 * fault's time, injects it, holds it, heals it. {@link #stop()} heals the fault in progress and
 * ends the schedule.
 */
final class FaultInjector {
    private static final Logger log = LoggerFactory.getLogger(FaultInjector.class);

    /**
     * A fault as it happened.
     *
     * @param kind what
     * @param target what it hit, e.g. {@code replica-2} or {@code zookeeper server-3 (leader)}
     * @param injectNanos {@link System#nanoTime()} when it was injected
     * @param healNanos when it was healed (the restart or SIGCONT was issued)
     * @param error why injecting or healing failed, or null
     */
    record Injected(FaultKind kind, String target, long injectNanos, long healNanos, String error) {}

    private final LocalCluster cluster;
    private final List<FaultPlan.Planned> plan;
    private final List<Injected> injected = new CopyOnWriteArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread thread;
    private volatile String current = "";
    // Written before the thread starts.
    private volatile long loadStart;
    // Only the fault thread touches it.
    private int zkVictim = -1;

    FaultInjector(LocalCluster cluster, List<FaultPlan.Planned> plan) {
        this.cluster = cluster;
        this.plan = List.copyOf(plan);
        this.thread = new Thread(this::run, "chaos-faults");
        this.thread.setDaemon(true);
    }

    void start(long loadStartNanos) {
        this.loadStart = loadStartNanos;
        thread.start();
    }

    /** Heals the fault in progress, skips the rest, and waits for the thread (bounded). */
    void stop() throws InterruptedException {
        stopped.countDown();
        thread.join(TimeUnit.SECONDS.toMillis(90));
    }

    List<Injected> injected() {
        return List.copyOf(injected);
    }

    /** The fault being held now, for the progress line; empty if none. */
    String current() {
        return current;
    }

    private boolean await(long untilNanos) throws InterruptedException {
        return stopped.await(Math.max(0, untilNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void run() {
        try {
            for (FaultPlan.Planned p : plan) {
                if (await(loadStart + p.at().toNanos())) {
                    return;
                }
                long injectedAt = System.nanoTime();
                String target;
                String error = null;
                try {
                    target = inject(p);
                } catch (IOException | RuntimeException e) {
                    target = "replica-" + (p.replica() + 1);
                    error = "inject: " + e.getMessage();
                }
                current = p.kind().label() + " " + target;
                log.info("chaos fault {} on {}", p.kind().label(), target);
                await(injectedAt + p.hold().toNanos());
                long healedAt = System.nanoTime();
                try {
                    heal(p, target);
                } catch (IOException | RuntimeException e) {
                    error = (error == null ? "" : error + "; ") + "heal: " + e.getMessage();
                }
                current = "";
                injected.add(new Injected(p.kind(), target, injectedAt, healedAt, error));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String inject(FaultPlan.Planned p) throws IOException, InterruptedException {
        int r = p.replica();
        String name = "replica-" + (r + 1);
        switch (p.kind()) {
            case PROXY_KILL -> cluster.killProxy(r);
            case APP_KILL -> cluster.killApp(r);
            case REPLICA_KILL -> {
                cluster.killApp(r);
                cluster.killProxy(r);
            }
            case SESSION_EXPIRY, PROXY_PAUSE -> cluster.pauseProxy(r);
            case PARTITION -> cluster.partition(r);
            case ZK_LEADER_KILL -> {
                ZkEnsemble zk = cluster.zookeeper();
                int leader = zk.leader();
                zkVictim = leader >= 0 ? leader : 0;
                zk.kill(zkVictim);
                return "zookeeper server-" + (zkVictim + 1) + (leader >= 0 ? " (leader)" : " (no leader found)");
            }
            default -> throw new IllegalStateException("unknown fault " + p.kind());
        }
        return name;
    }

    private void heal(FaultPlan.Planned p, String target) throws IOException, InterruptedException {
        int r = p.replica();
        Duration appStart = Duration.ofSeconds(30);
        switch (p.kind()) {
            case PROXY_KILL -> cluster.restartProxy(r);
            case APP_KILL -> cluster.restartApp(r, appStart);
            case REPLICA_KILL -> {
                cluster.restartApp(r, appStart);
                cluster.restartProxy(r);
            }
            case SESSION_EXPIRY, PROXY_PAUSE -> cluster.resumeProxy(r);
            case PARTITION -> cluster.reconnect(r);
            case ZK_LEADER_KILL -> cluster.zookeeper().restart(zkVictim);
            default -> throw new IllegalStateException("unknown fault " + p.kind() + " on " + target);
        }
    }
}
