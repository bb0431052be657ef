package io.koordinator.proxy;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.MemorySequencer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A local snapshot holds delivery until the app's whole answer is read, unless the app's headers
 * state, with {@code X-Koordinator-Snapshot-Position} equal to the asked position, that its state
 * was fixed before them: then delivery goes on while the body streams. Either way the snapshot is
 * kept at the position it was asked at.
 */
class FixedSnapshotTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @ParameterizedTest(name = "position stated: {0}")
    @ValueSource(booleans = {true, false})
    void deliveryWaitsForTheBodyOnlyWhenTheAppDoesNotStateItsSnapshotFixed(boolean stated) throws Exception {
        CountDownLatch headersSent = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> seen = new CopyOnWriteArrayList<>();
        AtomicLong asked = new AtomicLong(-1);
        try (LoopbackApp app = new LoopbackApp("fixed-snapshot", s -> {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), ISO_8859_1));
            OutputStream out = s.getOutputStream();
            for (Map<String, String> r = request(in); r != null; r = request(in)) {
                if (!r.get("").startsWith("GET /snap ")) {
                    seen.add(r.get(""));
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(ISO_8859_1));
                    out.flush();
                    continue;
                }
                String position = r.get("x-koordinator-position");
                if (seen.isEmpty() || headersSent.getCount() == 0) {
                    // a snapshot before the first request, or after the one the test holds: at once
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nstate"
                            .getBytes(ISO_8859_1));
                    out.flush();
                    return;
                }
                // Given an app that sends its snapshot's headers at once, and its body when the test says
                asked.set(Long.parseLong(position));
                String statement = stated ? HeaderRules.SNAPSHOT_POSITION + ": " + position + "\r\n" : "";
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n" + statement + "\r\n")
                        .getBytes(ISO_8859_1));
                out.flush();
                headersSent.countDown();
                release.await(WAIT.toSeconds(), TimeUnit.SECONDS);
                seen.add("snapshot body");
                out.write("state".getBytes(ISO_8859_1));
                out.flush();
                return;
            }
        })) {
            ProxyServer proxy = Proxies.start(
                    Proxies.config(
                            "fixed-" + stated,
                            app.port(),
                            Map.of(Key.SNAPSHOT_PATH, "/snap", Key.CHECKPOINT_INTERVAL, "200ms")),
                    new MemorySequencer.Log());
            try (RawClient first = new RawClient(proxy.listenPort());
                    RawClient second = new RawClient(proxy.listenPort())) {
                first.send("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
                assertThat(first.read().status()).isEqualTo(200);
                // When the proxy asked for its local snapshot, and an ordered request comes while
                // the snapshot's body is still held back
                assertThat(headersSent.await(WAIT.toSeconds(), TimeUnit.SECONDS))
                        .isTrue();
                CompletableFuture<Integer> next = CompletableFuture.supplyAsync(() -> {
                    try {
                        return second.send("POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n")
                                .read()
                                .status();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                if (stated) {
                    // Then it reaches the app and is answered before the body comes
                    assertThat(next.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(200);
                    assertThat(seen).containsExactly("POST /a HTTP/1.1", "POST /b HTTP/1.1");
                    release.countDown();
                } else {
                    // Then it waits for the body, and goes to the app after it
                    await().during(Duration.ofMillis(500)).atMost(WAIT).until(() -> !next.isDone());
                    release.countDown();
                    assertThat(next.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(200);
                    assertThat(seen).containsExactly("POST /a HTTP/1.1", "snapshot body", "POST /b HTTP/1.1");
                }
                // And either way the snapshot is kept at the position it was asked at, before /b
                await().atMost(WAIT).until(() -> localSnapshotPosition(proxy) == asked.get());
                await().atMost(WAIT).until(() -> checkpointField(proxy, "writtenPosition") > asked.get());
            } finally {
                proxy.close();
            }
        }
    }

    private static long localSnapshotPosition(ProxyServer proxy) throws Exception {
        return checkpointField(proxy, "localSnapshotPosition");
    }

    private static long checkpointField(ProxyServer proxy, String name) throws Exception {
        return ((Number) ((Map<?, ?>) proxy.status().get("checkpoint")).get(name)).longValue();
    }

    /** The next request's line (under "") and its headers (names in lower case), its body skipped; null at the end. */
    private static Map<String, String> request(BufferedReader in) throws IOException {
        String line = in.readLine();
        if (line == null) {
            return null;
        }
        Map<String, String> r = new HashMap<>();
        r.put("", line);
        for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) {
            int colon = h.indexOf(':');
            r.put(
                    h.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    h.substring(colon + 1).trim());
        }
        in.skip(Long.parseLong(r.getOrDefault("content-length", "0")));
        return r;
    }
}
