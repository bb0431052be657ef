package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.MemorySequencer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A pass-through request whose pooled connection the app closed under it with no answer is sent
 * again only when it is safe to repeat: the app answers the first request of each connection and
 * closes the connection after reading the second, as a worker that crashed while handling it.
 */
class PassThroughRepeatTest {
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private LoopbackApp app;
    private ProxyServer proxy;

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (app != null) {
            app.close();
        }
    }

    @Test
    void aGetIsSentAgainOnANewConnection() throws Exception {
        startProxyBeforeAnAppThatDropsEachConnectionsSecondRequest();
        try (RawClient c = new RawClient(proxy.listenPort())) {
            c.send("GET /pt/first HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);

            c.send("GET /pt/second HTTP/1.1\r\nHost: h\r\n\r\n");

            assertThat(c.read().status()).isEqualTo(200);
        }
        assertThat(seen).containsExactly("GET /pt/first", "GET /pt/second", "GET /pt/second");
    }

    @Test
    void aPostIsNotSentAgainAndTheClientGetsAnError() throws Exception {
        startProxyBeforeAnAppThatDropsEachConnectionsSecondRequest();
        try (RawClient c = new RawClient(proxy.listenPort())) {
            c.send("GET /pt/first HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);

            c.send("POST /pt/second HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");

            assertThat(c.read().status()).isEqualTo(502);
        }
        assertThat(seen).containsExactly("GET /pt/first", "POST /pt/second");
    }

    private void startProxyBeforeAnAppThatDropsEachConnectionsSecondRequest() throws Exception {
        app = new LoopbackApp("dropping-app", this::serve);
        proxy = Proxies.start(
                Proxies.config("pt-repeat", app.port(), Map.of(Key.PASS_THROUGH, "/pt")), new MemorySequencer.Log());
    }

    /** Answers the connection's first request; reads the second and closes without an answer. */
    private void serve(Socket s) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
        OutputStream out = s.getOutputStream();
        for (int n = 0; ; ) {
            String line = LoopbackApp.readRequest(in);
            if (line == null) {
                return;
            }
            String[] parts = line.split(" ");
            if (!parts[1].startsWith("/pt/")) {
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                continue; // the proxy's own app checks, not counted
            }
            seen.add(parts[0] + " " + parts[1]);
            if (n++ > 0) {
                return; // read it, and close with no answer
            }
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
    }
}
