package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.RequestId;
import io.koordinator.sequencer.SequencerConfig;
import io.koordinator.sequencer.codec.EntryCodec;
import io.koordinator.sequencer.zk.ZkSequencer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Rolling upgrade, the proxy's side: a proxy that meets an entry written by a newer release in a
 * format it does not know stops, not ready, with which version at which position and "upgrade this
 * proxy"; the app never sees that entry nor anything after it.
 */
class EntryFormatIT {
    TestingServer zk;
    CuratorFramework raw;
    TestApp app;
    ProxyServer proxy;

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (app != null) {
            app.close();
        }
        if (raw != null) {
            raw.close();
        }
        if (zk != null) {
            zk.close();
        }
    }

    @Test
    void aProxyMeetingANewerEntryFormatStopsNotReadyWithTheReason() throws Exception {
        // Given a ready proxy on a real ZooKeeper that has delivered one ordered request
        zk = new TestingServer(true);
        app = new TestApp();
        ProxyConfig config = Proxies.config("old-1", app.port(), Map.of(Key.ZOOKEEPER, zk.getConnectString()));
        SequencerConfig sc = config.sequencerConfig()
                .withRoot("/upgrade-it")
                .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(3));
        proxy = new ProxyServer(config, new ZkSequencer(sc));
        proxy.start();
        await().atMost(Duration.ofSeconds(60)).until(proxy::isReady);
        assertThat(post("/before")).isEqualTo(200);

        // When a proxy of a newer release appends an entry in format version 2, then one in version 1
        raw = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100));
        raw.start();
        String prefix = sc.groupPath() + "/log/0000000000/e-";
        byte[] newer = entry("new-1", 1, "POST /from-the-newer-format HTTP/1.1");
        newer[0] = 2;
        String newerPath =
                raw.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath(prefix, newer);
        raw.create()
                .withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                .forPath(prefix, entry("new-1", 2, "POST /after-it HTTP/1.1"));

        // Then the proxy stops, not ready, saying which version at which position and what to do
        await().atMost(Duration.ofSeconds(60)).until(() -> proxy.replicaState() == ReplicaState.STOPPED);
        long sequence = Long.parseLong(newerPath.substring(prefix.length()));
        HttpResponse<String> ready = FailureRepliesTest.get(proxy, "/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body())
                .contains("the entry at 0:" + sequence + ":0 has entry format version 2")
                .contains("upgrade this proxy");
        // and neither that entry nor the one after it reached the app: nothing was skipped
        assertThat(app.seen()).extracting(TestApp.Seen::uri).containsExactly("/before");
        assertThat(proxy.appliedPosition()).isLessThan(Positions.entry(0, sequence));
    }

    private static byte[] entry(String origin, long counter, String payload) {
        return EntryCodec.encode(List.of(
                new Command(new RequestId(origin, counter), System.currentTimeMillis(), null, payload.getBytes())));
    }

    private int post(String path) throws Exception {
        try (RawClient c = new RawClient(proxy.listenPort())) {
            c.send("POST " + path + " HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
            return c.read().status();
        }
    }
}
