package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.koordinator.inject.SelfSignedCertificates;
import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.MemorySequencer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The admin port's {@code /app-health/} routes against real apps on loopback: plain HTTP, HTTPS with a certificate
 * nobody trusts, a gRPC health service, plain TCP, and the failures of each.
 */
class AppHealthRouteTest {

    static HttpServer http;
    static HttpsServer https;
    static GrpcHealthStandIn grpc;
    static ServerSocket tcp;
    static int closedPort;
    static ProxyServer proxy;
    static MemorySequencer.Log log = new MemorySequencer.Log();
    static final CountDownLatch release = new CountDownLatch(1);
    static final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() throws Exception {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        http = HttpServer.create(any, 16);
        http.createContext("/ok", ex -> reply(ex, 204));
        http.createContext("/fail", ex -> reply(ex, 500));
        http.createContext("/moved", ex -> {
            ex.getResponseHeaders().set("Location", "/elsewhere");
            reply(ex, 302);
        });
        http.createContext(
                "/needs-header",
                ex -> reply(
                        ex,
                        "kubelet".equals(ex.getRequestHeaders().getFirst("X-Probe"))
                                        && ex.getRequestURI().getQuery().equals("deep=1")
                                ? 200
                                : 401));
        http.createContext("/hang", ex -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            reply(ex, 200);
        });
        http.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        http.start();
        https = HttpsServer.create(any, 16);
        https.setHttpsConfigurator(new HttpsConfigurator(
                SelfSignedCertificates.generate(List.of("app.example")).serverContext()));
        https.createContext("/ok", ex -> reply(ex, 200));
        https.start();
        grpc = new GrpcHealthStandIn();
        tcp = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        int h = http.getAddress().getPort();
        int hs = https.getAddress().getPort();
        String probers = "{"
                + probe("web/readyz", "{\"httpGet\":{\"path\":\"/ok\",\"port\":" + h + ",\"scheme\":\"HTTP\"}}")
                + "," + probe("web/livez", "{\"httpGet\":{\"path\":\"/fail\",\"port\":" + h + "}}")
                + "," + probe("web/startupz", "{\"httpGet\":{\"path\":\"/moved\",\"port\":" + h + "}}")
                + ","
                + probe(
                        "hdr/readyz",
                        "{\"httpGet\":{\"path\":\"/needs-header?deep=1\",\"port\":" + h
                                + ",\"httpHeaders\":[{\"name\":\"X-Probe\",\"value\":\"kubelet\"}]}}")
                + ","
                + probe("slow/readyz", "{\"httpGet\":{\"path\":\"/hang\",\"port\":" + h + "},\"timeoutSeconds\":1}")
                + "," + probe("tls/readyz", "{\"httpGet\":{\"path\":\"/ok\",\"port\":" + hs + ",\"scheme\":\"HTTPS\"}}")
                + "," + probe("plain-to-tls/readyz", "{\"httpGet\":{\"path\":\"/ok\",\"port\":" + hs + "}}")
                + "," + probe("grpc/readyz", "{\"grpc\":{\"port\":" + grpc.port() + "}}")
                + "," + probe("grpc/livez", "{\"grpc\":{\"port\":" + grpc.port() + ",\"service\":\"orders\"}}")
                + "," + probe("grpc/startupz", "{\"grpc\":{\"port\":" + grpc.port() + ",\"service\":\"draining\"}}")
                + "," + probe("grpc-unknown/readyz", "{\"grpc\":{\"port\":" + grpc.port() + ",\"service\":\"nope\"}}")
                + "," + probe("grpc-down/readyz", "{\"grpc\":{\"port\":" + closedPort + "}}")
                + "," + probe("tcp/readyz", "{\"tcpSocket\":{\"port\":" + tcp.getLocalPort() + "}}")
                + "," + probe("tcp/livez", "{\"tcpSocket\":{\"port\":" + closedPort + "}}")
                + "}";
        proxy = Proxies.start(Proxies.config("health-1", h, Map.of(Key.APP_PROBERS, probers)), log);
    }

    private static String probe(String path, String json) {
        String body = json.substring(0, json.length() - 1);
        return "\"/app-health/" + path + "\":"
                + (json.contains("timeoutSeconds") ? json : body + ",\"timeoutSeconds\":5}");
    }

    private static void reply(HttpExchange ex, int status) throws IOException {
        ex.sendResponseHeaders(status, -1);
        ex.close();
    }

    @AfterAll
    static void stop() throws IOException {
        release.countDown();
        proxy.close();
        http.stop(0);
        https.stop(0);
        grpc.close();
        tcp.close();
    }

    static Stream<Arguments> probes() {
        return Stream.of(
                Arguments.of("/app-health/web/readyz", 200, "HTTP 204 from HTTP /ok"),
                Arguments.of("/app-health/web/livez", 503, "HTTP 500"),
                Arguments.of("/app-health/web/startupz", 200, "HTTP 302"),
                Arguments.of("/app-health/hdr/readyz", 200, "HTTP 200 from HTTP /needs-header?deep=1"),
                Arguments.of("/app-health/slow/readyz", 503, "no answer within 1 s"),
                Arguments.of("/app-health/tls/readyz", 200, "HTTP 200 from HTTPS /ok"),
                Arguments.of("/app-health/plain-to-tls/readyz", 503, ""),
                Arguments.of("/app-health/grpc/readyz", 200, "SERVING"),
                Arguments.of("/app-health/grpc/livez", 200, "SERVING"),
                Arguments.of("/app-health/grpc/startupz", 503, "NOT_SERVING"),
                Arguments.of("/app-health/grpc-unknown/readyz", 503, "grpc-status 5"),
                Arguments.of("/app-health/grpc-down/readyz", 503, "cannot connect to port " + closedPort),
                Arguments.of("/app-health/tcp/readyz", 200, "connected to port " + tcp.getLocalPort()),
                Arguments.of("/app-health/tcp/livez", 503, "cannot connect to port " + closedPort),
                Arguments.of("/app-health/nobody/readyz", 404, "no app probe at /app-health/nobody/readyz"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("probes")
    void theOriginalProbeDecidesTheAnswer(String path, int status, String body) throws Exception {
        // when the kubelet calls the rewritten probe on the admin port
        HttpResponse<String> r = get(path);

        // then the answer is the original probe's outcome, and nothing went through the log
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.body()).contains(body);
        assertThat(r.headers().firstValue("connection")).hasValue("close");
        assertThat(log.entryCount()).isZero();
    }

    @Test
    void headAnswersWithoutABodyAndOtherMethodsAreRefused() throws Exception {
        HttpResponse<String> head = client.send(
                HttpRequest.newBuilder(admin("/app-health/web/readyz"))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        HttpResponse<String> post = client.send(
                HttpRequest.newBuilder(admin("/app-health/web/readyz"))
                        .POST(HttpRequest.BodyPublishers.ofString("x"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    private static URI admin(String path) {
        return URI.create("http://127.0.0.1:" + proxy.adminPort() + path);
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return client.send(
                HttpRequest.newBuilder(admin(path))
                        .timeout(Duration.ofSeconds(20))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
