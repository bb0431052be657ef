package io.koordinator.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.koordinator.loadtest.check.CheckReport;
import io.koordinator.loadtest.check.ConsistencyChecker;
import io.koordinator.loadtest.check.ReplicaState;
import io.koordinator.loadtest.cluster.ClusterConfig;
import io.koordinator.loadtest.cluster.Jars;
import io.koordinator.loadtest.cluster.LocalCluster;
import io.koordinator.loadtest.cluster.Replica;
import io.koordinator.loadtest.cluster.ReplicaStatus;
import io.koordinator.loadtest.demo.Reports;
import io.koordinator.loadtest.load.LoadConfig;
import io.koordinator.loadtest.load.LoadGenerator;
import io.koordinator.loadtest.load.LoadResult;
import io.koordinator.loadtest.load.Operation;
import io.koordinator.loadtest.load.WriteRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * End to end, every part a real process from the shaded jars: a 3-server ZooKeeper ensemble,
 * three replicas (kv-app + proxy), many concurrent clients spread over the three inbound ports
 * writing a small key space on purpose. After quiescence the replicas must be identical and
 * every acknowledged write present.
 */
class ReplicationIT {
    private static LocalCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = new LocalCluster(
                ClusterConfig.of(3, 3, Jars.locate().requireExisting()).withGroup("replication-it"));
        cluster.start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void concurrentConflictingWritesThroughAllReplicasLeaveThemIdenticalAndLoseNothing() throws Exception {
        // Given three ready replicas
        List<Replica> replicas = cluster.replicas();
        assertThat(replicas).hasSize(3);

        // When 24 clients spread over the three proxies write 12 keys at once
        LoadConfig config = LoadConfig.of(
                        replicas.stream().map(Replica::inbound).toList(), 24, 3_000, Duration.ofSeconds(60))
                .withKeys(8, 4)
                .withMix(LoadConfig.Mix.WRITES_ONLY);
        LoadResult result = new LoadGenerator(config).run(null, Duration.ofSeconds(5));
        Reports.printTargets(
                System.out, result, replicas.stream().map(Replica::name).toList());

        assertThat(result.requests()).isPositive();
        assertThat(result.targets()).allSatisfy(t -> assertThat(t.requests()).isPositive());
        assertThat(result.acknowledgedWrites()).isPositive();
        assertThat(result.writes())
                .filteredOn(WriteRecord::acknowledged)
                .extracting(WriteRecord::op)
                .contains(Operation.APPEND, Operation.PUT, Operation.DELETE);

        // Then, once every replica applied the whole log,
        long position = cluster.awaitQuiescence(Duration.ofSeconds(60));
        for (Replica r : replicas) {
            ReplicaStatus s = cluster.status(r);
            assertThat(s.appliedPosition()).as(r.name()).isEqualTo(position);
            assertThat(s.ready()).as(r.name()).isTrue();
        }
        List<ReplicaState> states = new ArrayList<>();
        for (Replica r : replicas) {
            states.add(ReplicaState.fetch(
                    r.name(), r.appAddress(), Reports.workloadKeys(config.appendKeys(), config.registerKeys())));
        }
        // the apps' digests and apply orders are identical,
        assertThat(states)
                .extracting(ReplicaState::digest)
                .containsOnly(states.get(0).digest());
        assertThat(states)
                .extracting(ReplicaState::applied)
                .containsOnly(states.get(0).applied());
        assertThat(states.get(1).appliedIds()).isEqualTo(states.get(0).appliedIds());
        assertThat(states.get(2).appliedIds()).isEqualTo(states.get(0).appliedIds());
        // every applied write carries its request id,
        assertThat(states.get(0).appliedIds()).doesNotContain("-").doesNotHaveDuplicates();
        assertThat(states.get(0).applied()).isGreaterThanOrEqualTo(result.acknowledgedWrites());
        // and every acknowledged write is present, exactly once, in an order clients could observe.
        CheckReport report = ConsistencyChecker.check(states, result.writes(), config.runId());
        assertThat(report.problems()).isEmpty();
        assertThat(report.acknowledgedChecked()).isEqualTo(result.acknowledgedWrites());
        System.out.println(report.summaryLine());
    }
}
