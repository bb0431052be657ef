package io.koordinator.loadtest.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KvAppTest {
    private KvApp app;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeEach
    void start() throws Exception {
        app = KvApp.start("127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        app.close();
    }

    private HttpResponse<String> send(String method, String path, String body, String requestId) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path))
                .timeout(Duration.ofSeconds(30))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (requestId != null) {
            b.header("X-Koordinator-Request-Id", requestId);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void crudAndAppend() throws Exception {
        assertThat(send("GET", "/kv/k", null, null).statusCode()).isEqualTo(404);
        assertThat(send("PUT", "/kv/k", "a", "o-1").statusCode()).isEqualTo(201);
        assertThat(send("PUT", "/kv/k", "b", "o-2").statusCode()).isEqualTo(200);
        HttpResponse<String> appended = send("POST", "/kv/k/append", "c", "o-3");
        assertThat(appended.statusCode()).isEqualTo(200);
        assertThat(appended.body()).isEqualTo("bc");
        assertThat(send("GET", "/kv/k", null, null).body()).isEqualTo("bc");
        assertThat(send("DELETE", "/kv/k", null, "o-4").statusCode()).isEqualTo(200);
        assertThat(send("DELETE", "/kv/k", null, null).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/kv/k", null, null).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/applied", null, null).body()).isEqualTo("o-1\no-2\no-3\no-4\n-\n");
        assertThat(send("GET", "/healthz", null, null).statusCode()).isEqualTo(200);
    }

    @Test
    void digestReportsStateAndAppliedCount() throws Exception {
        String empty = send("GET", "/digest", null, null).body();
        assertThat(empty).contains("\"applied\":0");
        send("POST", "/kv/x/append", "1", null);
        String after = send("GET", "/digest", null, null).body();
        assertThat(after).contains("\"applied\":1").isNotEqualTo(empty);

        KvStore same = new KvStore();
        same.append("x", "1".getBytes(java.nio.charset.StandardCharsets.UTF_8), null, -1);
        assertThat(after).contains("\"digest\":\"" + same.digestHex() + "\"");
    }

    @Test
    void readsAreNotApplied() throws Exception {
        send("GET", "/kv/k", null, "r-1");
        send("GET", "/digest", null, null);
        assertThat(send("GET", "/digest", null, null).body()).contains("\"applied\":0");
    }

    @ParameterizedTest
    @CsvSource({
        "GET, /nope, 404",
        "GET, /kv/, 400",
        "GET, /kv/bad%20key, 400",
        "PATCH, /kv/k, 405",
        "GET, /kv/k/append, 405",
        "POST, /digest, 405",
        "GET, /kv/a/b, 404",
    })
    void badInputGetsJsonErrorAndIsCounted(String method, String path, int status) throws Exception {
        HttpResponse<String> r = send(method, path, null, null);
        assertThat(r.statusCode()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(r.body()).startsWith("{\"error\":").contains("\"detail\":");
        assertThat(app.rejected()).isEqualTo(1);
        assertThat(send("GET", "/digest", null, null).body()).contains("\"applied\":0");
    }

    @Test
    void bodyOverTheLimitIs413() throws Exception {
        HttpResponse<String> r = send("PUT", "/kv/k", "x".repeat(KvApp.MAX_BODY_BYTES + 1), null);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(send("GET", "/digest", null, null).body()).contains("\"applied\":0");
    }

    @Test
    void aSnapshotRestoredIntoAnotherAppGivesTheSameState() throws Exception {
        // Given an app with some state
        send("PUT", "/kv/a", "1", "o-1");
        send("POST", "/kv/b/append", "xy", "o-2");
        String digest = send("GET", "/digest", null, null).body();
        byte[] snapshot = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/snapshot"))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray())
                .body();

        // When it is restored into a fresh app
        try (KvApp other = KvApp.start("127.0.0.1", 0)) {
            URI target = URI.create("http://127.0.0.1:" + other.port() + "/snapshot");
            HttpResponse<String> put = http.send(
                    HttpRequest.newBuilder(target)
                            .PUT(HttpRequest.BodyPublishers.ofByteArray(snapshot))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());

            // Then the other app has the same digest, applied writes and values
            assertThat(put.statusCode()).isEqualTo(204);
            HttpResponse<String> d = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + other.port() + "/digest"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(d.body()).isEqualTo(digest);

            // and a body that is not a snapshot is refused with 400, changing nothing
            HttpResponse<String> bad = http.send(
                    HttpRequest.newBuilder(target)
                            .PUT(HttpRequest.BodyPublishers.ofString("garbage"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(bad.statusCode()).isEqualTo(400);
            HttpResponse<String> after = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + other.port() + "/digest"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(after.body()).isEqualTo(digest);
        }
    }

    @Test
    void aSnapshotIsTheStateAsOfItsHeadersWhichStateTheAskedPosition() throws Exception {
        // Given an app with one write applied
        send("PUT", "/kv/a", "1", "o-1");
        URI snapshot = URI.create("http://127.0.0.1:" + app.port() + "/snapshot");

        // When its snapshot is asked at a position, and a write comes once the answer's headers did
        HttpResponse<InputStream> answer = http.send(
                HttpRequest.newBuilder(snapshot)
                        .header("X-Koordinator-Position", "41")
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(answer.headers().firstValue("X-Koordinator-Snapshot-Position"))
                .contains("41");
        assertThat(send("PUT", "/kv/b", "2", "o-2").statusCode()).isEqualTo(201);
        KvStore restored = new KvStore();
        try (InputStream body = answer.body()) {
            restored.restore(body.readAllBytes());
        }

        // Then the snapshot holds the state of then, without the later write
        assertThat(restored.get("a")).isEqualTo("1".getBytes(StandardCharsets.UTF_8));
        assertThat(restored.get("b")).isNull();
        assertThat(restored.appliedIds()).containsExactly("o-1");
        // and a snapshot asked at no position states none
        assertThat(http.send(HttpRequest.newBuilder(snapshot).build(), HttpResponse.BodyHandlers.ofByteArray())
                        .headers()
                        .firstValue("X-Koordinator-Snapshot-Position"))
                .isEmpty();
    }

    @Test
    void closeIsIdempotent() {
        app.close();
        app.close();
    }
}
