package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.zk.ZkSequencer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three proxies ordering through a real ZooKeeper server, under concurrent clients on all three:
 * every app applies the same sequence, and no follower waited for its fallback stall probe. Logs
 * the throughput and latency it saw (no assertion on them: the machine may be busy), over all
 * requests and warm (without each client's first {@value #WARM_UP} requests, which pay for the
 * JIT and new connections).
 */
class ZkReplicasIT {
    static final int REPLICAS = 3;
    static final int CLIENTS_PER_REPLICA = 4;
    static final int REQUESTS_PER_CLIENT = 150;
    static final int WARM_UP = 10;

    private static final Logger log = LoggerFactory.getLogger(ZkReplicasIT.class);

    final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    @Test
    void threeReplicasApplyTheSameSequence() throws Exception {
        TestingServer zk = new TestingServer(true);
        closeables.add(zk);
        List<TestApp> apps = new ArrayList<>();
        List<ProxyServer> proxies = new ArrayList<>();
        for (int i = 1; i <= REPLICAS; i++) {
            TestApp app = new TestApp();
            closeables.add(app);
            apps.add(app);
            ProxyConfig config =
                    Proxies.config("zk-replica-" + i, app.port(), Map.of(Key.ZOOKEEPER, zk.getConnectString()));
            ProxyServer proxy = new ProxyServer(config, new ZkSequencer(config.sequencerConfig()));
            closeables.add(proxy);
            proxy.start();
            proxies.add(proxy);
        }
        for (ProxyServer p : proxies) {
            await().atMost(Duration.ofSeconds(60)).until(p::isReady);
        }

        ExecutorService pool = Executors.newFixedThreadPool(REPLICAS * CLIENTS_PER_REPLICA);
        List<Future<long[]>> futures = new ArrayList<>();
        long start = System.nanoTime();
        try {
            for (ProxyServer p : proxies) {
                for (int c = 0; c < CLIENTS_PER_REPLICA; c++) {
                    String client = p.config().replicaId() + "-c" + c;
                    futures.add(pool.submit(() -> run(p.listenPort(), client)));
                }
            }
            List<Long> latencies = new ArrayList<>();
            List<Long> warm = new ArrayList<>();
            for (Future<long[]> f : futures) {
                long[] client = f.get(300, TimeUnit.SECONDS);
                Arrays.stream(client).forEach(latencies::add);
                Arrays.stream(client).skip(WARM_UP).forEach(warm::add);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            latencies.sort(null);
            warm.sort(null);
            log.info(
                    "{} ordered requests through {} replicas on one ZooKeeper in {} s: {} req/s, p50 {} ms, p99 {} ms;"
                            + " warm p50 {} ms, p99 {} ms, max {} ms",
                    latencies.size(),
                    REPLICAS,
                    String.format("%.2f", seconds),
                    String.format("%.0f", latencies.size() / seconds),
                    millis(latencies, 50),
                    millis(latencies, 99),
                    millis(warm, 50),
                    millis(warm, 99),
                    millis(warm, 100));
        } finally {
            pool.shutdownNow();
        }

        int total = REPLICAS * CLIENTS_PER_REPLICA * REQUESTS_PER_CLIENT;
        TestApp.assertSameDeliveries(apps, total);
        String metrics = FailureRepliesTest.metrics(proxies.get(0));
        log.info(
                "commands per entry on replica 1: {}",
                metrics.lines()
                        .filter(l -> l.startsWith("koordinator_proxy_commands_per_entry_"))
                        .filter(l -> l.contains("_sum") || l.contains("_count"))
                        .toList());
        for (ProxyServer p : proxies) {
            assertThat(FailureRepliesTest.metrics(p))
                    .as("%s found no entry by the stall probe", p.config().replicaId())
                    .contains("koordinator_sequencer_entries_found_by_probe_total 0.0");
        }
    }

    /** The {@code percentile}th latency of sorted {@code nanos}, in milliseconds. */
    private static String millis(List<Long> nanos, int percentile) {
        int index = Math.min(nanos.size() - 1, nanos.size() * percentile / 100);
        return String.format("%.2f", nanos.get(index) / 1e6);
    }

    private static long[] run(int port, String client) throws Exception {
        long[] latencies = new long[REQUESTS_PER_CLIENT];
        try (RawClient c = new RawClient(port)) {
            for (int i = 0; i < REQUESTS_PER_CLIENT; i++) {
                String body = client + "#" + i;
                long t0 = System.nanoTime();
                c.send("PUT /kv/" + client + " HTTP/1.1\r\nHost: kv\r\nContent-Length: " + body.length() + "\r\n\r\n"
                        + body);
                RawClient.Response r = c.read();
                latencies[i] = System.nanoTime() - t0;
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("PUT /kv/" + client + " " + body);
            }
        }
        return latencies;
    }
}
