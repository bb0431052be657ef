package io.koordinator.proxy;

import io.koordinator.proxy.state.StateStore;
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
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
    private volatile UpstreamClient upstream;
    private volatile FilterChain chain;
    private volatile ReplicaControl control;
    private volatile ExecutorService adminBlocking;
    private volatile Channel listener;
    private volatile Channel admin;
    private final Replica replica;

    public ProxyServer(ProxyConfig config, Sequencer sequencer) {
        this.config = Objects.requireNonNull(config, "config");
        this.sequencer = Objects.requireNonNull(sequencer, "sequencer");
        this.logId = config.logId();
        this.replica = new Replica(logId, metrics);
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
        upstream = new UpstreamClient(
                new InetSocketAddress(config.appHost(), config.appPort()), transports.socketChannel(), 5000);
        WaitingRequests waiting = new WaitingRequests();
        OrderedPath ordered = new OrderedPath(config, sequencer, waiting, metrics, this::orderedRefusal);
        control = new ReplicaControl(config, sequencer, replica, metrics, waiting, upstream);
        PassThroughPath passThrough = new PassThroughPath(upstream, config);
        LinearizablePath linearizable = new LinearizablePath(
                config,
                new SharedBarrier(sequencer::readBarrier),
                passThrough,
                this::linearizableRefusal,
                this::appliedPosition,
                new AppVeto(control.incarnations(), config.appPort(), control::appIncarnation),
                metrics);
        chain = new FilterChain(config, metrics, ordered, passThrough, linearizable);
        metrics.gauges(
                () -> sequencer.stats().appendsInFlight(),
                () -> control.follower().map(Follower::lagEntries).orElse(0L),
                () -> notReadyReason().isEmpty() ? 1 : 0);
        LogGauges.register(metrics, sequencer, () -> control.follower());
        metrics.sequencerCounters(sequencer::stats);
        control.start();
        adminBlocking = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "koord-admin-blocking-" + config.replicaId());
            t.setDaemon(true);
            return t;
        });

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
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast("codec", new HttpServerCodec())
                                .addLast("aggregator", new HttpObjectAggregator(64 * 1024))
                                .addLast("chunked", new ChunkedWriteHandler())
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

    /** Why the readiness probe fails, or empty while it passes. Derived from the replica's state. */
    public Optional<String> notReadyReason() {
        if (state.get() != State.STARTED || control == null) {
            return Optional.of(state.get() == State.CLOSED ? "stopped" : "starting");
        }
        Replica.Status status = replica.status();
        if (status.state() != ReplicaState.DELIVERING) {
            String reason = status.state() + ": " + status.reason();
            // A replica held back by ZooKeeper says why ZooKeeper is not there (unreachable, refused).
            return Optional.of(
                    sequencer.isConnected()
                            ? reason
                            : reason + "; not connected to ZooKeeper (" + sequencer.connectionState() + ")");
        }
        if (!sequencer.isConnected()) {
            return Optional.of("not connected to ZooKeeper (" + sequencer.connectionState() + ")");
        }
        long lag = control.follower().map(Follower::lagEntries).orElse(0L);
        if (lag > config.readyMaxLag()) {
            return Optional.of("lagging " + lag + " entries behind the log (at most " + config.readyMaxLag() + ")");
        }
        return Optional.empty();
    }

    public boolean isReady() {
        return notReadyReason().isEmpty();
    }

    /** The replica's state. */
    public ReplicaState replicaState() {
        return replica.state();
    }

    /** Position of the last command this replica applied, or {@link Positions#NONE}. */
    public long appliedPosition() {
        ReplicaControl c = control;
        return c == null
                ? Positions.NONE
                : c.follower().map(Follower::appliedPosition).orElse(c.store().writtenPosition());
    }

    /** Why ordered requests are refused here (503, nothing written), or {@code null}. */
    private String orderedRefusal() {
        Replica.Status status = replica.status();
        return status.state().acceptsOrdered() ? null : "replica is " + status.state() + ": " + status.reason();
    }

    /** Why linearizable reads are refused here (503): every state but DELIVERING; or {@code null}. */
    private String linearizableRefusal() {
        Replica.Status status = replica.status();
        return status.state() == ReplicaState.DELIVERING
                ? null
                : "replica is " + status.state() + ": " + status.reason();
    }

    /** The {@code /status} document. */
    Map<String, Object> status() {
        ReplicaControl c = control;
        Optional<Follower> f = c == null ? Optional.empty() : c.follower();
        long applied = appliedPosition();
        Optional<String> problem = notReadyReason();
        Replica.Status rs = replica.status();
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("group", config.groupId());
        s.put("replicaId", config.replicaId());
        s.put("state", rs.state().name());
        s.put("stateReason", rs.reason());
        s.put("stateSinceMillis", rs.sinceMillis());
        s.put("appliedPosition", applied);
        s.put("appliedPositionText", Positions.format(applied));
        s.put("tailSeen", f.map(Follower::tailSeen).orElse(Positions.NONE));
        s.put("lag", f.map(Follower::lagEntries).orElse(0L));
        s.put("zookeeper", sequencer.connectionState());
        s.put("compactionFloor", sequencer.compactionFloor());
        s.put("ready", problem.isEmpty());
        problem.ifPresent(p -> s.put("notReadyReason", p));
        if (c != null) {
            RecoveryStatus.describe(c, config.snapshotPath() != null, s);
        }
        s.put("appKind", config.recovery().appKind().name().toLowerCase(Locale.ROOT));
        s.put("snapshotPath", config.snapshotPath());
        s.put("readPolicy", config.readPolicy().name().toLowerCase(Locale.ROOT));
        s.put("inFlight", chain == null ? 0 : chain.inFlight());
        s.put("counts", new TreeMap<>(metrics.counts()));
        return s;
    }

    ProxyMetrics metrics() {
        return metrics;
    }

    /** The state transfer of this replica, for the admin port. */
    SnapshotTransfer transfer() {
        return control.transfer();
    }

    /** This replica's durable state (and log archive), for the admin port. */
    StateStore stateStore() {
        return control.store();
    }

    /** The identity of the log this replica follows. */
    String logIdentity() {
        return control.logIdentity();
    }

    /** Where the admin port runs what blocks (state transfer). */
    ExecutorService adminBlocking() {
        return adminBlocking;
    }

    private ReplicaInfo replicaInfo() {
        int port = admin == null ? config.adminPort() : adminPort();
        String address = config.advertiseAddress() + ":" + port;
        ReplicaControl c = control;
        return c == null
                ? ReplicaInfo.basic(config.replicaId(), address, Positions.NONE, false)
                : c.info(address, isReady());
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
            replica.transition(ReplicaState.DRAINING, "shutting down");
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
            if (control != null) {
                log.info("{} stopping: closing the follower at {}", logId, Positions.format(appliedPosition()));
                control.close();
            }
            if (adminBlocking != null) {
                adminBlocking.shutdownNow();
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
            for (EventLoopGroup g : new EventLoopGroup[] {acceptGroup, ioGroup}) {
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
