package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.zk.ZkSequencer;
import java.time.Duration;
import java.util.Map;

/**
 * A proxy on a real ZooKeeper in front of a {@link TestApp}, ports 0, for tests outside this
 * package that scrape its admin port; {@link #traffic()} gives every labelled metric a series.
 */
public final class MonitoredProxy implements AutoCloseable {
    private final TestApp app;
    private final ProxyServer proxy;

    private MonitoredProxy(TestApp app, ProxyServer proxy) {
        this.app = app;
        this.proxy = proxy;
    }

    /** Starts it and waits until it is ready. */
    public static MonitoredProxy start(String zookeeper) throws Exception {
        TestApp app = new TestApp();
        ProxyConfig config = Proxies.config("scraped-1", app.port(), Map.of(Key.ZOOKEEPER, zookeeper));
        ProxyServer proxy = new ProxyServer(config, new ZkSequencer(config.sequencerConfig()));
        MonitoredProxy started = new MonitoredProxy(app, proxy);
        try {
            proxy.start();
            await().atMost(Duration.ofSeconds(60)).until(proxy::isReady);
        } catch (Exception | AssertionError e) {
            started.close();
            throw e;
        }
        return started;
    }

    public int adminPort() {
        return proxy.adminPort();
    }

    /** An ordered request, a malformed one (a local 400) and a {@code /status} without the token (401). */
    public void traffic() throws Exception {
        try (RawClient c = new RawClient(proxy.listenPort())) {
            c.send("PUT /kv/a HTTP/1.1\r\nHost: kv\r\nContent-Length: 1\r\n\r\na");
            assertThat(c.read().status()).isEqualTo(200);
            c.send("GET / HTTP/1.1\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(400);
        }
        assertThat(AdminAuthTest.call(proxy, "GET", "/status", null).statusCode())
                .isEqualTo(401);
    }

    @Override
    public void close() {
        proxy.close();
        app.close();
    }
}
