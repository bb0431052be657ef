package io.koordinator.loadtest.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.koordinator.loadtest.kv.KvApp;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Open loop against a server that stalls once: the corrected latency charges the stall to every
 * request it held up, the uncorrected latency only to the one it hit (coordinated omission).
 */
class LoadOpenLoopTest {
    private static final int STALLED_REQUEST = 40;
    private static final long STALL_MILLIS = 400;

    private HttpServer server;
    private final AtomicInteger served = new AtomicInteger();
    // Never counted down: the stalled request waits out its full timeout, an injected fault.
    private final CountDownLatch never = new CountDownLatch(1);

    static {
        // Without it the JDK server leaves Nagle on and every small response waits for the
        // client's delayed ACK (about 40 ms), which would hide the one stall among many slow ones.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            if (served.incrementAndGet() == STALLED_REQUEST) {
                try {
                    never.await(STALL_MILLIS, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] body = "ok\n".getBytes();
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private LoadConfig oneConnection(long requests) {
        InetSocketAddress target =
                new InetSocketAddress("127.0.0.1", server.getAddress().getPort());
        return LoadConfig.of(List.of(target), 1, requests, Duration.ofSeconds(20))
                .withMix(new LoadConfig.Mix(0, 100, 0, 0));
    }

    @Test
    void openLoopChargesAStallToEveryRequestItHeldUp() throws Exception {
        // 50 req/s on one connection: a request every 20 ms. The first 25 (0.5 s) are warm-up, so
        // a slow first connection does not count; request 40 stalls for 400 ms, holding up the
        // 20 requests meant to go out during it, about 15 of them by 100 ms or more.
        LoadConfig config = oneConnection(100).withRate(50).withWarmup(Duration.ofMillis(500));
        LoadResult result = new LoadGenerator(config).run(null, Duration.ofSeconds(1));

        assertThat(result.requests()).isEqualTo(75);
        Histogram corrected = result.latencyMicros();
        Histogram uncorrected = result.uncorrectedLatencyMicros();
        // The server is fast apart from the stall, so what follows is the stall's doing.
        assertThat(uncorrected.getValueAtPercentile(50)).isLessThan(TimeUnit.MILLISECONDS.toMicros(10));
        assertThat(corrected.getMaxValue()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toMicros(STALL_MILLIS));
        assertThat(atLeastMillis(corrected, 100)).isBetween(10L, 30L);
        // Only the stalled request itself (and, on a busy machine, a few others) took that long.
        assertThat(atLeastMillis(uncorrected, 100)).isBetween(1L, 5L);
        // The slots that passed while the one connection waited out the stall went out late, and
        // the report says so, with what to change.
        assertThat(result.lateRequests()).isBetween(10L, 30L);
        assertThat(LoadReport.fellBehind(result))
                .hasValueSatisfying(warning -> assertThat(warning)
                        .startsWith("open loop fell behind: " + result.lateRequests() + " of 75 requests")
                        .contains("1 connection(s) at 50 req/s", "a slot every 20.0 ms", "add --connections"));
    }

    @Test
    void closedLoopHidesTheStallFromEveryOtherRequest() throws Exception {
        LoadResult result = new LoadGenerator(oneConnection(200)).run(null, Duration.ofSeconds(1));

        assertThat(result.requests()).isEqualTo(200);
        assertThat(result.latencyMicros().getValueAtPercentile(50)).isLessThan(TimeUnit.MILLISECONDS.toMicros(20));
        assertThat(atLeastMillis(result.latencyMicros(), 100)).isBetween(1L, 5L);
        assertThat(result.latencyMicros()).isEqualTo(result.uncorrectedLatencyMicros());
        assertThat(result.lateRequests()).isZero();
        assertThat(LoadReport.fellBehind(result)).isEmpty();
    }

    @Test
    void warmupRequestsAreSentAndRecordedAsWritesButNotMeasured() throws Exception {
        try (KvApp app = KvApp.start("127.0.0.1", 0)) {
            // 400 req/s on two connections: 100 slots in the 250 ms warm-up, 100 in the 250 ms
            // measured after it. The grid is fixed, so the counts are exact even when late.
            LoadConfig config = LoadConfig.of(
                            List.of(new InetSocketAddress("127.0.0.1", app.port())), 2, 10_000, Duration.ofMillis(250))
                    .withMix(new LoadConfig.Mix(0, 100, 0, 0))
                    .withRate(400)
                    .withWarmup(Duration.ofMillis(250));
            LoadResult result = new LoadGenerator(config).run(null, Duration.ofSeconds(1));

            assertThat(result.requests()).isEqualTo(100);
            assertThat(result.writes()).hasSize(200);
            assertThat(result.latencyMicros().getTotalCount()).isEqualTo(100);
            assertThat(app.requests()).isEqualTo(200);
        }
    }

    private static long atLeastMillis(Histogram micros, long millis) {
        return micros.getCountBetweenValues(TimeUnit.MILLISECONDS.toMicros(millis), micros.getMaxValue());
    }
}
