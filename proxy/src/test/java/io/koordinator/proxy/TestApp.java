package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A small real HTTP app on 127.0.0.1 that records every request it gets, in arrival order, and
 * answers {@code 200} with a body {@code <method> <uri> <body>}. Paths under {@code /stall} wait
 * until {@link #release()}, paths under {@code /slow/} {@value #SLOW_MILLIS} ms; {@code
 * /status/<code>} and {@code /slow/status/<code>} answer that status.
 */
final class TestApp implements AutoCloseable {
    /** One request as the app saw it; header names lower case. */
    record Seen(String method, String uri, Map<String, List<String>> headers, String body) {
        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : String.join(",", v);
        }
    }

    static {
        // Without it the JDK server's Nagle delay (headers and body written apart) dominates every
        // exchange. The JDK reads it when the JVM's first server starts, so the build sets it for
        // every test JVM (pom.xml); this covers a run outside Maven with TestApp the first server.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    /** How long a request under {@code /slow/} takes to be answered. */
    static final long SLOW_MILLIS = 250;

    private final HttpServer server;
    private final List<Seen> seen = new ArrayList<>(); // guarded by itself
    private final CountDownLatch stallRelease = new CountDownLatch(1);

    TestApp() throws IOException {
        this(0);
    }

    /** An app on {@code port} (0: any free port). */
    TestApp(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "test-app");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * Waits until every app has seen {@code total} requests, then checks they all saw the same
     * distinct requests in the same order, with the same position, request id and time headers.
     */
    static void assertSameDeliveries(List<TestApp> apps, int total) {
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> apps.forEach(a -> assertThat(a.seen()).hasSize(total)));
        List<String> reference = apps.get(0).deliveries();
        assertThat(new HashSet<>(reference)).hasSize(total);
        for (TestApp app : apps) {
            assertThat(app.deliveries()).isEqualTo(reference);
        }
    }

    /** What this app saw, one line per request: position, request id, time, method, target, body. */
    private List<String> deliveries() {
        return seen().stream()
                .map(s -> s.header("x-koordinator-position") + " " + s.header("x-koordinator-request-id") + " "
                        + s.header("x-koordinator-time") + " " + s.method() + " " + s.uri() + " " + s.body())
                .toList();
    }

    int port() {
        return server.getAddress().getPort();
    }

    List<Seen> seen() {
        synchronized (seen) {
            return List.copyOf(seen);
        }
    }

    void release() {
        stallRelease.countDown();
    }

    private void handle(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        Map<String, List<String>> headers = new TreeMap<>();
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
        String uri = ex.getRequestURI().toString();
        String text = new String(body, StandardCharsets.UTF_8);
        synchronized (seen) {
            seen.add(new Seen(ex.getRequestMethod(), uri, headers, text));
        }
        int status = 200;
        if (uri.startsWith("/stall")) {
            try {
                stallRelease.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else if (uri.startsWith("/slow/")) {
            try {
                Thread.sleep(SLOW_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (uri.startsWith("/slow/status/")) {
                status = Integer.parseInt(uri.substring("/slow/status/".length()));
            }
        } else if (uri.startsWith("/status/")) {
            status = Integer.parseInt(uri.substring("/status/".length()));
        }
        byte[] out = (ex.getRequestMethod() + " " + uri + " " + text).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("X-App", "test");
        ex.getResponseHeaders().add("Content-Type", "text/plain");
        if (status == 204 || ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
        } else {
            ex.sendResponseHeaders(status, out.length);
            ex.getResponseBody().write(out);
        }
        ex.close();
    }

    @Override
    public void close() {
        release();
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
