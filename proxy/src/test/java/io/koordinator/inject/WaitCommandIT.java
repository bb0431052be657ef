package io.koordinator.inject;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.koordinator.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code koordinator wait} against a tiny real HTTP server on 127.0.0.1. */
class WaitCommandIT {

    private HttpServer admin;
    private final AtomicInteger calls = new AtomicInteger();
    private volatile int notReadyAnswers;

    @BeforeEach
    void startAdmin() throws IOException {
        admin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        admin.createContext("/ready", ex -> {
            int n = calls.incrementAndGet();
            int status = n <= notReadyAnswers ? 503 : 200;
            byte[] body = (status == 200 ? "ready" : "catching up").getBytes();
            ex.sendResponseHeaders(status, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        admin.start();
    }

    @AfterEach
    void stopAdmin() {
        admin.stop(0);
    }

    @Test
    void exitsZeroOnceTheProxyAnswers200() {
        // given a proxy that says 503 three times, then 200
        notReadyAnswers = 3;

        int exit = run("wait", "--admin-port", "" + port(), "--timeout", "60s");

        assertThat(exit).isZero();
        assertThat(calls.get()).isEqualTo(4);
    }

    @Test
    void exitsOneWithAMessageWhenNeverReady() {
        notReadyAnswers = Integer.MAX_VALUE;

        int exit = run("wait", "--admin-port", "" + port(), "--host", "127.0.0.1", "--timeout", "5s");

        assertThat(exit).isEqualTo(1);
        assertThat(calls.get()).isGreaterThanOrEqualTo(1);
        assertThat(err.toString())
                .contains("http://127.0.0.1:" + port() + "/ready did not answer 200 within 5s (last: HTTP 503)");
    }

    @Test
    void retriesWhileNothingListensThenTimesOut() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }

        int exit = run("wait", "--admin-port", "" + closedPort, "--timeout", "1s");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("did not answer 200 within 1s").contains("ConnectException");
    }

    @Test
    void badTimeoutIsAUsageError() {
        assertThat(run("wait", "--admin-port", "" + port(), "--timeout", "soon"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("'soon' is not a duration");
        assertThat(calls.get()).isZero();
    }

    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true));
        try {
            return Main.commandLine().setErr(new PrintWriter(err, true)).execute(args);
        } finally {
            System.setErr(saved);
            err.write(captured.toString());
        }
    }

    private int port() {
        return admin.getAddress().getPort();
    }
}
