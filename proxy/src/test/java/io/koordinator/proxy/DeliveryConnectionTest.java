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
import java.net.ServerSocket;
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

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    /** One scripted app: a reply of {@code null} closes the connection instead of answering. */
    private final class ScriptedApp implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
        final BlockingQueue<String> requestLines = new LinkedBlockingQueue<>();
        final AtomicInteger connections = new AtomicInteger();
        final List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();

        ScriptedApp(String... script) throws IOException {
            replies.addAll(List.of(script));
            Thread t = new Thread(this::accept, "scripted-app");
            t.setDaemon(true);
            t.start();
            closeables.add(this);
        }

        private void accept() {
            try {
                while (true) {
                    Socket s = server.accept();
                    accepted.add(s);
                    connections.incrementAndGet();
                    Thread t = new Thread(() -> serve(s), "scripted-app-conn");
                    t.setDaemon(true);
                    t.start();
                }
            } catch (IOException e) {
                // closed
            }
        }

        private void serve(Socket s) {
            try (s) {
                BufferedReader in =
                        new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                OutputStream out = s.getOutputStream();
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    requestLines.add(line);
                    int length = 0;
                    for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) {
                        if (h.toLowerCase().startsWith("content-length:")) {
                            length = Integer.parseInt(h.substring(15).trim());
                        }
                    }
                    in.skip(length);
                    String reply = replies.poll(10, TimeUnit.SECONDS);
                    if (reply == null || reply.equals("CLOSE")) {
                        return;
                    }
                    if (reply.equals("HANG")) {
                        in.read(); // until the client gives up
                        return;
                    }
                    out.write(reply.getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the client went away
            }
        }

        InetSocketAddress address() {
            return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
        }

        /** Closes every accepted connection, as an app that drops idle keep-alive connections. */
        void dropConnections() throws IOException {
            for (Socket s : accepted) {
                s.close();
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            dropConnections();
        }
    }

    private DeliveryConnection connect(ScriptedApp app) {
        DeliveryConnection c = new DeliveryConnection(app.address(), 2_000);
        closeables.add(c);
        return c;
    }

    private static FullHttpRequest put(String body) {
        FullHttpRequest r = new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1, HttpMethod.PUT, "/kv/a", Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.HOST, "app");
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length());
        return r;
    }

    private static String body(FullHttpResponse r) {
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
        assertThat(app.connections.get()).isEqualTo(1);
        assertThat(app.requestLines).containsExactly("PUT /kv/a HTTP/1.1", "PUT /kv/a HTTP/1.1");
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
        assertThat(app.connections.get()).isEqualTo(2);
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
        assertThat(app.connections.get()).isEqualTo(1);
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
