package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.zk.ZkSequencer;
import java.time.Duration;
import java.util.Map;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A real ZooKeeper server goes away and comes back on the same port: ordered requests and
 * linearizable reads fail fast with 503 and {@code Retry-After} meanwhile, pass-through keeps
 * working, and both resume without restarting the proxy.
 */
class ZooKeeperDownIT {
    TestingServer zk;
    TestApp app;
    ProxyServer proxy;

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (app != null) {
            app.close();
        }
        if (zk != null) {
            zk.close();
        }
    }

    @Test
    void orderedRequestsGet503WhileZooKeeperIsDownAndSucceedOnceItIsBack() throws Exception {
        // Given a proxy ordering through a real ZooKeeper
        start("zk-1", Key.PASS_THROUGH, "/health");
        assertThat(post("/before")).isEqualTo(200);

        // When ZooKeeper stops
        zk.stop();
        await().atMost(Duration.ofSeconds(60)).until(() -> !proxy.isReady());

        // Then an ordered request gets 503 with Retry-After at once (not after the 30 s timeout)
        try (RawClient c = new RawClient(proxy.listenPort())) {
            long start = System.nanoTime();
            c.send("POST /during HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
            RawClient.Response r = c.read();
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header("retry-after")).isNotNull();
            assertThat(r.body()).contains("ordering_unavailable");
            assertThat(millis).as("answered within 2 s").isLessThan(2000);

            // and pass-through is still served
            c.send("GET /health HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
        assertThat(FailureRepliesTest.get(proxy, "/ready").statusCode()).isEqualTo(503);

        // When ZooKeeper comes back on the same port
        zk.restart();

        // Then ordered requests succeed again, without restarting the proxy
        await().atMost(Duration.ofSeconds(60)).until(proxy::isReady);
        await().atMost(Duration.ofSeconds(60)).until(() -> post("/after") == 200);
        assertThat(app.seen())
                .extracting(TestApp.Seen::uri)
                .startsWith("/before", "/health")
                .doesNotContain("/during")
                .contains("/after");
    }

    @Test
    void linearizableReadsGet503WhileZooKeeperIsDownAndAreServedOnceItIsBack() throws Exception {
        // Given a proxy serving linearizable reads through a real ZooKeeper
        start("zk-lin", Key.READ_POLICY, "linearizable");
        assertThat(post("/before")).isEqualTo(200);
        assertThat(get("/read-before").status()).isEqualTo(200);

        // When ZooKeeper stops
        zk.stop();
        await().atMost(Duration.ofSeconds(60)).until(() -> !proxy.isReady());

        // Then a linearizable read gets 503 read_barrier_unavailable with Retry-After at once
        long start = System.nanoTime();
        RawClient.Response r = get("/read-during");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.header("retry-after")).isNotNull();
        assertThat(r.body()).contains("read_barrier_unavailable");
        assertThat(millis).as("answered within 2 s").isLessThan(2000);

        // When ZooKeeper comes back, reads are served again, from the app, without a log entry
        zk.restart();
        await().atMost(Duration.ofSeconds(60)).until(proxy::isReady);
        await().atMost(Duration.ofSeconds(60)).until(() -> get("/read-after").status() == 200);
        assertThat(app.seen())
                .extracting(TestApp.Seen::uri)
                .startsWith("/before", "/read-before")
                .doesNotContain("/read-during")
                .contains("/read-after");
        assertThat(app.seen())
                .filteredOn(s -> s.uri().startsWith("/read-"))
                .allSatisfy(s -> assertThat(s.header("x-koordinator-position")).isNull());
    }

    /** A ZooKeeper server, an app and a ready proxy in front of it with {@code key} set to {@code value}. */
    private void start(String replicaId, Key key, String value) throws Exception {
        zk = new TestingServer(true);
        app = new TestApp();
        ProxyConfig config = Proxies.config(
                replicaId,
                app.port(),
                Map.of(Key.ZOOKEEPER, zk.getConnectString(), key, value, Key.REQUEST_TIMEOUT, "30s"));
        proxy = new ProxyServer(
                config,
                new ZkSequencer(config.sequencerConfig()
                        .withRoot("/proxy-it")
                        .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(3))));
        proxy.start();
        await().atMost(Duration.ofSeconds(60)).until(proxy::isReady);
    }

    private RawClient.Response get(String path) throws Exception {
        try (RawClient c = new RawClient(proxy.listenPort())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: h\r\n\r\n");
            return c.read();
        }
    }

    private int post(String path) throws Exception {
        try (RawClient c = new RawClient(proxy.listenPort())) {
            c.send("POST " + path + " HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
            return c.read().status();
        }
    }
}
