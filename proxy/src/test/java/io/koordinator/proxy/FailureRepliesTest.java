package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.MemorySequencer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The local replies for an app that stalls (504), an app that is down (502), and a log that is down (503). */
class FailureRepliesTest {
    final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T t) {
        closeables.add(t);
        return t;
    }

    @Test
    void stalledAppGives504AndTheCommandStillAppliesOnce() throws Exception {
        TestApp app = closeLater(new TestApp());
        ProxyServer proxy = closeLater(Proxies.start(
                Proxies.config("r1", app.port(), Map.of(Key.REQUEST_TIMEOUT, "500ms")), new MemorySequencer.Log()));

        try (RawClient c = new RawClient(proxy.listenPort())) {
            c.send("POST /stall HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(504);
            assertThat(r.body()).contains("\"error\":\"outcome_unknown\"").contains("may still be applied");
        }
        app.release();
        try (RawClient c = new RawClient(proxy.listenPort())) {
            c.send("POST /after HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
        assertThat(app.seen()).extracting(TestApp.Seen::uri).containsExactly("/stall", "/after");
        assertThat(metrics(proxy))
                .contains("koordinator_proxy_local_replies_total{error=\"outcome_unknown\",status=\"504\"} 1.0");
    }

    @Test
    void appNotStartedYetHoldsDeliveryUntilItListens() throws Exception {
        // Given a proxy whose app has not started yet (in a pod the proxy starts first)
        TestApp placeholder = new TestApp();
        int appPort = placeholder.port();
        placeholder.close();
        ProxyServer proxy = closeLater(Proxies.start(
                Proxies.config("r1", appPort, Map.of(Key.REQUEST_TIMEOUT, "60s")), new MemorySequencer.Log()));

        try (RawClient c = new RawClient(proxy.listenPort())) {
            // When an ordered request arrives, delivery waits and the replica says why it is not ready
            c.send("POST /early HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> proxy.notReadyReason().orElse("").contains("waiting for the app"));
            // Then once the app listens, the command is delivered, not skipped, and the replica is ready
            TestApp app = closeLater(new TestApp(appPort));
            assertThat(c.read().status()).isEqualTo(200);
            assertThat(app.seen()).extracting(TestApp.Seen::uri).containsExactly("/early");
        }
        await().atMost(Duration.ofSeconds(30)).until(proxy::isReady);
    }

    @Test
    void appDownTurnsTheReplicaNotReadyAndARestartedAppIsRebuiltBeforeAnythingMoreIsDelivered() throws Exception {
        // Given an app that applied one command and then went away
        TestApp gone = new TestApp();
        int port = gone.port();
        ProxyServer proxy = closeLater(Proxies.start(
                Proxies.config("r1", port, Map.of(Key.PASS_THROUGH, "/health", Key.REQUEST_TIMEOUT, "60s")),
                new MemorySequencer.Log()));
        try (RawClient c = new RawClient(proxy.listenPort())) {
            c.send("POST /first HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(30)).until(proxy::isReady);
        gone.close();

        // When the app is down, the replica is not ready and says why, and an ordered request waits
        await().atMost(Duration.ofSeconds(30))
                .until(() -> proxy.notReadyReason().orElse("").contains("WAITING_FOR_APP"));
        assertThat(get(proxy, "/ready").statusCode()).isEqualTo(503);
        try (RawClient c = new RawClient(proxy.listenPort())) {
            c.send("POST /second HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");

            // Then an app restarted empty on the same port gets the whole log again, in order, before
            // the waiting request is answered from it
            TestApp fresh = closeLater(new TestApp(port));
            assertThat(c.read().status()).isEqualTo(200);
            assertThat(fresh.seen()).extracting(TestApp.Seen::uri).containsExactly("/first", "/second");
        }
        await().atMost(Duration.ofSeconds(30)).until(proxy::isReady);
        assertThat(metrics(proxy))
                .contains("koordinator_replica_recoveries_total{action=\"rebuild\",cause=\"app_restarted\"} 1.0");
    }

    @Test
    void logDownGives503AtOnceWhilePassThroughKeepsWorking() throws Exception {
        TestApp app = closeLater(new TestApp());
        MemorySequencer.Log log = new MemorySequencer.Log();
        ProxyServer proxy = closeLater(Proxies.start(
                Proxies.config("r1", app.port(), Map.of(Key.PASS_THROUGH, "/health", Key.REQUEST_TIMEOUT, "30s")),
                log));
        await().atMost(Duration.ofSeconds(30)).until(proxy::isReady);

        // When the log becomes unreachable
        log.setAvailable(false);
        try (RawClient c = new RawClient(proxy.listenPort())) {
            c.send("POST /w HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
            RawClient.Response r = c.read();
            // Then ordered requests fail with 503 and Retry-After (long before the 30 s timeout)
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header("retry-after")).isEqualTo("1");
            assertThat(r.body()).contains("ordering_unavailable");
            // and pass-through still works
            c.send("GET /health HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
        assertThat(get(proxy, "/ready").statusCode()).isEqualTo(503);

        // When it comes back, ordered requests succeed again
        log.setAvailable(true);
        try (RawClient c = new RawClient(proxy.listenPort())) {
            c.send("POST /w2 HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
        assertThat(app.seen()).extracting(TestApp.Seen::uri).containsExactly("/health", "/w2");
        await().atMost(Duration.ofSeconds(30)).until(proxy::isReady);
    }

    @Test
    void anUnusableStateDirectoryStopsTheReplicaWithTheRemedyNotACorruptionVerdict() throws Exception {
        // Given a state directory that cannot be created: its parent is a file
        TestApp app = closeLater(new TestApp());
        java.nio.file.Path file = java.nio.file.Files.createTempFile("koord-not-a-dir-", "");
        file.toFile().deleteOnExit();
        ProxyServer proxy = closeLater(Proxies.start(
                Proxies.config(
                        "r1",
                        app.port(),
                        Map.of(Key.STATE_DIR, file.resolve("state").toString())),
                new MemorySequencer.Log()));

        // Then the replica is stopped, not ready, and says what to do; nothing is delivered
        await().atMost(Duration.ofSeconds(30))
                .until(() -> proxy.notReadyReason().orElse("").contains("cannot be used"));
        assertThat(proxy.notReadyReason().orElseThrow())
                .contains("STOPPED")
                .contains("--state-dir")
                .doesNotContain("corrupt");
        try (RawClient c = new RawClient(proxy.listenPort())) {
            c.send("POST /w HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(503);
        }
        assertThat(app.seen()).isEmpty();
    }

    @Test
    void stateDirNoneLeavesNothingBehind() throws Exception {
        TestApp app = closeLater(new TestApp());
        ProxyServer proxy = Proxies.start(
                Proxies.config("r1", app.port(), Map.of(Key.STATE_DIR, "none")), new MemorySequencer.Log());
        await().atMost(Duration.ofSeconds(30)).until(proxy::isReady);
        String dir = (String) ((Map<?, ?>) proxy.status().get("checkpoint")).get("stateDir");
        assertThat(java.nio.file.Files.isDirectory(java.nio.file.Path.of(dir))).isTrue();
        proxy.close();
        assertThat(java.nio.file.Files.exists(java.nio.file.Path.of(dir))).isFalse();
    }

    static HttpResponse<String> get(ProxyServer proxy, String path) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.adminPort() + path))
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    static String metrics(ProxyServer proxy) throws Exception {
        return get(proxy, "/metrics").body();
    }
}
