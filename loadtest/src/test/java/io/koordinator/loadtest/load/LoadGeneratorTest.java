package io.koordinator.loadtest.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.koordinator.loadtest.check.CheckReport;
import io.koordinator.loadtest.check.ConsistencyChecker;
import io.koordinator.loadtest.check.ReplicaState;
import io.koordinator.loadtest.kv.KvApp;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The load generator against bare apps (no proxy), checked by the consistency checker. */
class LoadGeneratorTest {
    private final List<KvApp> apps = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        apps.add(KvApp.start("127.0.0.1", 0));
        apps.add(KvApp.start("127.0.0.1", 0));
    }

    @AfterEach
    void stop() {
        apps.forEach(KvApp::close);
    }

    private InetSocketAddress addr(int i) {
        return new InetSocketAddress("127.0.0.1", apps.get(i).port());
    }

    private static List<String> keys(LoadConfig c) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < c.appendKeys(); i++) {
            keys.add(Operation.appendKey(i));
        }
        for (int i = 0; i < c.registerKeys(); i++) {
            keys.add(Operation.registerKey(i));
        }
        return keys;
    }

    @Test
    void boundedRunOnOneAppIsConsistent() throws Exception {
        LoadConfig config = LoadConfig.of(List.of(addr(0)), 8, 2_000, Duration.ofSeconds(60))
                .withKeys(4, 4);
        AtomicInteger progress = new AtomicInteger();
        LoadResult result = new LoadGenerator(config).run(p -> progress.incrementAndGet(), Duration.ofMillis(50));

        assertThat(result.requests()).isEqualTo(2_000);
        assertThat(result.targets().get(0).outcomes().keySet()).allMatch(s -> s.matches("200|201|404"));
        assertThat(result.latencyMicros().getTotalCount()).isEqualTo(2_000);
        assertThat(result.acknowledgedWrites())
                .isEqualTo(result.writes().size())
                .isGreaterThan(1_000);
        assertThat(result.writes())
                .extracting(WriteRecord::op)
                .contains(Operation.APPEND, Operation.PUT, Operation.DELETE);

        ReplicaState state = ReplicaState.fetch("replica-1", addr(0), keys(config));
        CheckReport report = ConsistencyChecker.check(List.of(state), result.writes(), config.runId());
        assertThat(report.problems()).isEmpty();
        assertThat(report.acknowledgedChecked()).isEqualTo(result.acknowledgedWrites());
        assertThat(state.applied()).isEqualTo(result.writes().size());
    }

    @Test
    void twoAppsFedDifferentlyAreReportedDiverged() throws Exception {
        LoadConfig config = LoadConfig.of(List.of(addr(0), addr(1)), 4, 400, Duration.ofSeconds(60))
                .withKeys(2, 2)
                .withMix(LoadConfig.Mix.WRITES_ONLY);
        LoadResult result = new LoadGenerator(config).run(null, Duration.ofSeconds(1));

        List<ReplicaState> states = List.of(
                ReplicaState.fetch("replica-1", addr(0), keys(config)),
                ReplicaState.fetch("replica-2", addr(1), keys(config)));
        CheckReport report = ConsistencyChecker.check(states, result.writes(), config.runId());
        assertThat(report.ok()).isFalse();
        assertThat(report.summaryLine()).startsWith("replicas: DIVERGED");
    }

    @Test
    void aWriteLostAfterAcknowledgementIsCaught() throws Exception {
        LoadConfig config = LoadConfig.of(List.of(addr(0)), 4, 300, Duration.ofSeconds(60))
                .withKeys(1, 1)
                .withMix(new LoadConfig.Mix(100, 0, 0, 0));
        LoadResult result = new LoadGenerator(config).run(null, Duration.ofSeconds(1));
        // An out-of-band PUT replaces the append key's value, dropping acknowledged tokens.
        try (HttpConnection c = new HttpConnection(addr(0), Duration.ofSeconds(10))) {
            assertThat(c.send("PUT", "/kv/a-0", "").status()).isEqualTo(200);
        }
        ReplicaState state = ReplicaState.fetch("replica-1", addr(0), keys(config));
        CheckReport report = ConsistencyChecker.check(List.of(state), result.writes(), config.runId());
        assertThat(report.problems()).anyMatch(p -> p.contains("acknowledged append") && p.endsWith("is lost"));
    }

    @Test
    void durationBoundsTheRunAndRefusedConnectionsAreUnknown() throws Exception {
        int port = apps.get(1).port();
        apps.get(1).close();
        LoadConfig config = LoadConfig.of(
                        List.of(new InetSocketAddress("127.0.0.1", port)), 2, Long.MAX_VALUE, Duration.ofMillis(300))
                .withMix(LoadConfig.Mix.WRITES_ONLY);
        LoadResult result = new LoadGenerator(config).run(null, Duration.ofSeconds(1));
        assertThat(result.requests()).isPositive();
        // each client backs off after a refusal instead of spinning: at most one try per 100 ms
        assertThat(result.requests()).isLessThanOrEqualTo(2 * (300 / LoadGenerator.CONNECT_BACKOFF.toMillis() + 1));
        assertThat(result.targets().get(0).outcomes().keySet()).containsExactly("connect-error");
        assertThat(result.unknownWrites()).isEqualTo(result.writes().size());
    }
}
