package io.koordinator.loadtest.demo;

import io.koordinator.loadtest.cluster.LocalCluster;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's crash phase, in the middle of its load: {@code kill -9} of the first replica's proxy
 * alone (restarted 2 s later, beside its running app), then of the second replica's app alone
 * (restarted at once, empty), then of both processes of the third (restarted 2 s later). Each
 * replica must come back identical to the others, or stay out of service.
 *
 * <p>Threading: the faults run on their own scheduler thread; {@link #finish()} waits for them.
 */
final class CrashPhase {
    private static final Logger log = LoggerFactory.getLogger(CrashPhase.class);
    private static final Duration RESTART_AFTER = Duration.ofSeconds(2);
    private static final Duration APP_START = Duration.ofSeconds(60);

    private final LocalCluster cluster;
    private final PrintStream out;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "demo-crashes");
        t.setDaemon(true);
        return t;
    });

    private CrashPhase(LocalCluster cluster, PrintStream out) {
        this.cluster = cluster;
        this.out = out;
    }

    /** Schedules the three crashes at 20%, 45% and 70% of {@code load}. */
    static CrashPhase schedule(LocalCluster cluster, Duration load, PrintStream out) {
        CrashPhase phase = new CrashPhase(cluster, out);
        long ms = load.toMillis();
        phase.at(ms * 20 / 100, "kill -9 of replica-1's proxy (its app keeps running)", () -> {
            cluster.killProxy(0);
            sleep(RESTART_AFTER);
            cluster.restartProxy(0);
        });
        phase.at(ms * 45 / 100, "kill -9 of replica-2's app (restarted empty)", () -> {
            cluster.killApp(1);
            cluster.restartApp(1, APP_START);
        });
        phase.at(ms * 70 / 100, "kill -9 of replica-3's proxy and app", () -> {
            cluster.killProxy(2);
            cluster.killApp(2);
            sleep(RESTART_AFTER);
            cluster.restartApp(2, APP_START);
            cluster.restartProxy(2);
        });
        return phase;
    }

    private interface Fault {
        void run() throws Exception;
    }

    private void at(long millis, String what, Fault fault) {
        scheduler.schedule(
                () -> {
                    out.println("crash: " + what);
                    out.flush();
                    try {
                        fault.run();
                        out.println("crash: restarted; the replica recovers before it is ready again");
                    } catch (Exception e) {
                        log.warn("demo crash '{}' failed: {}", what, e.toString());
                        out.println("crash: " + what + " failed: " + e.getMessage());
                    }
                    out.flush();
                },
                millis,
                TimeUnit.MILLISECONDS);
    }

    private static void sleep(Duration d) throws InterruptedException {
        TimeUnit.MILLISECONDS.sleep(d.toMillis());
    }

    /** Waits for every scheduled crash and restart to finish (they are all due within the load). */
    void finish() throws InterruptedException {
        scheduler.shutdown();
        if (!scheduler.awaitTermination(2, TimeUnit.MINUTES)) {
            scheduler.shutdownNow();
        }
    }
}
