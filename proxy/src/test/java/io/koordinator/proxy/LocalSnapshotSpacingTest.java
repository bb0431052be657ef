package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.MemorySequencer;
import io.koordinator.sequencer.Positions;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A local snapshot holds delivery while the app answers its {@code GET}, so a slow snapshot
 * endpoint is asked again only after a hundred times its last pause, not at every checkpoint; one
 * that fails slowly held delivery as long, and is spaced the same.
 */
class LocalSnapshotSpacingTest {
    private static final Pattern CHECKPOINTS =
            Pattern.compile("koordinator_proxy_delivery_pause_seconds_count\\{for=\"checkpoint\"} (\\d+)");

    @ParameterizedTest(name = "GET {0}")
    @ValueSource(strings = {"/slow/snapshot", "/slow/status/500"})
    void aSlowSnapshotEndpointIsNotAskedAtEveryCheckpointWhetherItAnswersOrFails(String path) throws Exception {
        try (TestApp app = new TestApp()) {
            ProxyServer proxy = Proxies.start(
                    Proxies.config(
                            "spacing-1", app.port(), Map.of(Key.SNAPSHOT_PATH, path, Key.CHECKPOINT_INTERVAL, "200ms")),
                    new MemorySequencer.Log());
            try {
                // Given a delivering replica whose app takes 250 ms to answer GET of its snapshot
                // path, with its snapshot (200) or with an error (500)
                try (RawClient c = new RawClient(proxy.listenPort())) {
                    c.send("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
                    assertThat(c.read().status()).isEqualTo(200);
                }
                // When it was asked for its first local snapshot and eight more checkpoints passed
                await().atMost(Duration.ofSeconds(30)).until(() -> snapshotRequests(app, path) >= 1);
                long after = checkpoints(proxy);
                await().atMost(Duration.ofSeconds(30)).until(() -> checkpoints(proxy) >= after + 8);
                // Then the app was asked for its snapshot once: the next waits 100 x 250 ms
                assertThat(snapshotRequests(app, path)).isEqualTo(1);
                // And /status shows the position the snapshot was taken at, none where the app failed
                Object local = ((Map<?, ?>) proxy.status().get("checkpoint")).get("localSnapshotPosition");
                long asked = app.seen().stream()
                        .filter(s -> s.uri().equals(path))
                        .mapToLong(s -> Long.parseLong(s.header(HeaderRules.POSITION)))
                        .findFirst()
                        .orElseThrow();
                assertThat(local).isEqualTo(path.equals("/slow/snapshot") ? asked : Positions.NONE);
            } finally {
                proxy.close();
            }
        }
    }

    private static long snapshotRequests(TestApp app, String path) {
        return app.seen().stream()
                .filter(s -> s.method().equals("GET") && s.uri().equals(path))
                .count();
    }

    private static long checkpoints(ProxyServer proxy) throws Exception {
        Matcher m = CHECKPOINTS.matcher(FailureRepliesTest.metrics(proxy));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }
}
