package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The delivery loop's blocking connection against a scripted app on a real loopback socket: each
 * accepted connection answers the requests it reads with the next scripted replies, in order.
 */
class DeliveryConnectionTest {
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    /** A scripted reply starting with this is written in two writes: its headers, then its body. */
    private static final String SPLIT = "SPLIT:";

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    /** One scripted app: a reply of {@code null} closes the connection instead of answering. */
    private final class ScriptedApp implements AutoCloseable {
        final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
        final BlockingQueue<String> requestLines = new LinkedBlockingQueue<>();
        final LoopbackApp app;

        ScriptedApp(String... script) throws IOException {
            replies.addAll(List.of(script));
            app = new LoopbackApp("scripted-app", this::serve);
            closeables.add(this);
        }

        private void serve(Socket s) throws IOException, InterruptedException {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            for (String line = LoopbackApp.readRequest(in); line != null; line = LoopbackApp.readRequest(in)) {
                requestLines.add(line);
                String reply = replies.poll(10, TimeUnit.SECONDS);
                if (reply == null || reply.equals("CLOSE")) {
                    return;
                }
                if (reply.equals("HANG")) {
                    in.read(); // until the client gives up
                    return;
                }
                if (reply.startsWith(SPLIT)) { // headers, then the body in a write of its own
                    String response = reply.substring(SPLIT.length());
                    int body = response.indexOf("\r\n\r\n") + 4;
                    out.write(response.substring(0, body).getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    reply = response.substring(body);
                }
                out.write(reply.getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        }

        InetSocketAddress address() {
            return app.address();
        }

        int connections() {
            return app.connections();
        }

        /** Closes every accepted connection, as an app that drops idle keep-alive connections. */
        void dropConnections() throws IOException {
            app.dropConnections();
        }

        @Override
        public void close() throws IOException {
            app.close();
        }
    }

    private DeliveryConnection connect(ScriptedApp app) {
        DeliveryConnection c = new DeliveryConnection(app.address(), 2_000);
        closeables.add(c);
        return c;
    }

    static FullHttpRequest put(String body) {
        FullHttpRequest r = new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1, HttpMethod.PUT, "/kv/a", Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.HOST, "app");
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length());
        return r;
    }

    static String body(FullHttpResponse r) {
        try {
            return r.content().toString(StandardCharsets.UTF_8);
        } finally {
            r.release();
        }
    }

    @Test
    void keepAliveExchangesShareOneConnectionAndAChunkedBodyComesBackFramedByLength() throws Exception {
        ScriptedApp app = new ScriptedApp(
                OK, "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
        DeliveryConnection c = connect(app);

        assertThat(body(c.exchange(put("one"), 5_000, () -> null))).isEqualTo("ok");
        FullHttpResponse second = c.exchange(put("two"), 5_000, () -> null);

        assertThat(second.status().code()).isEqualTo(201);
        assertThat(second.headers().get(HttpHeaderNames.TRANSFER_ENCODING)).isNull();
        assertThat(second.headers().getInt(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo(5);
        assertThat(body(second)).isEqualTo("abcde");
        assertThat(app.connections()).isEqualTo(1);
        assertThat(app.requestLines).containsExactly("PUT /kv/a HTTP/1.1", "PUT /kv/a HTTP/1.1");
    }

    @Test
    void anAnswerWrittenInTwoPiecesByAnAppWithNagleOnComesBackWhole() throws Exception {
        // given an app that writes a response's headers and body apart with Nagle's algorithm on (an
        // accepted socket's default), as Python's http.server does: it holds each body until the
        // headers are acknowledged, on a kept-alive connection (the delay this costs without
        // TCP_QUICKACK is measured in docs/benchmarks.md; AppAcksTest has when it is turned on)
        ScriptedApp app = new ScriptedApp(SPLIT + OK, SPLIT + OK, SPLIT + OK, SPLIT + OK, SPLIT + OK);
        DeliveryConnection c = connect(app);

        // when five requests go out one after the other, then each answer comes back whole, on one
        // connection
        for (int i = 0; i < 5; i++) {
            assertThat(body(c.exchange(put("n" + i), 5_000, () -> null))).isEqualTo("ok");
        }
        assertThat(app.connections()).isEqualTo(1);
    }

    @Test
    void aVetoedNewConnectionWritesNothing() throws Exception {
        ScriptedApp app = new ScriptedApp(OK);
        DeliveryConnection c = connect(app);

        assertThatThrownBy(() -> c.exchange(put("x"), 5_000, () -> "another incarnation"))
                .isInstanceOfSatisfying(
                        UpstreamException.class, e -> assertThat(e.kind()).isEqualTo(UpstreamException.Kind.VETOED));
        assertThat(body(c.exchange(put("y"), 5_000, () -> null))).isEqualTo("ok");
        assertThat(app.requestLines).hasSize(1);
    }

    @Test
    void aReusedConnectionTheAppClosedWhileIdleIsReplacedBeforeTheRequestIsWritten() throws Exception {
        ScriptedApp app = new ScriptedApp(OK, OK);
        DeliveryConnection c = connect(app);
        assertThat(body(c.exchange(put("one"), 5_000, () -> null))).isEqualTo("ok");

        // When the app drops the idle keep-alive connection (its end reaches the proxy's socket)
        app.dropConnections();
        await().atMost(Duration.ofSeconds(5)).until(c::endedWhileIdle);

        // Then the next request goes on a new connection, asking the veto, and is answered
        AtomicInteger vetoAsked = new AtomicInteger();
        assertThat(body(c.exchange(put("two"), 5_000, () -> {
                    vetoAsked.incrementAndGet();
                    return null;
                })))
                .isEqualTo("ok");
        assertThat(vetoAsked.get()).isEqualTo(1);
        assertThat(app.connections()).isEqualTo(2);
        assertThat(app.requestLines).hasSize(2);
    }

    @Test
    void aReusedConnectionTheAppClosesAfterReadingTheRequestIsInDoubtNotStale() throws Exception {
        // Given a kept-alive connection, and an app that reads the next request and closes with no
        // answer, as a worker that applied it and crashed behind a listener that lives on
        ScriptedApp app = new ScriptedApp(OK, "CLOSE", OK);
        DeliveryConnection c = connect(app);
        assertThat(body(c.exchange(put("one"), 5_000, () -> null))).isEqualTo("ok");

        // Then the request is a RESET (in doubt, never sent again), though no byte came back
        assertThatThrownBy(() -> c.exchange(put("two"), 5_000, () -> null))
                .isInstanceOfSatisfying(
                        UpstreamException.class, e -> assertThat(e.kind()).isEqualTo(UpstreamException.Kind.RESET));
        assertThat(app.requestLines).hasSize(2);
        assertThat(app.connections()).isEqualTo(1);
    }

    @Test
    void aNewConnectionClosedBeforeAnsweringIsAReset() throws Exception {
        ScriptedApp app = new ScriptedApp("CLOSE");
        DeliveryConnection c = connect(app);

        assertThatThrownBy(() -> c.exchange(put("x"), 5_000, () -> null))
                .isInstanceOfSatisfying(
                        UpstreamException.class, e -> assertThat(e.kind()).isEqualTo(UpstreamException.Kind.RESET));
    }

    @Test
    void noAnswerWithinTheTimeoutIsATimeout() throws Exception {
        ScriptedApp app = new ScriptedApp("HANG");
        DeliveryConnection c = connect(app);

        assertThatThrownBy(() -> c.exchange(put("x"), 300, () -> null))
                .isInstanceOfSatisfying(
                        UpstreamException.class, e -> assertThat(e.kind()).isEqualTo(UpstreamException.Kind.TIMEOUT));
    }

    @Test
    void noAppListeningIsAConnectFailure() throws Exception {
        ScriptedApp app = new ScriptedApp();
        InetSocketAddress gone = app.address();
        app.close();
        DeliveryConnection c = new DeliveryConnection(gone, 2_000);
        closeables.add(c);

        assertThatThrownBy(() -> c.exchange(put("x"), 5_000, () -> null))
                .isInstanceOfSatisfying(
                        UpstreamException.class, e -> assertThat(e.kind()).isEqualTo(UpstreamException.Kind.CONNECT));
    }

    @Test
    void interruptingABlockedExchangeEndsItWithInterruptedException() throws Exception {
        ScriptedApp app = new ScriptedApp("HANG");
        DeliveryConnection c = connect(app);
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread follower = new Thread(() -> {
            try {
                c.exchange(put("x"), 60_000, () -> null);
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
        follower.start();
        app.requestLines.poll(10, TimeUnit.SECONDS); // the request reached the app

        follower.interrupt();

        assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
    }
}
