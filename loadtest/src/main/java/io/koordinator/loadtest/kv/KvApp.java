package io.koordinator.loadtest.kv;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sample replicated application: a deterministic key-value store over plain HTTP (routes in
 * {@link KvHandler}). It knows nothing about Koordinator; it only records the {@code
 * X-Koordinator-Request-Id} and {@code X-Koordinator-Position} headers of the writes it applies
 * so that a checker can compare replicas. It never reads a clock.
 *
 * <p>Every connection is served by one event loop thread, so the store is mutated by one thread
 * in the order requests arrive.
 */
public final class KvApp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KvApp.class);
    /** Largest request body accepted on {@code /kv}; larger ones get 413. */
    public static final int MAX_BODY_BYTES = 1024 * 1024;
    /** Largest snapshot a {@code PUT /snapshot} may carry. */
    public static final int MAX_SNAPSHOT_BYTES = 512 * 1024 * 1024;

    private enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    private final String host;
    private final int requestedPort;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private EventLoopGroup boss;
    private EventLoopGroup worker;
    private Channel serverChannel;
    private KvHandler handler;
    /** Serialises snapshots from their copies, off the store's thread. */
    private ExecutorService serialiser;

    private final KvDurability durability;
    private String identity;

    /** A not yet started app that will listen on {@code host:port} ({@code port} 0: any free port). */
    public KvApp(String host, int port) {
        this(host, port, null, false);
    }

    /**
     * As {@link #KvApp(String, int)}, keeping its state in {@code dataFile} (null: in memory only),
     * and with {@code positionAware}, answering a redelivered position as it did the first time.
     */
    public KvApp(String host, int port, java.nio.file.Path dataFile, boolean positionAware) {
        if (positionAware && dataFile == null) {
            throw new IllegalArgumentException(
                    "a position-aware app records its position durably: give it a data file");
        }
        this.durability = dataFile == null ? KvDurability.memory() : KvDurability.file(dataFile, positionAware);
        this.host = Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in [0, 65535]: " + port);
        }
        this.requestedPort = port;
    }

    /** Creates and starts an app on {@code host:port}. */
    public static KvApp start(String host, int port) throws InterruptedException {
        KvApp app = new KvApp(host, port);
        app.start();
        return app;
    }

    /** Binds the port. Call once. */
    public void start() throws InterruptedException {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("already started");
        }
        identity = "kv-app/" + host + ":" + requestedPort;
        KvStore store = new KvStore();
        try {
            durability.load(store);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read the app's data file: " + e.getMessage(), e);
        }
        serialiser = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "kv-snapshot");
            t.setDaemon(true);
            return t;
        });
        handler = new KvHandler(identity, store, durability, serialiser);
        boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        // One worker thread: the store is confined to it.
        worker = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            serverChannel = new ServerBootstrap()
                    .group(boss, worker)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast("codec", new HttpServerCodec())
                                    .addLast("keep-alive", new HttpServerKeepAliveHandler())
                                    .addLast("aggregator", new HttpObjectAggregator(MAX_SNAPSHOT_BYTES))
                                    .addLast("kv", handler);
                        }
                    })
                    .bind(host, requestedPort)
                    .sync()
                    .channel();
        } catch (RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
        identity = "kv-app/" + host + ":" + port();
        log.info("{} listening", identity);
    }

    /** The bound port. */
    public int port() {
        if (serverChannel == null) {
            throw new IllegalStateException("not started");
        }
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** Requests served, including rejected ones. */
    public long requests() {
        return handler == null ? 0 : handler.requests();
    }

    /** Requests answered with a 4xx local reply (bad key, unknown path, wrong method). */
    public long rejected() {
        return handler == null ? 0 : handler.rejected();
    }

    /** Unbinds and stops the event loops. Idempotent, never throws. */
    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) == State.CLOSED) {
            return;
        }
        try {
            if (serverChannel != null) {
                serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
            if (boss != null) {
                boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
            if (worker != null) {
                worker.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
            if (serialiser != null) {
                serialiser.shutdownNow();
            }
            log.info("{} closed", identity);
        } catch (RuntimeException e) {
            log.warn("{} error while closing: {}", identity, e.toString());
        }
    }
}
