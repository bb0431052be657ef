package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.MemorySequencer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class AdminTest {
    static TestApp app;
    static ProxyServer proxy;

    @BeforeAll
    static void start() throws Exception {
        app = new TestApp();
        proxy = Proxies.start(
                Proxies.config(
                        "admin-1", app.port(), Map.of(Key.PASS_THROUGH, "/health", Key.SNAPSHOT_PATH, "/snapshot")),
                new MemorySequencer.Log());
        try (RawClient c = new RawClient(proxy.listenPort())) {
            c.send("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
            c.send("GET /health HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
            c.send("GET / HTTP/1.1\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(400);
        }
    }

    @AfterAll
    static void stop() {
        proxy.close();
        app.close();
    }

    @Test
    void liveAndReady() throws Exception {
        assertThat(FailureRepliesTest.get(proxy, "/live").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(proxy::isReady);
        HttpResponse<String> ready = FailureRepliesTest.get(proxy, "/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"ready\":true");
    }

    @Test
    void statusHasTheContractFields() throws Exception {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode s = JsonMapper.builder()
                    .build()
                    .readTree(AdminAuthTest.status(proxy).body());
            assertThat(s.get("group").asString()).isEqualTo("test.kv");
            assertThat(s.get("replicaId").asString()).isEqualTo("admin-1");
            assertThat(s.get("appliedPosition").asLong()).isZero();
            assertThat(s.get("tailSeen").asLong()).isZero();
            assertThat(s.get("lag").asLong()).isZero();
            assertThat(s.get("zookeeper").asString()).isEqualTo("CONNECTED");
            assertThat(s.get("ready").asBoolean()).isTrue();
            assertThat(s.get("snapshotPath").asString()).isEqualTo("/snapshot");
            JsonNode counts = s.get("counts");
            assertThat(counts.get("ordered").asLong()).isEqualTo(1);
            assertThat(counts.get("passThrough").asLong()).isEqualTo(1);
            assertThat(counts.get("delivered").asLong()).isEqualTo(1);
            assertThat(counts.get("duplicates").asLong()).isZero();
            assertThat(counts.get("localReplies").asLong()).isEqualTo(1);
            assertThat(counts.get("rejected").asLong()).isEqualTo(1);
        });
    }

    @Test
    void metricsInPrometheusTextFormat() throws Exception {
        HttpResponse<String> r = FailureRepliesTest.get(proxy, "/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).get().asString().startsWith("text/plain; version=0.0.4");
        assertThat(r.body())
                .contains("# TYPE koordinator_proxy_requests_total counter")
                .contains("koordinator_proxy_requests_total{class=\"ordered\",status=\"200\"} 1.0")
                .contains("koordinator_proxy_requests_total{class=\"pass_through\",status=\"200\"} 1.0")
                .contains("koordinator_proxy_local_replies_total{error=\"bad_request\",status=\"400\"} 1.0")
                .contains("# TYPE koordinator_proxy_ordering_latency_seconds histogram")
                .contains("koordinator_proxy_ordering_latency_seconds_count 1")
                .contains("koordinator_proxy_append_latency_seconds_count 1")
                .contains("# TYPE koordinator_proxy_commands_per_entry histogram")
                .contains("koordinator_proxy_appends_in_flight 0.0")
                .contains("koordinator_proxy_lag_entries 0.0");
    }

    @Test
    void unknownRouteIs404() throws Exception {
        HttpResponse<String> r = FailureRepliesTest.get(proxy, "/nope");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).contains("not_found");
    }
}
