package io.koordinator.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.koordinator.loadtest.cluster.ClusterConfig;
import io.koordinator.loadtest.cluster.Jars;
import io.koordinator.loadtest.cluster.LocalCluster;
import io.koordinator.loadtest.cluster.Replica;
import io.koordinator.loadtest.load.HttpConnection;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.ObjectMapper;

/**
 * A replica cut off its peers and off ZooKeeper while its clients still reach it: three replicas,
 * each in a network namespace of its own (real processes, a real ZooKeeper in the root namespace),
 * linearizable reads. The cut-off replica never answers from the state it had when it was cut off,
 * goes out of service with the reason, and comes back identical once the network heals; the other
 * two go on. Needs root (network namespaces, iptables); skipped loudly otherwise.
 */
class PartitionIT {
    private static final Logger log = LoggerFactory.getLogger(PartitionIT.class);
    private static final Duration SESSION = Duration.ofSeconds(6);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static LocalCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        Optional<String> unavailable = LocalCluster.podNamespacesUnavailable();
        if (unavailable.isPresent()) {
            log.warn("SKIPPED: the partition test needs network namespaces: {}", unavailable.get());
        }
        assumeTrue(unavailable.isEmpty(), () -> "SKIPPED LOUDLY: " + unavailable.get() + " (CI runs as root)");
        cluster = new LocalCluster(ClusterConfig.of(1, 3, Jars.locate().requireExisting())
                .withGroup("partition-it")
                .withPodNamespaces(true)
                .withZkMaxSessionTimeout(SESSION)
                .withProxyArgs(List.of("--read-policy", "linearizable", "--request-timeout", "3s")));
        cluster.start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aReplicaCutOffNeverAnswersFromItsOldStateAndComesBackIdentical() throws Exception {
        List<Replica> rs = cluster.replicas();
        Replica cut = rs.get(2);
        // given a value every replica has applied
        assertThat(send(rs.get(0), "PUT", "/kv/p", "before").status()).isBetween(200, 201);
        cluster.awaitQuiescence(Duration.ofSeconds(30));

        // when replica-3 is cut off its peers and ZooKeeper, and the others write a newer value
        cluster.partition(2);
        try {
            assertThat(send(rs.get(0), "PUT", "/kv/p", "after").status())
                    .as("the other two go on")
                    .isBetween(200, 201);
            assertThat(send(rs.get(1), "GET", "/kv/p", null).body()).isEqualTo("after");

            // then the cut-off replica does not serve the old value, nor take a write
            // (its barrier waits on a silent ZooKeeper: 504 at --request-timeout, or 503 once the
            // connection is known to be lost; never 200 with "before")
            HttpConnection.Response read = sendOrNull(cut, "GET", "/kv/p");
            if (read != null) {
                assertThat(read.status())
                        .as("a linearizable read on the cut-off replica: %s", read.body())
                        .isIn(503, 504);
            }
            HttpConnection.Response write = sendOrNull(cut, "PUT", "/kv/q");
            if (write != null) {
                assertThat(write.status())
                        .as("a write on the cut-off replica: %s", write.body())
                        .isIn(503, 504);
            }
            // and it goes out of service, with the reason
            String reason = awaitNotReady(cut, SESSION.plusSeconds(10));
            log.info("the cut-off replica's /ready: {}", reason);
            assertThat(reason).contains("ZooKeeper");
            HttpConnection.Response again = sendOrNull(cut, "GET", "/kv/p");
            if (again != null) {
                assertThat(again.status())
                        .as("out of service: %s", again.body())
                        .isEqualTo(503);
            }
        } finally {
            // when the network heals
            cluster.reconnect(2);
        }

        // then it comes back with the group's state
        cluster.awaitAllReady(Duration.ofSeconds(60));
        cluster.awaitQuiescence(Duration.ofSeconds(60));
        assertThat(send(cut, "GET", "/kv/p", null).body()).isEqualTo("after");
        String digest = digest(rs.get(0));
        for (Replica r : rs) {
            assertThat(digest(r)).as(r.name()).isEqualTo(digest);
        }
    }

    private static HttpConnection.Response send(Replica r, String method, String path, String body) throws IOException {
        try (HttpConnection c = new HttpConnection(r.inbound(), TIMEOUT)) {
            return c.send(method, path, body);
        }
    }

    /** The answer, or null if there was none in time (an outcome not known). */
    private static HttpConnection.Response sendOrNull(Replica r, String method, String path) {
        try {
            return send(r, method, path, method.equals("PUT") ? "during" : null);
        } catch (IOException e) {
            log.info("{} {} on {}: no answer ({})", method, path, r.name(), e.getMessage());
            return null;
        }
    }

    /** Waits until the proxy's /ready is not 200; its body. */
    private static String awaitNotReady(Replica r, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (HttpConnection c = new HttpConnection(r.admin(), Duration.ofSeconds(2))) {
                HttpConnection.Response resp = c.send("GET", "/ready", null);
                if (resp.status() != 200) {
                    return resp.body();
                }
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        throw new AssertionError(r.name() + " stayed ready for " + timeout + " while cut off");
    }

    /** The app's state digest (its {@code /digest}, straight from the app). */
    private static String digest(Replica r) throws IOException {
        try (HttpConnection c = new HttpConnection(r.appAddress(), TIMEOUT)) {
            HttpConnection.Response resp = c.send("GET", "/digest", null);
            assertThat(resp.status()).as(r.name() + " /digest").isEqualTo(200);
            return new ObjectMapper().readTree(resp.body()).path("digest").asString();
        }
    }
}
