package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.sequencer.MemorySequencer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Three replicas on one log: every app sees the same requests in the same order. */
class OrderingTest {
    static final int REPLICAS = 3;
    static final int CLIENTS_PER_REPLICA = 3;
    static final int REQUESTS_PER_CLIENT = 40;

    final List<TestApp> apps = new ArrayList<>();
    final List<ProxyServer> proxies = new ArrayList<>();

    @AfterEach
    void stop() {
        proxies.forEach(ProxyServer::close);
        apps.forEach(TestApp::close);
    }

    @Test
    void everyReplicaAppliesTheSameSequence() throws Exception {
        // Given three replicas of one group sharing one log
        MemorySequencer.Log log = new MemorySequencer.Log();
        for (int i = 1; i <= REPLICAS; i++) {
            TestApp app = new TestApp();
            apps.add(app);
            proxies.add(Proxies.start(Proxies.config("replica-" + i, app.port(), Map.of()), log));
        }

        // When clients write concurrently through all three
        ExecutorService clients = Executors.newFixedThreadPool(REPLICAS * CLIENTS_PER_REPLICA);
        List<Future<Integer>> done = new ArrayList<>();
        try {
            for (ProxyServer proxy : proxies) {
                for (int c = 0; c < CLIENTS_PER_REPLICA; c++) {
                    String client = proxy.config().replicaId() + "-c" + c;
                    done.add(clients.submit(() -> run(proxy.listenPort(), client)));
                }
            }
            for (Future<Integer> f : done) {
                assertThat(f.get(120, TimeUnit.SECONDS)).isEqualTo(REQUESTS_PER_CLIENT);
            }
        } finally {
            clients.shutdownNow();
        }

        // Then every app saw every request, in one and the same order
        int total = REPLICAS * CLIENTS_PER_REPLICA * REQUESTS_PER_CLIENT;
        TestApp.assertSameDeliveries(apps, total);
        List<Long> positions = apps.get(0).seen().stream()
                .map(s -> Long.parseLong(s.header("x-koordinator-position")))
                .toList();
        assertThat(positions).isSorted().doesNotHaveDuplicates();
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> proxies.forEach(
                        p -> assertThat(p.appliedPosition()).isEqualTo(positions.get(positions.size() - 1))));
    }

    private static int run(int port, String client) throws Exception {
        int ok = 0;
        try (RawClient c = new RawClient(port)) {
            for (int i = 0; i < REQUESTS_PER_CLIENT; i++) {
                String body = client + "#" + i;
                c.send("PUT /kv/" + client + " HTTP/1.1\r\nHost: kv\r\nContent-Length: " + body.length() + "\r\n\r\n"
                        + body);
                RawClient.Response r = c.read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("PUT /kv/" + client + " " + body);
                ok++;
            }
        }
        return ok;
    }
}
