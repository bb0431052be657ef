package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.koordinator.sequencer.MemorySequencer;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DuplicateTest {
    @Test
    void retriedIdempotencyKeyThroughAnotherReplicaGetsTheOriginalResponseAndIsNotDelivered() throws Exception {
        MemorySequencer.Log log = new MemorySequencer.Log();
        try (TestApp app1 = new TestApp();
                TestApp app2 = new TestApp()) {
            ProxyServer p1 = Proxies.start(Proxies.config("d1", app1.port(), Map.of()), log);
            ProxyServer p2 = Proxies.start(Proxies.config("d2", app2.port(), Map.of()), log);
            try (RawClient c1 = new RawClient(p1.listenPort());
                    RawClient c2 = new RawClient(p2.listenPort())) {
                // Given a request with an idempotency key applied through replica 1
                c1.send("POST /pay HTTP/1.1\r\nHost: h\r\nIdempotency-Key: k-1\r\nContent-Length: 1\r\n\r\n1");
                RawClient.Response first = c1.read();
                assertThat(first.status()).isEqualTo(200);

                // When a client retries it through replica 2
                c2.send("POST /pay HTTP/1.1\r\nHost: h\r\nIdempotency-Key: k-1\r\nContent-Length: 1\r\n\r\n1");
                RawClient.Response retry = c2.read();

                // Then the retry gets the original response, says where it came from, and no app applies it twice
                assertThat(retry.status()).isEqualTo(first.status());
                assertThat(retry.body()).isEqualTo(first.body());
                assertThat(retry.header("x-koordinator-replayed-from")).isEqualTo("0");
            } finally {
                p1.close();
                p2.close();
            }
            assertThat(app1.seen()).hasSize(1);
            assertThat(app2.seen()).hasSize(1);
            assertThat(app1.seen().get(0).header("idempotency-key")).isEqualTo("k-1");
        }
    }
}
