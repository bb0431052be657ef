package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.MemorySequencer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** HTTP/1.1 edge cases against a real proxy on real sockets, in front of a real app. */
class HttpEdgeCaseTest {
    static final int MAX_BODY = 1024;

    static TestApp app;
    static ProxyServer proxy;

    @BeforeAll
    static void start() throws Exception {
        app = new TestApp();
        proxy = Proxies.start(
                Proxies.config(
                        "edge-1",
                        app.port(),
                        Map.of(Key.PASS_THROUGH, "/health,/pass", Key.MAX_BODY_BYTES, Integer.toString(MAX_BODY))),
                new MemorySequencer.Log());
    }

    @AfterAll
    static void stop() {
        proxy.close();
        app.close();
    }

    /** One row: raw bytes sent in one write, the statuses expected in order, and checks. */
    record Case(
            String name,
            String raw,
            List<Integer> statuses,
            boolean closes,
            Consumer<TestApp.Seen> appSaw,
            Consumer<RawClient.Response> lastResponse) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Case ok(String name, String raw, Consumer<TestApp.Seen> appSaw) {
        return new Case(name, raw, List.of(200), false, appSaw, r -> {});
    }

    static Case rejected(String name, String raw, int status) {
        return new Case(name, raw, List.of(status), true, null, r -> {
            assertThat(r.header("content-type")).isEqualTo("application/json");
            assertThat(r.body()).contains("\"error\"").contains("\"detail\"");
        });
    }

    /** Refused by the proxy's own check of the target, not by the decoder. */
    static Case controlByte(String name, String raw) {
        return new Case(
                name,
                raw,
                List.of(400),
                true,
                null,
                r -> assertThat(r.body()).contains("bad_request").contains("control byte"));
    }

    static Case overLimit(String name, String raw, int status, String error) {
        return new Case(
                name,
                raw,
                List.of(status),
                true,
                null,
                r -> assertThat(r.body()).contains("\"" + error + "\"").contains("exceeds the limit"));
    }

    static Stream<Arguments> cases() {
        String big = "x".repeat(MAX_BODY + 1);
        return Stream.of(
                        ok("GET is ordered", "GET /c/get?q=1 HTTP/1.1\r\nHost: h\r\n\r\n", s -> {
                            assertThat(s.method()).isEqualTo("GET");
                            assertThat(s.uri()).isEqualTo("/c/get?q=1");
                            assertThat(s.header("x-koordinator-position")).matches("\\d+");
                            assertThat(s.header("x-koordinator-request-id")).startsWith("edge-1-");
                            assertThat(s.header("x-koordinator-time")).matches("\\d{13}");
                        }),
                        ok(
                                "POST with Content-Length",
                                "POST /c/post HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
                                s -> assertThat(s.body()).isEqualTo("hello")),
                        ok(
                                "chunked body is aggregated",
                                "POST /c/chunked HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                                        + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
                                s -> {
                                    assertThat(s.body()).isEqualTo("hello world");
                                    assertThat(s.header("content-length")).isEqualTo("11");
                                    assertThat(s.header("transfer-encoding")).isNull();
                                }),
                        new Case(
                                "HTTP/1.0 without Host closes after the response",
                                "GET /c/http10 HTTP/1.0\r\n\r\n",
                                List.of(200),
                                true,
                                s -> assertThat(s.uri()).isEqualTo("/c/http10"),
                                r -> assertThat(r.header("connection")).isEqualTo("close")),
                        new Case(
                                "HTTP/1.0 keep-alive is kept",
                                "GET /c/http10ka HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                                        + "GET /c/http10ka2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                                List.of(200, 200),
                                false,
                                s -> assertThat(s.uri()).isEqualTo("/c/http10ka2"),
                                r -> assertThat(r.header("connection")).isEqualTo("keep-alive")),
                        ok(
                                "absolute-form target becomes origin-form",
                                "GET http://example.com/c/absolute?x=2 HTTP/1.1\r\nHost: example.com\r\n\r\n",
                                s -> assertThat(s.uri()).isEqualTo("/c/absolute?x=2")),
                        ok(
                                "spoofed X-Koordinator headers are replaced",
                                "POST /c/spoof HTTP/1.1\r\nHost: h\r\nX-Koordinator-Position: 999999\r\n"
                                        + "x-koordinator-request-id: evil\r\nX-Koordinator-Other: 1\r\n"
                                        + "Content-Length: 0\r\n\r\n",
                                s -> {
                                    assertThat(s.header("x-koordinator-position"))
                                            .matches("\\d+")
                                            .isNotEqualTo("999999");
                                    assertThat(s.header("x-koordinator-request-id"))
                                            .startsWith("edge-1-");
                                    assertThat(s.header("x-koordinator-other")).isNull();
                                }),
                        ok(
                                "hop-by-hop headers are dropped",
                                "POST /c/hop HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, X-Secret\r\n"
                                        + "X-Secret: s\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n"
                                        + "Proxy-Authorization: Basic x\r\nUpgrade: h2c\r\nX-Kept: k\r\n"
                                        + "Content-Length: 0\r\n\r\n",
                                s -> {
                                    assertThat(s.header("x-secret")).isNull();
                                    assertThat(s.header("keep-alive")).isNull();
                                    assertThat(s.header("te")).isNull();
                                    assertThat(s.header("proxy-authorization")).isNull();
                                    assertThat(s.header("upgrade")).isNull();
                                    assertThat(s.header("x-kept")).isEqualTo("k");
                                }),
                        ok(
                                "pass-through prefix reaches the app without ordering headers",
                                "GET /health/live HTTP/1.1\r\nHost: h\r\nX-Koordinator-Position: 5\r\n\r\n",
                                s -> assertThat(s.header("x-koordinator-position"))
                                        .isNull()),
                        new Case(
                                "HEAD has no body",
                                "HEAD /c/head HTTP/1.1\r\nHost: h\r\n\r\n",
                                List.of(200),
                                false,
                                s -> assertThat(s.method()).isEqualTo("HEAD"),
                                r -> assertThat(r.body()).isEmpty()),
                        rejected(
                                "Content-Length over the limit",
                                "POST /c/big HTTP/1.1\r\nHost: h\r\nContent-Length: " + big.length() + "\r\n\r\n" + big,
                                413),
                        rejected(
                                "chunked body over the limit",
                                "POST /c/bigchunked HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                                        + Integer.toHexString(big.length()) + "\r\n" + big + "\r\n0\r\n\r\n",
                                413),
                        rejected(
                                "Content-Length and Transfer-Encoding together",
                                "POST /c/smuggle HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
                                        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /c/smuggled HTTP/1.1\r\n"
                                        + "Host: h\r\n\r\n",
                                400),
                        rejected(
                                "two Content-Length headers",
                                "POST /c/dupcl HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"
                                        + "hello",
                                400),
                        rejected(
                                "conflicting Content-Length list",
                                "POST /c/cllist HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 5\r\n\r\nhello",
                                400),
                        rejected("obs-fold", "GET /c/fold HTTP/1.1\r\nHost: h\r\nX-Folded: a\r\n b\r\n\r\n", 400),
                        rejected(
                                "transfer coding other than chunked",
                                "POST /c/gzip HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                                        + "0\r\n\r\n",
                                400),
                        rejected(
                                "Transfer-Encoding in HTTP/1.0",
                                "POST /c/te10 HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                                400),
                        rejected("missing Host", "GET /c/nohost HTTP/1.1\r\n\r\n", 400),
                        rejected("two Host headers", "GET /c/twohost HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
                        rejected("bare LF line ends", "GET /c/lf HTTP/1.1\nHost: h\n\n", 400),
                        rejected("garbage request line", "HELLO\r\n\r\n", 400),
                        rejected("space before colon", "GET /c/sp HTTP/1.1\r\nHost : h\r\n\r\n", 400),
                        rejected(
                                "negative Content-Length",
                                "POST /c/neg HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n",
                                400),
                        rejected(
                                "bad chunk size",
                                "POST /c/chunk HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                                400),
                        rejected(
                                "unsupported Expect",
                                "POST /c/expect HTTP/1.1\r\nHost: h\r\nExpect: magic\r\nContent-Length: 0\r\n\r\n",
                                417),
                        rejected("CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 400),
                        overLimit(
                                "request line over the limit",
                                "GET /c/" + "l".repeat(StrictRequestDecoder.MAX_INITIAL_LINE)
                                        + " HTTP/1.1\r\nHost: h\r\n\r\n",
                                414,
                                "uri_too_long"),
                        ok(
                                "request line just under the limit",
                                "GET /c/" + "l".repeat(StrictRequestDecoder.MAX_INITIAL_LINE - 64)
                                        + " HTTP/1.1\r\nHost: h\r\n\r\n",
                                s -> assertThat(s.uri()).hasSize(StrictRequestDecoder.MAX_INITIAL_LINE - 61)),
                        overLimit(
                                "header fields over the limit",
                                "GET /c/bighead HTTP/1.1\r\nHost: h\r\n"
                                        + ("X-Big: " + "h".repeat(4000) + "\r\n").repeat(5) + "\r\n",
                                431,
                                "header_fields_too_large"),
                        overLimit(
                                "one header line over the limit",
                                "GET /c/bigline HTTP/1.1\r\nHost: h\r\nX-Big: "
                                        + "h".repeat(StrictRequestDecoder.MAX_HEADER_SIZE) + "\r\n\r\n",
                                431,
                                "header_fields_too_large"),
                        // Netty splits the request line at a NUL or CR, so the version is wrong: 400 too.
                        rejected("NUL in the path", "GET /c/nul\0x HTTP/1.1\r\nHost: h\r\n\r\n", 400),
                        controlByte("NUL at the end of the path", "GET /c/nul\0 HTTP/1.1\r\nHost: h\r\n\r\n"),
                        controlByte("NUL in the query", "GET /c/q?a=\0 HTTP/1.1\r\nHost: h\r\n\r\n"),
                        controlByte("ESC in the path", "GET /c/\u001b[31m HTTP/1.1\r\nHost: h\r\n\r\n"),
                        controlByte("DEL in the path", "GET /c/del\u007f HTTP/1.1\r\nHost: h\r\n\r\n"),
                        rejected("bare CR in the path", "GET /c/cr\rx HTTP/1.1\r\nHost: h\r\n\r\n", 400),
                        controlByte(
                                "control byte in an absolute-form target",
                                "GET http://h/c/abs\u0001 HTTP/1.1\r\nHost: h\r\n\r\n"),
                        controlByte("NUL in a pass-through path", "GET /pass/\0 HTTP/1.1\r\nHost: h\r\n\r\n"))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void edgeCase(Case c) throws Exception {
        int before = app.seen().size();
        try (RawClient client = new RawClient(proxy.listenPort())) {
            client.send(c.raw());
            List<RawClient.Response> responses = new ArrayList<>();
            for (int i = 0; i < c.statuses().size(); i++) {
                responses.add(client.read(c.raw().startsWith("HEAD")));
            }
            assertThat(responses).extracting(RawClient.Response::status).isEqualTo(c.statuses());
            c.lastResponse().accept(responses.get(responses.size() - 1));
            if (c.closes()) {
                assertThat(client.closedByServer()).as("connection closed").isTrue();
            }
        }
        if (c.appSaw() == null) {
            assertThat(app.seen()).as("the app saw nothing").hasSize(before);
        } else {
            List<TestApp.Seen> seen = app.seen();
            assertThat(seen).hasSize(before + c.statuses().size());
            c.appSaw().accept(seen.get(seen.size() - 1));
        }
    }

    @Test
    void keepAliveServesManyRequestsOnOneConnection() throws Exception {
        try (RawClient client = new RawClient(proxy.listenPort())) {
            for (int i = 0; i < 5; i++) {
                client.send("POST /k/" + i + " HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n" + i);
                RawClient.Response r = client.read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("POST /k/" + i + " " + i);
                assertThat(r.header("connection")).isNull();
                assertThat(r.header("x-app")).isEqualTo("test");
            }
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        int n = 20;
        StringBuilder raw = new StringBuilder();
        for (int i = 0; i < n; i++) {
            // Mix ordered and pass-through requests: they finish out of order, answers must not.
            String path = i % 3 == 0 ? "/pass/" + i : "/pipe/" + i;
            raw.append("POST ")
                    .append(path)
                    .append(" HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n")
                    .append(String.format("%02d", i));
        }
        try (RawClient client = new RawClient(proxy.listenPort())) {
            client.send(raw.toString());
            for (int i = 0; i < n; i++) {
                String path = i % 3 == 0 ? "/pass/" + i : "/pipe/" + i;
                RawClient.Response r = client.read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("POST " + path + " " + String.format("%02d", i));
            }
        }
    }

    @Test
    void expectContinueGetsInterimResponseThenTheAnswer() throws Exception {
        try (RawClient client = new RawClient(proxy.listenPort())) {
            client.send("POST /c/continue HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
            assertThat(client.read().status()).isEqualTo(100);
            client.send("body");
            RawClient.Response r = client.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("POST /c/continue body");
        }
        assertThat(app.seen().get(app.seen().size() - 1).header("expect")).isNull();
    }

    @Test
    void expectContinueOverTheLimitIsRefusedBeforeTheBody() throws Exception {
        try (RawClient client = new RawClient(proxy.listenPort())) {
            client.send("POST /c/continue-big HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: "
                    + (MAX_BODY + 1) + "\r\n\r\n");
            RawClient.Response r = client.read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.body()).contains("payload_too_large");
        }
    }

    @Test
    void obsFoldSplitAcrossWritesIsRejected() throws Exception {
        try (RawClient client = new RawClient(proxy.listenPort())) {
            client.send("GET /c/fold2 HTTP/1.1\r\nHost: h\r\nX-A: a\r\n");
            // The decoder has consumed the complete lines; the fold arrives in its own segment.
            org.awaitility.Awaitility.await()
                    .pollDelay(java.time.Duration.ofMillis(50))
                    .until(() -> true);
            client.send(" folded\r\n\r\n");
            assertThat(client.read().status()).isEqualTo(400);
        }
    }
}
