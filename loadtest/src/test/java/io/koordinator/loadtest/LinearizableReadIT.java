package io.koordinator.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.koordinator.loadtest.cluster.ClusterConfig;
import io.koordinator.loadtest.cluster.Jars;
import io.koordinator.loadtest.cluster.LocalCluster;
import io.koordinator.loadtest.cluster.Replica;
import io.koordinator.loadtest.load.HttpConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code --read-policy linearizable} end to end: three replicas (kv app + proxy, real processes)
 * on a real ZooKeeper. A write acknowledged through one replica is seen by a read that follows it
 * at once through either other replica, and a linearizable read writes nothing to the log.
 */
class LinearizableReadIT {
    private static final String GROUP = "linearizable-it";
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static LocalCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = new LocalCluster(ClusterConfig.of(1, 3, Jars.locate().requireExisting())
                .withGroup(GROUP)
                .withProxyArgs(List.of("--read-policy", "linearizable")));
        cluster.start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aWriteAcknowledgedByOneReplicaIsSeenByTheNextReadOnEveryOther() throws Exception {
        // given one connection per replica
        List<Replica> replicas = cluster.replicas();
        List<HttpConnection> conns = new ArrayList<>();
        for (Replica r : replicas) {
            conns.add(new HttpConnection(r.inbound(), TIMEOUT));
        }
        try {
            List<String> stale = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                // when a write is acknowledged through replica A
                int a = i % 3;
                String value = "v" + i;
                HttpConnection.Response w = conns.get(a).send("PUT", "/kv/p-lin", value);
                assertThat(w.status())
                        .as("write %d through %s", i, replicas.get(a).name())
                        .isBetween(200, 201);
                // then a read right after it through B and through C returns it
                for (int d = 1; d <= 2; d++) {
                    int b = (a + d) % 3;
                    HttpConnection.Response r = conns.get(b).send("GET", "/kv/p-lin", null);
                    assertThat(r.status())
                            .as("read %d through %s", i, replicas.get(b).name())
                            .isEqualTo(200);
                    if (!r.body().equals(value)) {
                        stale.add("write " + value + " via " + replicas.get(a).name() + ", read " + r.body() + " via "
                                + replicas.get(b).name());
                    }
                }
            }
            assertThat(stale).isEmpty();
        } finally {
            conns.forEach(HttpConnection::close);
        }
        // and the reads were served behind barriers, batched or not
        assertThat(counter(cluster.metrics(replicas.get(1)), "koordinator_proxy_read_barriers_total"))
                .isPositive();
        assertThat(counter(cluster.metrics(replicas.get(1)), "koordinator_proxy_linearizable_reads_total"))
                .isGreaterThanOrEqualTo(200);
    }

    @Test
    void aLinearizableReadAppendsNothingToTheLog() throws Exception {
        // given a quiet log holding a write
        List<Replica> replicas = cluster.replicas();
        try (HttpConnection c = new HttpConnection(replicas.get(0).inbound(), TIMEOUT)) {
            assertThat(c.send("PUT", "/kv/p-quiet", "x").status()).isBetween(200, 201);
        }
        long applied = cluster.awaitQuiescence(Duration.ofSeconds(60));
        long entries = logEntries();
        double barriersBefore = counter(cluster.metrics(replicas.get(2)), "koordinator_proxy_read_barriers_total");

        // when 100 linearizable reads go to each replica
        for (Replica r : replicas) {
            try (HttpConnection c = new HttpConnection(r.inbound(), TIMEOUT)) {
                for (int i = 0; i < 100; i++) {
                    HttpConnection.Response resp = c.send("GET", "/kv/p-quiet", null);
                    assertThat(resp.status()).isEqualTo(200);
                    assertThat(resp.body()).isEqualTo("x");
                }
            }
        }

        // then the log holds as many entries as before, and no replica applied anything
        assertThat(logEntries()).isEqualTo(entries);
        for (Replica r : replicas) {
            assertThat(cluster.status(r).appliedPosition()).as(r.name()).isEqualTo(applied);
        }
        // and barriers were taken (one per read here: each read waits for its answer)
        assertThat(counter(cluster.metrics(replicas.get(2)), "koordinator_proxy_read_barriers_total"))
                .isGreaterThanOrEqualTo(barriersBefore + 100);
    }

    /** Entries in the group's log: children of every segment. */
    private static long logEntries() throws Exception {
        String log = "/koordinator/groups/" + GROUP + "/log";
        try (CuratorFramework zk = CuratorFrameworkFactory.builder()
                .connectString(cluster.connectString())
                .retryPolicy(new RetryOneTime(200))
                // the group's subtree has ACLs: read it with the group's own credentials
                .authorization("digest", cluster.credentials().text().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .build()) {
            zk.start();
            long n = 0;
            for (String segment : zk.getChildren().forPath(log)) {
                Stat stat = zk.checkExists().forPath(log + "/" + segment);
                n += stat == null ? 0 : stat.getNumChildren();
            }
            return n;
        }
    }

    private static double counter(String metrics, String name) {
        return metrics.lines()
                .filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }
}
