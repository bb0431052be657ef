package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import jdk.net.ExtendedSocketOptions;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * When the proxy starts acknowledging an app's answers at once: a real app on a loopback socket
 * that sends each response's headers and holds its body back until the proxy has noticed (as one
 * with Nagle's algorithm on holds it until the headers' ACK; at most {@value #HELD_MILLIS} ms, so
 * a proxy that never notices still gets its answer and the test fails on the flag), or sends each
 * response in one write. Both the delivery
 * connection and the pass-through pool share one {@link AppAcks} per app.
 */
class AppAcksTest {
    private static final byte[] HEADERS =
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BODY = "ok".getBytes(StandardCharsets.US_ASCII);
    private static final int HELD_MILLIS = 10_000;

    private LoopbackApp app;
    private volatile boolean holdBodies;
    private EventLoopGroup loops;
    private volatile UpstreamClient upstream; // read by the app's threads

    @AfterEach
    void stop() throws Exception {
        if (upstream != null) {
            upstream.close();
        }
        if (app != null) {
            app.close();
        }
        if (loops != null) {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void aDeliveryWhoseBodyComesLateAfterItsHeadersTurnsThemOnForTheApp() throws Exception {
        assumeTrue(quickAckExists(), "TCP_QUICKACK is Linux's");
        UpstreamClient upstream = upstream(true);
        try (DeliveryConnection c = upstream.newDeliveryConnection()) {
            assertThat(body(c.exchange(put(), 5_000, () -> null))).isEqualTo("ok");
            assertThat(upstream.acks().atOnce()).isTrue();
            assertThat(body(c.exchange(put(), 5_000, () -> null))).isEqualTo("ok");
        }
    }

    @Test
    void deliveriesAnsweredInOneWriteLeaveThemOff() throws Exception {
        assumeTrue(quickAckExists(), "TCP_QUICKACK is Linux's");
        UpstreamClient upstream = upstream(false);
        try (DeliveryConnection c = upstream.newDeliveryConnection()) {
            for (int i = 0; i < 20; i++) {
                assertThat(body(c.exchange(put(), 5_000, () -> null))).isEqualTo("ok");
            }
        }
        assertThat(upstream.acks().atOnce()).isFalse();
    }

    @Test
    void aPassThroughAnswerWhoseBodyComesLateTurnsThemOnForTheApp() throws Exception {
        assumeTrue(Epoll.isAvailable(), "native epoll");
        UpstreamClient upstream = upstream(true);
        FullHttpResponse r = upstream.send(loops.next(), put(), 5_000).get(10, TimeUnit.SECONDS);
        assertThat(body(r)).isEqualTo("ok");
        assertThat(upstream.acks().atOnce()).isTrue();
    }

    @Test
    void passThroughAnswersInOneWriteLeaveThemOff() throws Exception {
        assumeTrue(Epoll.isAvailable(), "native epoll");
        UpstreamClient upstream = upstream(false);
        for (int i = 0; i < 20; i++) {
            FullHttpResponse r = upstream.send(loops.next(), put(), 5_000).get(10, TimeUnit.SECONDS);
            assertThat(body(r)).isEqualTo("ok");
        }
        assertThat(upstream.acks().atOnce()).isFalse();
    }

    private UpstreamClient upstream(boolean hold) throws IOException {
        holdBodies = hold;
        app = new LoopbackApp("acks-app", this::serve);
        Transports transports = Transports.pick();
        loops = transports.group(1, "acks-test");
        upstream = new UpstreamClient(app.address(), transports.socketChannel(), 2_000);
        return upstream;
    }

    /** Until the proxy has turned quick ACKs on for this app, at most {@value #HELD_MILLIS} ms. */
    private void awaitNoticed() {
        try {
            await().atMost(Duration.ofMillis(HELD_MILLIS))
                    .pollInterval(Duration.ofMillis(1))
                    .until(() -> upstream.acks().atOnce());
        } catch (ConditionTimeoutException e) {
            // the proxy never noticed: send the body anyway; the test's assertion on the flag fails
        }
    }

    private static boolean quickAckExists() throws IOException {
        try (Socket s = new Socket()) {
            return s.supportedOptions().contains(ExtendedSocketOptions.TCP_QUICKACK);
        }
    }

    /** Answers every request: its headers, then its body, at once or once the proxy noticed the wait. */
    private void serve(Socket s) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
        OutputStream out = s.getOutputStream();
        while (LoopbackApp.readRequest(in) != null) {
            if (holdBodies) {
                out.write(HEADERS);
                out.flush();
                awaitNoticed();
                out.write(BODY);
            } else {
                byte[] whole = new byte[HEADERS.length + BODY.length];
                System.arraycopy(HEADERS, 0, whole, 0, HEADERS.length);
                System.arraycopy(BODY, 0, whole, HEADERS.length, BODY.length);
                out.write(whole);
            }
            out.flush();
        }
    }

    private static FullHttpRequest put() {
        return DeliveryConnectionTest.put("v");
    }

    private static String body(FullHttpResponse r) {
        return DeliveryConnectionTest.body(r);
    }
}
