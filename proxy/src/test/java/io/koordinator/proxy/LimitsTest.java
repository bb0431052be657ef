package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.MemorySequencer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The header-read timeout and the connection limit on real sockets: a slowloris client is cut off
 * while others are served; a connection past the cap is reset at accept and counted.
 */
class LimitsTest {
    static final Duration HEADER_TIMEOUT = Duration.ofMillis(400);

    final List<AutoCloseable> closeables = new ArrayList<>();
    TestApp app;

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    ProxyServer proxy(Map<Key, String> extra) throws Exception {
        app = new TestApp();
        closeables.add(app);
        ProxyServer proxy = Proxies.start(Proxies.config("lim-1", app.port(), extra), new MemorySequencer.Log());
        closeables.add(proxy);
        return proxy;
    }

    /** The value of one sample in the proxy's {@code /metrics}, e.g. {@code name{limit="x"}}. */
    static double metric(ProxyServer proxy, String sample) throws Exception {
        String text = FailureRepliesTest.get(proxy, "/metrics").body();
        return text.lines()
                .filter(l -> l.startsWith(sample + " "))
                .mapToDouble(
                        l -> Double.parseDouble(l.substring(sample.length() + 1).trim()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no sample " + sample + " in\n" + text));
    }

    static String hits(String limit) {
        return "koordinator_proxy_limit_hits_total{limit=\"" + limit + "\"}";
    }

    @Test
    void slowlorisIsCutOffWhileOthersAreServed() throws Exception {
        ProxyServer proxy = proxy(Map.of(Key.HEADER_READ_TIMEOUT, HEADER_TIMEOUT.toMillis() + "ms"));
        // Given 40 clients that send half a head and then one more header byte every 50 ms,
        int slow = 40;
        List<Socket> slowClients = new ArrayList<>();
        ScheduledExecutorService dribbler = Executors.newSingleThreadScheduledExecutor();
        closeables.add(dribbler::shutdownNow);
        long start = System.nanoTime();
        for (int i = 0; i < slow; i++) {
            Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.listenPort());
            closeables.add(s);
            s.getOutputStream().write("POST /slow HTTP/1.1\r\nHost: h\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            slowClients.add(s);
        }
        dribbler.scheduleAtFixedRate(
                () -> slowClients.forEach(s -> {
                    try {
                        s.getOutputStream().write('a');
                    } catch (IOException e) {
                        // cut off: expected
                    }
                }),
                50,
                50,
                TimeUnit.MILLISECONDS);

        // when a normal client sends requests on one keep-alive connection meanwhile,
        try (RawClient client = new RawClient(proxy.listenPort())) {
            for (int i = 0; i < 3; i++) {
                client.send("POST /fast/" + i + " HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
                assertThat(client.read().status()).isEqualTo(200);
            }
        }

        // then every slow client gets 408 and the connection closes, after the timeout and not long after.
        for (Socket s : slowClients) {
            s.setSoTimeout(10_000);
            String answer = readToEnd(s.getInputStream());
            assertThat(answer).startsWith("HTTP/1.1 408 ").contains("header_timeout");
        }
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(elapsedMillis).isBetween(HEADER_TIMEOUT.toMillis(), HEADER_TIMEOUT.toMillis() + 5_000);
        assertThat(app.seen()).extracting(TestApp.Seen::uri).noneMatch(u -> u.startsWith("/slow"));
        assertThat(metric(proxy, hits("header_read_timeout"))).isEqualTo(slow);
        assertThat(metric(proxy, "koordinator_proxy_local_replies_total{error=\"header_timeout\",status=\"408\"}"))
                .isEqualTo(slow);
    }

    @Test
    void aSilentConnectionIsClosedAfterTheTimeoutFromAccept() throws Exception {
        ProxyServer proxy = proxy(Map.of(Key.HEADER_READ_TIMEOUT, HEADER_TIMEOUT.toMillis() + "ms"));
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.listenPort())) {
            s.setSoTimeout(10_000);
            long start = System.nanoTime();
            assertThat(readToEnd(s.getInputStream())).startsWith("HTTP/1.1 408 ");
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isGreaterThanOrEqualTo(HEADER_TIMEOUT.minusMillis(50));
        }
    }

    @Test
    void keepAliveIdleIsNotCountedButALaterHeadIsTimedFromItsFirstByte() throws Exception {
        ProxyServer proxy = proxy(Map.of(Key.HEADER_READ_TIMEOUT, HEADER_TIMEOUT.toMillis() + "ms"));
        try (RawClient client = new RawClient(proxy.listenPort())) {
            client.send("GET /first HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(client.read().status()).isEqualTo(200);
            // Idle between requests for three timeouts: the idle timeout governs that, not this one.
            await().pollDelay(HEADER_TIMEOUT.multipliedBy(3)).until(() -> true);
            client.send("GET /second HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(client.read().status()).isEqualTo(200);

            long start = System.nanoTime();
            client.send("GET /third HTTP/1.1\r\nHost: h\r\n");
            RawClient.Response r = client.read();
            assertThat(r.status()).isEqualTo(408);
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isGreaterThanOrEqualTo(HEADER_TIMEOUT.minusMillis(50));
            assertThat(client.closedByServer()).isTrue();
        }
        assertThat(app.seen()).extracting(TestApp.Seen::uri).containsExactly("/first", "/second");
    }

    @Test
    void aClientWaitingForItsAnswerIsNotCutOff() throws Exception {
        ProxyServer proxy = proxy(Map.of(Key.HEADER_READ_TIMEOUT, HEADER_TIMEOUT.toMillis() + "ms"));
        try (RawClient client = new RawClient(proxy.listenPort())) {
            // The app holds the answer for several timeouts; a pipelined half head waits behind it.
            client.send("POST /stall/1 HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\nGET /next HTTP/1.1\r\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> app.seen().size() == 1);
            await().pollDelay(HEADER_TIMEOUT.multipliedBy(3)).until(() -> true);
            app.release();
            RawClient.Response r = client.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("POST /stall/1 ");
            // Once answered, the half head is timed again and cut off.
            assertThat(client.read().status()).isEqualTo(408);
        }
    }

    @Test
    void connectionsPastTheCapAreResetAtAcceptAndCounted() throws Exception {
        int max = 5;
        ProxyServer proxy = proxy(Map.of(Key.MAX_CONNECTIONS, Integer.toString(max)));
        List<RawClient> open = new ArrayList<>();
        for (int i = 0; i < max; i++) {
            RawClient c = new RawClient(proxy.listenPort());
            closeables.add(c);
            c.send("GET /held/" + i + " HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
            open.add(c);
        }
        assertThat(metric(proxy, "koordinator_proxy_downstream_connections")).isEqualTo(max);

        // One more: accepted by the kernel, then reset by the proxy without an answer.
        for (int i = 0; i < 3; i++) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.listenPort())) {
                s.setSoTimeout(10_000);
                assertThat(refused(s)).as("refused").isTrue();
            }
        }
        assertThat(metric(proxy, hits("max_connections"))).isEqualTo(3);
        assertThat(app.seen()).hasSize(max);

        // A freed place is taken again.
        open.get(0).close();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> metric(proxy, "koordinator_proxy_downstream_connections") == max - 1);
        try (RawClient c = new RawClient(proxy.listenPort())) {
            c.send("GET /again HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
    }

    /** Sends a request and reports whether the connection ended without an answer. */
    static boolean refused(Socket s) {
        try {
            OutputStream out = s.getOutputStream();
            out.write("GET /refused HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return s.getInputStream().read() == -1;
        } catch (SocketException e) {
            return true; // reset
        } catch (IOException e) {
            return false;
        }
    }

    static String readToEnd(InputStream in) throws IOException {
        try {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (SocketException e) {
            return "reset: " + e.getMessage();
        }
    }
}
