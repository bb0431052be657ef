package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.MemorySequencer;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client that sends its whole over-limit body before it reads (no {@code Expect: 100-continue}) must get the
 * 413: the proxy keeps draining after the reply instead of resetting the connection under the client's writes.
 */
class OversizedBodyTest {
    static final int MAX_BODY = 1024;
    /** Far more than the socket buffers hold, so a reset would hit the client's writes. */
    static final int SENT = 8 * 1024 * 1024;

    static TestApp app;
    static ProxyServer proxy;

    @BeforeAll
    static void start() throws Exception {
        app = new TestApp();
        proxy = Proxies.start(
                Proxies.config("big-1", app.port(), Map.of(Key.MAX_BODY_BYTES, Integer.toString(MAX_BODY))),
                new MemorySequencer.Log());
    }

    @AfterAll
    static void stop() {
        proxy.close();
        app.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Content-Length: " + SENT, "Transfer-Encoding: chunked"})
    void theWholeBodyIsSentAndThe413IsRead(String framing) throws Exception {
        try (RawClient client = new RawClient(proxy.listenPort())) {
            // given a request over the limit, announced or streamed
            client.send("POST /c/upload HTTP/1.1\r\nHost: h\r\n" + framing + "\r\n\r\n");
            boolean chunked = framing.startsWith("Transfer");
            String block = "x".repeat(64 * 1024);
            String chunk = chunked ? Integer.toHexString(block.length()) + "\r\n" + block + "\r\n" : block;

            // when the client writes all of it before reading (a write error fails the test)
            for (int sent = 0; sent < SENT; sent += block.length()) {
                client.send(chunk);
            }
            if (chunked) {
                client.send("0\r\n\r\n");
            }

            // then it reads the 413, and the connection ends
            RawClient.Response r = client.read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(r.body()).contains("payload_too_large");
        }
        assertThat(app.seen()).noneMatch(s -> s.uri().equals("/c/upload"));
    }
}
