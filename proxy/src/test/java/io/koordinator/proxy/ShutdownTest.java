package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.MemorySequencer;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ShutdownTest {
    @Test
    void closeTurnsNotReadyStopsAcceptingAndFinishesInFlightRequests() throws Exception {
        try (TestApp app = new TestApp()) {
            ProxyServer proxy = Proxies.start(
                    Proxies.config("s1", app.port(), Map.of(Key.REQUEST_TIMEOUT, "60s", Key.DRAIN_TIMEOUT, "60s")),
                    new MemorySequencer.Log());
            int port = proxy.listenPort();
            try (RawClient c = new RawClient(port)) {
                // Given a request in flight (the app holds it)
                c.send("POST /stall HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
                await().atMost(Duration.ofSeconds(30)).until(() -> app.seen().size() == 1);

                // When the proxy is told to stop
                CompletableFuture<Void> closing = CompletableFuture.runAsync(proxy::close);

                // Then it is not ready at once, and accepts no new connections
                await().atMost(Duration.ofSeconds(30)).until(() -> !proxy.isReady());
                assertThat(FailureRepliesTest.get(proxy, "/ready").statusCode()).isEqualTo(503);
                await().atMost(Duration.ofSeconds(30))
                        .untilAsserted(() -> assertThatThrownBy(() -> new RawClient(port).close())
                                .isInstanceOf(IOException.class));
                assertThat(closing).isNotDone();

                // and the request in flight still gets its answer
                app.release();
                RawClient.Response r = c.read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("connection")).isEqualTo("close");
                closing.get(60, TimeUnit.SECONDS);
            }
        }
    }
}
