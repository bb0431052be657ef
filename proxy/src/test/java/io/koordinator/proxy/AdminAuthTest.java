package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.MemorySequencer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The admin port's token: which routes are open, which need it, and what a wrong one gets. */
class AdminAuthTest {
    static final String TOKEN = "0123456789abcdef0123456789abcdef";
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final List<String> warnings = new CopyOnWriteArrayList<>();
    static TestApp app;
    static ProxyServer proxy;
    static AbstractAppender appender;

    @BeforeAll
    static void start() throws Exception {
        appender = new AbstractAppender("admin-auth-test", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                if (event.getLevel() == Level.WARN && event.getLoggerName().equals(AdminAuth.class.getName())) {
                    warnings.add(event.getMessage().getFormattedMessage());
                }
            }
        };
        appender.start();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getRootLogger().addAppender(appender, Level.ALL, null);
        context.updateLoggers();
        app = new TestApp();
        proxy = Proxies.start(
                Proxies.config("auth-1", app.port(), Map.of(Key.TRANSFER_TOKEN, TOKEN, Key.SNAPSHOT_PATH, "/snapshot")),
                new MemorySequencer.Log());
    }

    @AfterAll
    static void stop() {
        proxy.close();
        app.close();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getRootLogger().removeAppender(appender.getName());
        context.updateLoggers();
    }

    static HttpResponse<String> call(ProxyServer proxy, String method, String path, String authorization)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.adminPort() + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@code GET /status} with the proxy's own token (configured or generated). */
    static HttpResponse<String> status(ProxyServer proxy) throws Exception {
        return call(
                proxy,
                "GET",
                "/status",
                AdminAuth.SCHEME + proxy.transfer().auth().token());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/live", "/metrics", "/ready"})
    void probesAndMetricsStayOpen(String path) throws Exception {
        HttpResponse<String> r = call(proxy, "GET", path, null);
        assertThat(r.statusCode()).as(r.body()).isIn(200, 503); // /ready may still be 503, but not 401
        assertThat(call(proxy, "GET", path, "Bearer wrong").statusCode()).isNotIn(401, 403);
    }

    @Test
    void statusWithoutATokenIs401() throws Exception {
        HttpResponse<String> r = call(proxy, "GET", "/status", null);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("www-authenticate")).hasValue("Bearer realm=\"koordinator\"");
        assertThat(r.body()).contains("\"error\":\"unauthorized\"").doesNotContain("replicaId");
        assertThat(call(proxy, "HEAD", "/status", null).statusCode()).isEqualTo(401);
        assertThat(call(proxy, "GET", "/status", "Basic " + TOKEN).statusCode()).isEqualTo(401);
    }

    @Test
    void statusWithAWrongTokenIs403() throws Exception {
        for (String wrong : new String[] {"Bearer x", "Bearer " + TOKEN + "0", "Bearer " + TOKEN.substring(1)}) {
            HttpResponse<String> r = call(proxy, "GET", "/status", wrong);
            assertThat(r.statusCode()).as(wrong).isEqualTo(403);
            assertThat(r.body()).contains("\"error\":\"forbidden\"").doesNotContain("replicaId");
        }
    }

    @Test
    void statusWithTheTokenIs200() throws Exception {
        HttpResponse<String> r = call(proxy, "GET", "/status", "Bearer " + TOKEN);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"replicaId\":\"auth-1\"");
        HttpResponse<String> head = call(proxy, "HEAD", "/status", "bearer " + TOKEN);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
    }

    @Test
    void stateTransferChecksTheSameToken() throws Exception {
        for (String path : new String[] {SnapshotTransfer.PATH, ArchiveTransfer.PATH + "?after=0"}) {
            assertThat(call(proxy, "GET", path, null).statusCode()).as(path).isEqualTo(401);
            assertThat(call(proxy, "GET", path, "Bearer nope").statusCode())
                    .as(path)
                    .isEqualTo(403);
        }
    }

    @Test
    void refusalsAreCountedAndLoggedOncePerCause() throws Exception {
        for (int i = 0; i < 20; i++) {
            assertThat(call(proxy, "GET", "/status", null).statusCode()).isEqualTo(401);
            assertThat(call(proxy, "GET", "/status", "Bearer guess-" + i).statusCode())
                    .isEqualTo(403);
        }
        String metrics = FailureRepliesTest.metrics(proxy);
        assertThat(counter(metrics, "no_token")).isGreaterThanOrEqualTo(20);
        assertThat(counter(metrics, "bad_token")).isGreaterThanOrEqualTo(20);
        assertThat(warnings).filteredOn(w -> w.contains("no Bearer token")).hasSize(1);
        assertThat(warnings).filteredOn(w -> w.contains("a wrong token")).hasSize(1);
        assertThat(warnings).noneMatch(w -> w.contains("guess-"));
    }

    @Test
    void aGeneratedTokenComesFromTheGroupAndIsChecked() throws Exception {
        MemorySequencer.Log log = new MemorySequencer.Log();
        try (TestApp other = new TestApp();
                ProxyServer generated = Proxies.start(Proxies.config("auth-2", other.port(), Map.of()), log)) {
            String token = generated.transfer().auth().token();
            assertThat(token).hasSize(64);
            assertThat(call(generated, "GET", "/status", "Bearer " + TOKEN).statusCode())
                    .isEqualTo(403);
            assertThat(call(generated, "GET", "/status", "Bearer " + token).statusCode())
                    .isEqualTo(200);
        }
    }

    private static double counter(String metrics, String reason) {
        String prefix = "koordinator_admin_refusals_total{reason=\"" + reason + "\"} ";
        return metrics.lines()
                .filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
                .findFirst()
                .orElse(0);
    }
}
