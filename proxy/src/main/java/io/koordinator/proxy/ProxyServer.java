package io.koordinator.proxy;

import io.koordinator.sequencer.Follower;
import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.ReplicaInfo;
import io.koordinator.sequencer.Sequencer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One proxy: the inbound listener, the admin listener, the ordered and pass-through paths, and the
 * delivery loop following the group's log. Owns the {@link Sequencer} it is given.
 *
 * <p>Life cycle: the constructor stores; {@link #start()} starts the parts in dependency order
 * (sequencer, event loops, follower, admin, listener, replica registration); {@link #close()}
 * stops them in reverse: not ready, stop accepting, drain in-flight requests up to {@code
 * --drain-timeout}, close connections, follower and sequencer, then the event loops. {@code close}
 * is idempotent and never throws.
 */
public final class ProxyServer implements AutoCloseable {
    private enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

    private final ProxyConfig config;
    private final Sequencer sequencer;
    private final String logId;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final ChannelGroup downstream = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final ProxyMetrics metrics = new ProxyMetrics();
    /** Start and close exclusive of each other: a SIGTERM during start waits for it, then undoes it. */
    private final Object lifecycle = new Object();

    // Set by start(), read by other threads after it returns.
    private volatile EventLoopGroup acceptGroup;
    private volatile EventLoopGroup ioGroup;
    private volatile EventLoopGroup deliveryGroup;
    private volatile UpstreamClient upstream;
    private volatile FilterChain chain;
    private volatile DeliveryLoop delivery;
    private volatile Follower follower;
    private volatile Channel listener;
    private volatile Channel admin;
    private volatile boolean draining;

    public ProxyServer(ProxyConfig config, Sequencer sequencer) {
        this.config = Objects.requireNonNull(config, "config");
        this.sequencer = Objects.requireNonNull(sequencer, "sequencer");
        this.logId = config.logId();
    }

    /** Starts every part; on failure closes what started and rethrows. Call once. */
    public void start() throws Exception {
        synchronized (lifecycle) {
            if (!state.compareAndSet(State.LATENT, State.STARTED)) {
                throw new IllegalStateException("already started or closed");
            }
            try {
                startParts();
            } catch (Exception e) {
                log.error("{} start failed: {}", logId, e.toString());
                close();
                throw e;
            }
        }
    }

    private void startParts() throws Exception {
        Transports transports = Transports.pick();
        log.info(
                "{} starting: app {}:{}, read policy {}, pass-through {}, transport {}",
                logId,
                config.appHost(),
                config.appPort(),
                config.readPolicy().name().toLowerCase(Locale.ROOT),
                config.passThrough(),
                transports.name());
        LocalReplies.warmUp();
        sequencer.start();
        log.info("{} sequencer started ({}), ZooKeeper {}", logId, sequencer.connectionState(), config.zookeeper());
        acceptGroup = transports.group(1, "koord-accept");
        ioGroup = transports.group(Math.max(2, Runtime.getRuntime().availableProcessors()), "koord-io");
        deliveryGroup = transports.group(1, "koord-delivery");
        upstream = new UpstreamClient(
                new InetSocketAddress(config.appHost(), config.appPort()), transports.socketChannel(), 5000);
        OrderedPath ordered = new OrderedPath(config, sequencer, this::deliveryRefusal);
        delivery = new DeliveryLoop(config, upstream, deliveryGroup.next(), ordered, metrics);
        chain = new FilterChain(config, metrics, ordered, new PassThroughPath(upstream, config));
        metrics.gauges(
                () -> sequencer.stats().appendsInFlight(),
                () -> follower == null ? 0 : follower.lagEntries(),
                () -> notReadyReason().isEmpty() ? 1 : 0);
        follower = sequencer.follow(Positions.NONE, delivery);
        log.info("{} following the log from the start", logId);

        // The inbound listener first: the admin port answering /live (the startup probe) then
        // means the proxy accepts requests too.
        listener = new ServerBootstrap()
                .group(acceptGroup, ioGroup)
                .channel(transports.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .handler(new ConnectionLimit(chain))
                .childHandler(new DownstreamInitializer(chain, downstream))
                .bind(config.listenAddress(), config.listenPort())
                .sync()
                .channel();
        log.info("{} listening on {}", logId, listener.localAddress());

        admin = new ServerBootstrap()
                .group(acceptGroup, ioGroup)
                .channel(transports.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast("codec", new HttpServerCodec())
                                .addLast("aggregator", new HttpObjectAggregator(64 * 1024))
                                .addLast("admin", new AdminHandler(ProxyServer.this));
                    }
                })
                .bind(config.listenAddress(), config.adminPort())
                .sync()
                .channel();
        log.info("{} admin listening on {}", logId, admin.localAddress());

        sequencer.registerReplica(replicaInfo(), this::replicaInfo);
        log.info("{} started", logId);
    }

    /** The inbound listener's port (the real one when configured as 0). */
    public int listenPort() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** The admin listener's port (the real one when configured as 0). */
    public int adminPort() {
        return ((InetSocketAddress) admin.localAddress()).getPort();
    }

    public ProxyConfig config() {
        return config;
    }

    /** Why the readiness probe fails, or empty while it passes. */
    public Optional<String> notReadyReason() {
        if (state.get() != State.STARTED || follower == null) {
            return Optional.of(state.get() == State.CLOSED ? "stopped" : "starting");
        }
        if (draining) {
            return Optional.of("shutting down");
        }
        if (!sequencer.isConnected()) {
            return Optional.of("not connected to ZooKeeper (" + sequencer.connectionState() + ")");
        }
        String refusal = deliveryRefusal();
        if (refusal != null) {
            return Optional.of(refusal);
        }
        DeliveryLoop d = delivery;
        if (d != null && d.waitingForApp() != null) {
            return Optional.of(d.waitingForApp());
        }
        long lag = follower.lagEntries();
        if (lag > config.readyMaxLag()) {
            return Optional.of("lagging " + lag + " entries behind the log (at most " + config.readyMaxLag() + ")");
        }
        return Optional.empty();
    }

    public boolean isReady() {
        return notReadyReason().isEmpty();
    }

    /** Position of the last command this replica applied, or {@link Positions#NONE}. */
    public long appliedPosition() {
        DeliveryLoop d = delivery;
        return d == null ? Positions.NONE : d.appliedPosition();
    }

    /** Why ordered requests cannot be delivered here, or {@code null}. */
    private String deliveryRefusal() {
        DeliveryLoop d = delivery;
        if (d != null && d.broken() != null) {
            return "delivery stopped: " + d.broken();
        }
        Follower f = follower;
        if (f != null && f.failure().isPresent()) {
            return "follower failed: " + f.failure().get();
        }
        return null;
    }

    /** The {@code /status} document. */
    Map<String, Object> status() {
        Follower f = follower;
        long applied = appliedPosition();
        long tail = f == null ? Positions.NONE : f.tailSeen();
        Optional<String> problem = notReadyReason();
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("group", config.groupId());
        s.put("replicaId", config.replicaId());
        s.put("appliedPosition", applied);
        s.put("appliedPositionText", Positions.format(applied));
        s.put("tailSeen", tail);
        s.put("lag", f == null ? 0 : f.lagEntries());
        s.put("zookeeper", sequencer.connectionState());
        s.put("ready", problem.isEmpty());
        problem.ifPresent(p -> s.put("notReadyReason", p));
        s.put("snapshotPath", config.snapshotPath());
        s.put("readPolicy", config.readPolicy().name().toLowerCase(Locale.ROOT));
        s.put("inFlight", chain == null ? 0 : chain.inFlight());
        s.put("counts", new TreeMap<>(metrics.counts()));
        return s;
    }

    ProxyMetrics metrics() {
        return metrics;
    }

    private ReplicaInfo replicaInfo() {
        int port = admin == null ? config.adminPort() : adminPort();
        return new ReplicaInfo(
                config.replicaId(), config.advertiseAddress() + ":" + port, appliedPosition(), isReady());
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        synchronized (lifecycle) {
            closeParts();
        }
    }

    private void closeParts() {
        State previous = state.getAndSet(State.CLOSED);
        if (previous == State.CLOSED) {
            return;
        }
        try {
            log.info("{} stopping: not ready", logId);
            draining = true;
            if (chain != null) {
                chain.startDraining();
            }
            if (listener != null) {
                log.info("{} stopping: closing the listener", logId);
                listener.close().syncUninterruptibly();
            }
            drain();
            log.info("{} stopping: closing {} downstream connection(s)", logId, downstream.size());
            downstream.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            if (follower != null) {
                log.info("{} stopping: closing the follower at {}", logId, Positions.format(appliedPosition()));
                follower.close();
            }
            log.info("{} stopping: closing the sequencer", logId);
            sequencer.close();
            if (upstream != null) {
                upstream.close();
            }
            if (admin != null) {
                log.info("{} stopping: closing the admin listener", logId);
                admin.close().syncUninterruptibly();
            }
            log.info("{} stopping: shutting down event loops", logId);
            for (EventLoopGroup g : new EventLoopGroup[] {acceptGroup, ioGroup, deliveryGroup}) {
                if (g != null) {
                    g.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
                }
            }
            log.info("{} stopped", logId);
        } catch (RuntimeException e) {
            log.warn("{} error while stopping: {}", logId, e.toString());
        } finally {
            stopped.countDown();
        }
    }

    private void drain() {
        if (chain == null) {
            return;
        }
        long deadline = System.nanoTime() + config.drainTimeout().toNanos();
        int inFlight = chain.inFlight();
        if (inFlight > 0) {
            log.info(
                    "{} stopping: draining {} in-flight request(s) for up to {}",
                    logId,
                    inFlight,
                    config.drainTimeout());
        }
        while (chain.inFlight() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (chain.inFlight() > 0) {
            log.warn(
                    "{} stopping: {} request(s) still in flight after {}",
                    logId,
                    chain.inFlight(),
                    config.drainTimeout());
        }
    }
}
