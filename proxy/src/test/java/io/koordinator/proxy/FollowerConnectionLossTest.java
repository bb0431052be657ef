package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.MemorySequencer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower that stops on a lost ZooKeeper session (a failure of the connection, not of the log
 * or the app) is replaced by one that follows on from the recorded state: the replica catches up
 * and serves again, and the app gets no command twice.
 */
class FollowerConnectionLossTest {
    private static final Pattern CATCHING_UP =
            Pattern.compile("koordinator_replica_transitions_total\\{state=\"CATCHING_UP\"} (\\d+)");

    @TempDir
    Path stateDir;

    @Test
    void aFollowerStoppedByALostSessionIsReplacedAndNothingIsDeliveredTwice() throws Exception {
        try (TestApp app = new TestApp()) {
            MemorySequencer.Log log = new MemorySequencer.Log();
            ProxyServer proxy = Proxies.start(
                    Proxies.config("conn-loss-1", app.port(), Map.of(Key.STATE_DIR, stateDir.toString())), log);
            try {
                // Given a delivering replica that applied three writes
                await().atMost(Duration.ofSeconds(30)).until(proxy::isReady);
                for (int i = 0; i < 3; i++) {
                    post(proxy, "/before/" + i);
                }
                long caughtUpOnce = catchingUp(proxy);

                // When its follower stops on an expired ZooKeeper session
                log.failAFollower(new KeeperException.SessionExpiredException());

                // Then a new follower catches up from the recorded state and the replica is ready again
                await().atMost(Duration.ofSeconds(30)).until(() -> catchingUp(proxy) > caughtUpOnce && proxy.isReady());
                post(proxy, "/after");
                // And the app saw each write once, in order: nothing was replayed
                assertThat(app.seen())
                        .extracting(TestApp.Seen::uri)
                        .containsExactly("/before/0", "/before/1", "/before/2", "/after");
            } finally {
                proxy.close();
            }
        }
    }

    private static void post(ProxyServer proxy, String path) throws Exception {
        try (RawClient c = new RawClient(proxy.listenPort())) {
            c.send("POST " + path + " HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
    }

    private static long catchingUp(ProxyServer proxy) throws Exception {
        Matcher m = CATCHING_UP.matcher(FailureRepliesTest.metrics(proxy));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }
}
