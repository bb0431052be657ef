package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.zk.ZkSequencer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;

/**
 * A proxy whose token is generated in ZooKeeper, asked for {@code /status} before it ever read the
 * token and while ZooKeeper is down: 503 {@code token_unavailable}, never 200 nor a guess. Once
 * ZooKeeper is back, the generated token opens {@code /status}.
 */
class AdminTokenUnavailableIT {

    @Test
    void statusIs503WhileTheGeneratedTokenCannotBeRead() throws Exception {
        // given: a ready proxy that has not read its generated token yet
        try (TestingServer zk = new TestingServer(true);
                TestApp app = new TestApp()) {
            ProxyConfig config = Proxies.config("token-1", app.port(), Map.of(Key.ZOOKEEPER, zk.getConnectString()));
            try (ProxyServer proxy = new ProxyServer(
                    config,
                    new ZkSequencer(
                            config.sequencerConfig().withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(3))))) {
                proxy.start();
                await().atMost(Duration.ofSeconds(60)).until(proxy::isReady);
                assertThat(proxy.transfer().auth().tokenKnown()).isFalse();

                // when: ZooKeeper stops
                zk.stop();
                await().atMost(Duration.ofSeconds(60)).until(() -> !proxy.isReady());

                // then
                HttpResponse<String> r = AdminAuthTest.call(proxy, "GET", "/status", "Bearer guess");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                assertThat(r.body()).contains("token_unavailable");
                assertThat(FailureRepliesTest.metrics(proxy))
                        .contains("koordinator_admin_refusals_total{reason=\"token_unavailable\"} 1.0");

                // and once it is back, the generated token is read and opens /status
                zk.restart();
                await().atMost(Duration.ofSeconds(60)).until(proxy::isReady);
                assertThat(AdminAuthTest.call(proxy, "GET", "/status", "Bearer guess")
                                .statusCode())
                        .isEqualTo(403);
                assertThat(AdminAuthTest.status(proxy).statusCode()).isEqualTo(200);
                assertThat(proxy.transfer().auth().tokenKnown()).isTrue();
            }
        }
    }
}
