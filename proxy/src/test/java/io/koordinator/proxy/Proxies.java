package io.koordinator.proxy;

import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.MemorySequencer;
import io.koordinator.sequencer.Sequencer;
import io.koordinator.sequencer.SequencerConfig;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/** Builds in-process proxies on ephemeral ports for tests. */
final class Proxies {
    private Proxies() {}

    /** Settings for a proxy in front of {@code appPort}, ports ephemeral, plus {@code extra}. */
    static ProxyConfig config(String replicaId, int appPort, Map<Key, String> extra) {
        Map<Key, String> m = new EnumMap<>(Key.class);
        m.put(Key.GROUP, "kv");
        m.put(Key.NAMESPACE, "test");
        m.put(Key.REPLICA_ID, replicaId);
        m.put(Key.ZOOKEEPER, "unused:2181");
        m.put(Key.APP_PORT, Integer.toString(appPort));
        m.put(Key.LISTEN_ADDRESS, "127.0.0.1");
        m.put(Key.LISTEN_PORT, "0");
        m.put(Key.ADMIN_PORT, "0");
        m.put(Key.ADVERTISE_ADDRESS, "127.0.0.1");
        m.put(Key.DRAIN_TIMEOUT, "2s");
        m.put(Key.STATE_DIR, freshStateDir(replicaId));
        m.putAll(extra);
        return ProxyConfig.of(m);
    }

    private static String freshStateDir(String replicaId) {
        try {
            Path dir = Files.createTempDirectory("koord-test-state-" + replicaId + "-");
            dir.toFile().deleteOnExit();
            return dir.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The filter chain of a proxy whose upstream (the app) is never reached: for handler tests on
     * an EmbeddedChannel, where nothing is pass-through and nothing is delivered.
     */
    static FilterChain chainWithoutApp(ProxyConfig config, Sequencer sequencer) {
        UpstreamClient upstream =
                new UpstreamClient(new InetSocketAddress("127.0.0.1", 1), NioSocketChannel.class, 100);
        ProxyMetrics metrics = new ProxyMetrics();
        return new FilterChain(
                config,
                metrics,
                new OrderedPath(config, sequencer, new WaitingRequests(), metrics, () -> null),
                new PassThroughPath(upstream, config),
                LinearizablePaths.path(config, sequencer, upstream));
    }

    /** A started proxy on an in-memory log shared through {@code log}. */
    static ProxyServer start(ProxyConfig config, MemorySequencer.Log log) throws Exception {
        SequencerConfig sc = config.sequencerConfig();
        ProxyServer server = new ProxyServer(config, new MemorySequencer(log, sc));
        server.start();
        return server;
    }
}
