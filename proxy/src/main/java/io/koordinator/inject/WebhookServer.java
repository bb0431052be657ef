package io.koordinator.inject;

import static io.koordinator.inject.InjectConfigKeys.HEALTHZ_PATH;
import static io.koordinator.inject.InjectConfigKeys.METRICS_PATH;
import static io.koordinator.inject.InjectConfigKeys.MUTATE_PATH;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook's HTTPS listener (the JDK's {@code HttpsServer}: a handful of requests per pod creation do not
 * need an event loop).
 *
 * <table>
 *   <caption>Local replies</caption>
 *   <tr><th>status</th><th>when</th></tr>
 *   <tr><td>200</td><td>an AdmissionReview answer; {@code GET /healthz} once ready; {@code GET /metrics}</td></tr>
 *   <tr><td>400</td><td>a malformed AdmissionReview ({@link AdmissionHandler})</td></tr>
 *   <tr><td>404</td><td>another path</td></tr>
 *   <tr><td>405</td><td>another method than POST on /mutate or GET on /healthz, /metrics</td></tr>
 *   <tr><td>413</td><td>a request body over the cap</td></tr>
 *   <tr><td>503</td><td>{@code GET /healthz} before {@link #markReady()}</td></tr>
 * </table>
 *
 * <p>Every error body is {@code {"error": "...", "detail": "..."}}.
 */
public final class WebhookServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WebhookServer.class);

    private enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    private final InetSocketAddress bind;
    private final SSLContext tls;
    private final AdmissionHandler handler;
    private final int maxBodyBytes;
    private final InjectMetrics metrics;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private volatile boolean ready;
    private volatile HttpsServer server;
    private volatile ExecutorService executor;

    public WebhookServer(
            InetSocketAddress bind, SSLContext tls, AdmissionHandler handler, int maxBodyBytes, InjectMetrics metrics) {
        this.bind = Objects.requireNonNull(bind, "bind");
        this.tls = Objects.requireNonNull(tls, "tls");
        this.handler = Objects.requireNonNull(handler, "handler");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("--max-body-bytes: " + maxBodyBytes + " is below 1024");
        }
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Binds the port and starts serving; {@code /healthz} says 503 until {@link #markReady()}. */
    public void start() throws IOException {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("already started or closed");
        }
        AtomicInteger threads = new AtomicInteger();
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "inject-http-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        HttpsServer s = HttpsServer.create(bind, 64);
        s.setHttpsConfigurator(new HttpsConfigurator(tls));
        s.createContext("/", this::serve);
        s.setExecutor(executor);
        s.start();
        server = s;
        log.info("injector: listening on https://{}:{}{}", bind.getHostString(), port(), MUTATE_PATH);
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** From now on {@code /healthz} answers 200. */
    public void markReady() {
        ready = true;
    }

    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) != State.STARTED) {
            return;
        }
        ready = false;
        try {
            server.stop(0);
            executor.shutdownNow();
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("injector: error while stopping the listener", e);
        }
        log.info("injector: stopped");
    }

    private void serve(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            switch (path) {
                case MUTATE_PATH -> {
                    if (!"POST".equals(method)) {
                        error(ex, 405, "method not allowed", method + " " + path + "; use POST");
                    } else {
                        mutate(ex);
                    }
                }
                case HEALTHZ_PATH -> {
                    if (!"GET".equals(method)) {
                        error(ex, 405, "method not allowed", method + " " + path + "; use GET");
                    } else if (ready) {
                        send(ex, 200, "text/plain", "ok\n".getBytes(StandardCharsets.UTF_8));
                    } else {
                        error(ex, 503, "not ready", "starting up");
                    }
                }
                case METRICS_PATH -> {
                    if (!"GET".equals(method)) {
                        error(ex, 405, "method not allowed", method + " " + path + "; use GET");
                    } else {
                        ByteArrayOutputStream out = new ByteArrayOutputStream();
                        metrics.write(out);
                        send(ex, 200, metrics.contentType(), out.toByteArray());
                    }
                }
                default -> error(ex, 404, "not found", path + " is not served; the webhook is POST " + MUTATE_PATH);
            }
        } catch (IOException | RuntimeException e) {
            metrics.requestFailure();
            log.warn("injector: request {} {} failed: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
            throw e;
        }
    }

    private void mutate(HttpExchange ex) throws IOException {
        byte[] body = readCapped(ex);
        AdmissionResult result = body == null
                ? AdmissionHandler.error(
                        413,
                        AdmissionResult.Outcome.TOO_LARGE,
                        "request body too large",
                        "an AdmissionReview may be at most " + maxBodyBytes + " bytes")
                : handler.handle(body);
        metrics.admission(result.outcome());
        switch (result.outcome()) {
            case INJECTED, REFUSED ->
                log.info("injector: {} {}", result.outcome().label(), result.detail());
            case MALFORMED, TOO_LARGE ->
                log.warn("injector: {} {}", result.outcome().label(), result.detail());
            default -> log.debug("injector: {} {}", result.outcome().label(), result.detail());
        }
        send(ex, result.httpStatus(), "application/json", result.body());
    }

    /** The body, or null if it is over the cap (by Content-Length, or by counting). */
    private byte[] readCapped(HttpExchange ex) throws IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > maxBodyBytes) {
                    return null;
                }
            } catch (NumberFormatException e) {
                // the JDK server has already rejected bad lengths; read and count instead
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = ex.getRequestBody()) {
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                out.write(buf, 0, n);
                if (out.size() > maxBodyBytes) {
                    return null;
                }
            }
        }
        return out.toByteArray();
    }

    private static void error(HttpExchange ex, int status, String error, String detail) throws IOException {
        AdmissionResult r = AdmissionHandler.error(status, AdmissionResult.Outcome.MALFORMED, error, detail);
        send(ex, status, "application/json", r.body());
    }

    private static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
