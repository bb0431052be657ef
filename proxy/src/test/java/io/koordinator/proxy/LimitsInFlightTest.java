package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.MemorySequencer;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cap on ordered requests in flight, flooded on real sockets while the app holds every answer:
 * requests past the cap get 503 with {@code Retry-After} at once, nothing of them reaches the log,
 * and the heap stays near what the cap allows instead of growing with the flood.
 */
class LimitsInFlightTest {
    private static final Logger log = LoggerFactory.getLogger(LimitsInFlightTest.class);

    static final int CAP = 40;
    static final int BODY = 64 * 1024;
    static final int FLOOD_CLIENTS = 8;
    static final int FLOOD_PER_CLIENT = 250;

    final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    /** A proxy in front of {@code app} whose clients wait up to a minute, plus {@code extra}. */
    ProxyServer start(TestApp app, Map<Key, String> extra) throws Exception {
        closeables.add(app);
        Map<Key, String> settings = new java.util.EnumMap<>(Key.class);
        settings.put(Key.REQUEST_TIMEOUT, "1m");
        settings.putAll(extra);
        ProxyServer proxy = Proxies.start(Proxies.config("cap-1", app.port(), settings), new MemorySequencer.Log());
        closeables.add(proxy);
        return proxy;
    }

    @Test
    void floodPastTheCapGets503AndTheHeapStaysBounded() throws Exception {
        TestApp app = new TestApp();
        ProxyServer proxy =
                start(app, Map.of(Key.MAX_ORDERED_IN_FLIGHT, Integer.toString(CAP), Key.PASS_THROUGH, "/health"));
        String body = "b".repeat(BODY);
        long baseline = usedHeapAfterGc();

        // Given the app holds its first answer, so every ordered request after it waits for delivery,
        List<RawClient> holders = new ArrayList<>();
        for (int i = 0; i < CAP; i++) {
            RawClient c = new RawClient(proxy.listenPort());
            closeables.add(c);
            String path = i == 0 ? "/stall/0" : "/held/" + i;
            c.send("POST " + path + " HTTP/1.1\r\nHost: h\r\nContent-Length: " + BODY + "\r\n\r\n" + body);
            holders.add(c);
            if (i == 0) {
                // Delivery stops here: everything after it waits.
                await().atMost(Duration.ofSeconds(20)).until(() -> app.seen().size() == 1);
            }
        }
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(LimitsTest.metric(proxy, "koordinator_proxy_ordered_in_flight"))
                        .isEqualTo(CAP));

        // when a flood of ordered requests arrives past the cap,
        ExecutorService pool = Executors.newFixedThreadPool(FLOOD_CLIENTS);
        closeables.add(pool::shutdownNow);
        List<Future<Integer>> refused = new ArrayList<>();
        for (int t = 0; t < FLOOD_CLIENTS; t++) {
            int client = t;
            refused.add(pool.submit(() -> {
                int n = 0;
                try (RawClient c = new RawClient(proxy.listenPort())) {
                    for (int i = 0; i < FLOOD_PER_CLIENT; i++) {
                        c.send("POST /flood/" + client + "/" + i + " HTTP/1.1\r\nHost: h\r\nContent-Length: " + BODY
                                + "\r\n\r\n" + body);
                        RawClient.Response r = c.read();
                        if (r.status() == 503
                                && "1".equals(r.header("retry-after"))
                                && r.body().contains("\"overloaded\"")) {
                            n++;
                        }
                    }
                }
                return n;
            }));
        }
        int total = 0;
        for (Future<Integer> f : refused) {
            total += f.get();
        }
        long atCap = usedHeapAfterGc();
        long grewBytes = atCap - baseline;
        long floodBytes = (long) FLOOD_CLIENTS * FLOOD_PER_CLIENT * BODY;
        log.info(
                "heap at the cap: {} KiB above the baseline, cap {} x {} KiB bodies; the flood sent {} KiB",
                grewBytes / 1024,
                CAP,
                BODY / 1024,
                floodBytes / 1024);

        // then every flood request was refused at once, none reached the log, pass-through still works,
        assertThat(total).isEqualTo(FLOOD_CLIENTS * FLOOD_PER_CLIENT);
        assertThat(LimitsTest.metric(proxy, LimitsTest.hits("max_ordered_in_flight")))
                .isEqualTo(FLOOD_CLIENTS * FLOOD_PER_CLIENT);
        assertThat(LimitsTest.metric(proxy, "koordinator_proxy_ordered_in_flight"))
                .isEqualTo(CAP);
        assertThat(LimitsTest.metric(proxy, "koordinator_proxy_ordered_in_flight_bytes"))
                .isEqualTo((double) CAP * BODY);
        try (RawClient c = new RawClient(proxy.listenPort())) {
            c.send("GET /health HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
        // and the heap holds about what the cap allows (each held body is kept about twice: the
        // command and its entry), far below the flood's size.
        assertThat(grewBytes).isLessThan(12L * CAP * BODY).isLessThan(floodBytes / 4);

        // When the app answers, the held requests complete and the cap frees up.
        app.release();
        for (int i = 0; i < CAP; i++) {
            assertThat(holders.get(i).read().status()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() -> LimitsTest.metric(proxy, "koordinator_proxy_ordered_in_flight") == 0);
        assertThat(LimitsTest.metric(proxy, "koordinator_proxy_ordered_in_flight_bytes"))
                .isZero();
        assertThat(app.seen())
                .extracting(TestApp.Seen::uri)
                .noneMatch(u -> u.startsWith("/flood"))
                .hasSize(CAP + 1); // and the one pass-through request
        try (RawClient c = new RawClient(proxy.listenPort())) {
            c.send("POST /after HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
    }

    @Test
    void theBytesCapRefusesLargeBodiesBeforeTheCountCap() throws Exception {
        TestApp app = new TestApp();
        ProxyServer proxy = start(
                app,
                Map.of(
                        Key.MAX_BODY_BYTES, Integer.toString(BODY),
                        Key.MAX_ORDERED_IN_FLIGHT_BYTES, Integer.toString(3 * BODY)));
        String body = "b".repeat(BODY);
        List<RawClient> holders = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RawClient c = new RawClient(proxy.listenPort());
            closeables.add(c);
            c.send("POST /stall/" + i + " HTTP/1.1\r\nHost: h\r\nContent-Length: " + BODY + "\r\n\r\n" + body);
            holders.add(c);
            if (i == 0) {
                await().atMost(Duration.ofSeconds(20)).until(() -> app.seen().size() == 1);
            }
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() -> LimitsTest.metric(proxy, "koordinator_proxy_ordered_in_flight") == 3);
        try (RawClient c = new RawClient(proxy.listenPort())) {
            c.send("POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.body()).contains("--max-ordered-in-flight-bytes");
            // A request without a body still fits.
            c.send("POST /small HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
            app.release();
            assertThat(c.read().status()).isEqualTo(200);
        }
        for (RawClient h : holders) {
            assertThat(h.read().status()).isEqualTo(200);
        }
    }

    /** Used heap after a full collection (G1 runs one for {@code System.gc()} unless disabled). */
    static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
