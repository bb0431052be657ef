package io.koordinator.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.loadtest.check.CheckReport;
import io.koordinator.loadtest.check.ConsistencyChecker;
import io.koordinator.loadtest.check.ReplicaState;
import io.koordinator.loadtest.cluster.ClusterConfig;
import io.koordinator.loadtest.cluster.Jars;
import io.koordinator.loadtest.cluster.LocalCluster;
import io.koordinator.loadtest.cluster.Replica;
import io.koordinator.loadtest.demo.Reports;
import io.koordinator.loadtest.load.LoadConfig;
import io.koordinator.loadtest.load.LoadGenerator;
import io.koordinator.loadtest.load.LoadResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The app contract, cell by cell, with every part a real process: a 3-server ZooKeeper ensemble
 * and three replicas (kv-app + proxy) under a write load, while a proxy, an app, or both are
 * killed with SIGKILL and restarted. Every replica must come back identical to the others, and
 * every acknowledged write must be there; while recovering it must not be ready.
 */
class RecoveryIT {
    private static final Duration LOAD = Duration.ofSeconds(25);
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void withSnapshotEndpointsAProxyAnAppAndBothComeBackIdentical() throws Exception {
        try (LocalCluster cluster = new LocalCluster(
                ClusterConfig.of(3, 3, Jars.locate().requireExisting()).withGroup("recovery-snapshot"))) {
            cluster.start();
            // Given a write load through all three replicas
            Load load = Load.start(cluster);

            // When replica 1's proxy is killed beside its running app, and restarted
            awaitDeliveries(cluster, 30);
            cluster.killProxy(0);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !cluster.replicas().get(0).proxy().isAlive());
            cluster.restartProxy(0);
            awaitReady(cluster, 0);
            // and replica 2's app is killed and restarted empty
            cluster.killApp(1);
            assertThat(readyAnswer(cluster.replicas().get(1))).isEqualTo(503);
            cluster.restartApp(1, Duration.ofSeconds(60));
            awaitReady(cluster, 1);
            // and both processes of replica 3
            cluster.killProxy(2);
            cluster.killApp(2);
            cluster.restartApp(2, Duration.ofSeconds(60));
            cluster.restartProxy(2);
            awaitReady(cluster, 2);

            // Then all three end identical with every acknowledged write present
            assertIdentical(cluster, load.finish(), load.config());
            assertThat(cluster.metrics(cluster.replicas().get(1)))
                    .contains("koordinator_replica_recoveries_total{action=\"snapshot\",cause=\"app_restarted\"}");
        }
    }

    @Test
    void aMemoryOnlyAppWithoutSnapshotsIsRebuiltFromTheLogAndAnIdleProxyRestartReplaysNothing() throws Exception {
        try (LocalCluster cluster =
                new LocalCluster(ClusterConfig.of(3, 3, Jars.locate().requireExisting())
                        .withGroup("recovery-memory")
                        .withProxyArgs(List.of("--snapshot-path=")))) {
            cluster.start();
            Load load = Load.start(cluster);

            // When replica 2's app is killed under load and restarted empty
            awaitDeliveries(cluster, 30);
            cluster.killApp(1);
            cluster.restartApp(1, Duration.ofSeconds(60));
            // then it gets the whole log again before it is ready
            awaitReady(cluster, 1);
            LoadResult result = load.finish();
            assertIdentical(cluster, result, load.config());
            assertThat(cluster.metrics(cluster.replicas().get(1)))
                    .contains("koordinator_replica_recoveries_total{action=\"rebuild\",cause=\"app_restarted\"}");

            // When, idle, replica 1's proxy is killed and restarted beside its app
            long appliedBefore = applied(cluster.replicas().get(0));
            cluster.killProxy(0);
            cluster.restartProxy(0);
            awaitReady(cluster, 0);

            // Then it resumed: the app applied nothing twice
            assertThat(applied(cluster.replicas().get(0))).isEqualTo(appliedBefore);
            assertIdentical(cluster, result, load.config());
        }
    }

    @Test
    void withoutSnapshotsAfterCompactionAppsAreRebuiltFromLogArchives() throws Exception {
        try (LocalCluster cluster =
                new LocalCluster(ClusterConfig.of(3, 3, Jars.locate().requireExisting())
                        .withGroup("recovery-archive")
                        .withProxyArgs(List.of(
                                "--snapshot-path=",
                                "--checkpoint-interval=1s",
                                "--compaction-interval=1s",
                                "--compaction-retain-entries=20")))) {
            cluster.start();
            Load load = Load.start(cluster);

            // Given a log whose start ZooKeeper has compacted away
            awaitDeliveries(cluster, 30);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> cluster.status(cluster.replicas().get(0)).compactionFloor() > 0);

            // When replica 2's app is killed under load and restarted empty
            cluster.killApp(1);
            cluster.restartApp(1, Duration.ofSeconds(60));
            // Then it is rebuilt from its own archive before it is ready
            awaitReady(cluster, 1);
            assertThat(cluster.metrics(cluster.replicas().get(1)))
                    .contains("koordinator_replica_recoveries_total{action=\"archive\",cause=\"app_restarted\"}");

            // When replica 3's pod is replaced: both processes gone, and its state directory
            cluster.killProxy(2);
            cluster.killApp(2);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !cluster.replicas().get(2).proxy().isAlive()
                            && !cluster.replicas().get(2).app().isAlive());
            cluster.wipeState(2);
            cluster.restartApp(2, Duration.ofSeconds(60));
            cluster.restartProxy(2);
            // Then the new replica gets the compacted start of the log from a peer's archive
            awaitReady(cluster, 2);
            assertThat(cluster.metrics(cluster.replicas().get(2)))
                    .contains("koordinator_replica_recoveries_total{action=\"archive\",cause=\"compacted\"}");

            // and all three end identical with every acknowledged write present
            assertIdentical(cluster, load.finish(), load.config());
        }
    }

    @Test
    void aDurableAppResumesAfterEachRestartAndAReplacedPodGetsTheLogAgain() throws Exception {
        try (LocalCluster cluster =
                new LocalCluster(ClusterConfig.of(3, 3, Jars.locate().requireExisting())
                        .withGroup("recovery-durable")
                        .withProxyArgs(List.of("--snapshot-path=", "--app-kind", "durable")))) {
            cluster.start();
            Load load = Load.start(cluster);
            awaitDeliveries(cluster, 30);
            LoadResult result = load.finish();
            assertIdentical(cluster, result, load.config());

            // When replica 1's proxy is killed beside its app and restarted: it resumes, applying nothing twice
            long before = applied(cluster.replicas().get(0));
            cluster.killProxy(0);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !cluster.replicas().get(0).proxy().isAlive());
            cluster.restartProxy(0);
            awaitReady(cluster, 0);
            assertThat(applied(cluster.replicas().get(0))).isEqualTo(before);

            // When replica 2's app is killed and restarted: its state survived in its file, and it resumes
            before = applied(cluster.replicas().get(1));
            cluster.killApp(1);
            assertThat(readyAnswer(cluster.replicas().get(1))).isEqualTo(503);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !cluster.replicas().get(1).app().isAlive());
            cluster.restartApp(1, Duration.ofSeconds(60));
            awaitReady(cluster, 1);
            assertThat(applied(cluster.replicas().get(1))).isEqualTo(before);

            // When replica 3's pod is replaced (both processes and both volumes gone): it gets the whole log again
            cluster.killProxy(2);
            cluster.killApp(2);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !cluster.replicas().get(2).proxy().isAlive()
                            && !cluster.replicas().get(2).app().isAlive());
            cluster.wipeState(2);
            cluster.restartApp(2, Duration.ofSeconds(60));
            cluster.restartProxy(2);
            awaitReady(cluster, 2);

            // Then all three are identical
            assertIdentical(cluster, result, load.config());
        }
    }

    @Test
    void aPositionAwareAppGetsTheCommandInDoubtAgainAndAppliesItOnce() throws Exception {
        try (LocalCluster cluster =
                new LocalCluster(ClusterConfig.of(3, 3, Jars.locate().requireExisting())
                        .withGroup("recovery-position")
                        .withProxyArgs(List.of("--snapshot-path=", "--app-kind", "position-aware")))) {
            cluster.start();
            Load load = Load.start(cluster);

            // When, under load, replica 1's proxy is killed beside its app, and replica 2's app
            awaitDeliveries(cluster, 30);
            cluster.killProxy(0);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !cluster.replicas().get(0).proxy().isAlive());
            cluster.restartProxy(0);
            awaitReady(cluster, 0);
            cluster.killApp(1);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !cluster.replicas().get(1).app().isAlive());
            cluster.restartApp(1, Duration.ofSeconds(60));
            awaitReady(cluster, 1);

            // Then each resumes (redelivering what may have been in doubt) and all three end identical,
            // with no position applied twice
            assertIdentical(cluster, load.finish(), load.config());
            for (Replica r : cluster.replicas()) {
                assertThat(ReplicaState.fetch(r.name(), r.appAddress(), List.of())
                                .outOfOrder())
                        .as(r.name() + " applied a position twice")
                        .isZero();
            }
        }
    }

    /** A bounded write load on its own thread. */
    private record Load(LoadGenerator generator, CompletableFuture<LoadResult> result, LoadConfig config) {
        static Load start(LocalCluster cluster) {
            LoadConfig config = LoadConfig.of(
                            cluster.replicas().stream().map(Replica::inbound).toList(), 12, 20_000, LOAD)
                    .withKeys(8, 4)
                    .withMix(LoadConfig.Mix.WRITES_ONLY);
            LoadGenerator generator = new LoadGenerator(config);
            CompletableFuture<LoadResult> result = CompletableFuture.supplyAsync(() -> {
                try {
                    return generator.run(null, Duration.ofSeconds(5));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            return new Load(generator, result, config);
        }

        LoadResult finish() throws Exception {
            LoadResult r = result.get(LOAD.toSeconds() + 120, TimeUnit.SECONDS);
            assertThat(r.acknowledgedWrites()).isPositive();
            return r;
        }
    }

    /** Waits until every replica has delivered {@code n} commands: the load is under way. */
    private static void awaitDeliveries(LocalCluster cluster, long n) {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            for (Replica r : cluster.replicas()) {
                if (cluster.status(r).delivered() < n) {
                    return false;
                }
            }
            return true;
        });
    }

    private static void awaitReady(LocalCluster cluster, int index) throws Exception {
        cluster.awaitAllReady(Duration.ofSeconds(120));
        assertThat(cluster.ready(cluster.replicas().get(index))).isTrue();
    }

    /** The replica's /ready status once it stops answering 200 (within 10 s), else 200. */
    private static int readyAnswer(Replica r) {
        // the watch on the app's listener turns the replica not ready within a fraction of a second
        URI ready = URI.create(
                "http://" + r.admin().getHostString() + ":" + r.admin().getPort() + "/ready");
        int[] status = {200};
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    status[0] = HTTP.send(
                                    HttpRequest.newBuilder(ready)
                                            .timeout(Duration.ofSeconds(5))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode();
                    return status[0] != 200;
                });
        return status[0];
    }

    private static long applied(Replica r) throws Exception {
        return ReplicaState.fetch(r.name(), r.appAddress(), List.of()).applied();
    }

    private static void assertIdentical(LocalCluster cluster, LoadResult result, LoadConfig config) throws Exception {
        cluster.awaitAllReady(Duration.ofSeconds(120));
        cluster.awaitQuiescence(Duration.ofSeconds(60));
        List<String> keys = Reports.workloadKeys(config.appendKeys(), config.registerKeys());
        List<ReplicaState> states = new ArrayList<>();
        for (Replica r : cluster.replicas()) {
            states.add(ReplicaState.fetch(r.name(), r.appAddress(), keys));
        }
        CheckReport report = ConsistencyChecker.check(states, result.writes(), config.runId());
        assertThat(report.problems()).isEmpty();
        assertThat(report.ok()).isTrue();
    }
}
