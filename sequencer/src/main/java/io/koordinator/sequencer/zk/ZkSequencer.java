package io.koordinator.sequencer.zk;

import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.Follower;
import io.koordinator.sequencer.LogCheckpoint;
import io.koordinator.sequencer.LogListener;
import io.koordinator.sequencer.ReplicaInfo;
import io.koordinator.sequencer.Secrets;
import io.koordinator.sequencer.Sequencer;
import io.koordinator.sequencer.SequencerConfig;
import io.koordinator.sequencer.SequencerStats;
import io.koordinator.sequencer.ZkCredentials;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.watch.PersistentWatcher;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Sequencer} on ZooKeeper through Curator. See the package documentation for the
 * layout, the gap rule and the rollover rule.
 *
 * <p>Life cycle: the constructor validates; {@link #start()} connects (waiting up to the
 * connection timeout), creates the group's layout and registers one persistent recursive watch
 * on {@code log/}; if ZooKeeper is not reachable yet it returns anyway and finishes once it is,
 * while {@link #isConnected()} stays false. {@link #close()} is idempotent and never throws.
 */
public final class ZkSequencer implements Sequencer {
    private static final Logger log = LoggerFactory.getLogger(ZkSequencer.class);

    private enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    final SequencerConfig config;
    final ZkLayout layout;
    final String identity;
    final CuratorFramework client;
    private final boolean ownsClient;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    /** Written on Curator's event thread, read anywhere. */
    private volatile String connection = "LATENT";

    private volatile boolean initialized;
    /** Set when ZooKeeper answered NoAuth for the group's subtree: wrong or missing credentials. */
    private volatile String refused;

    private final CountDownLatch initializedLatch = new CountDownLatch(1);
    private volatile long sessionId;
    private volatile String logIdentity; // set by initialize()
    private final ScheduledExecutorService timer;
    private final ZkAppender appender;
    private final ReplicaRegistry registry;
    final ZkFloor floor;
    /** Null when compaction is disabled ({@code compactionInterval} 0). */
    private final ZkCompactor compactor;

    private final ZkReadBarrier readBarrier;

    private final List<ZkFollower> followers = new CopyOnWriteArrayList<>();
    private volatile PersistentWatcher watcher; // set by initialize(), on the timer thread

    final AtomicLong duplicatesSkipped = new AtomicLong();
    final AtomicLong gapsSkipped = new AtomicLong();
    final AtomicLong followersCompactedPast = new AtomicLong();
    final AtomicLong entriesFoundByProbe = new AtomicLong();
    final AtomicLong probesFailed = new AtomicLong();
    /** Entries this sequencer's followers took from its own appends' answers before a read of them answered. */
    final AtomicLong ownEntriesFromAppend = new AtomicLong();

    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong sessionExpiries = new AtomicLong();

    /** A sequencer with its own Curator client, built from {@code config}. */
    public ZkSequencer(SequencerConfig config) {
        this(config, GroupAcls.newClient(config), true);
    }

    /**
     * A sequencer on an existing client (started or not); {@link #close()} leaves the client
     * open. {@code config.connectString()} and the timeouts are then unused.
     */
    public ZkSequencer(SequencerConfig config, CuratorFramework client) {
        this(config, client, false);
    }

    private ZkSequencer(SequencerConfig config, CuratorFramework client, boolean ownsClient) {
        this.config = Objects.requireNonNull(config, "config");
        this.client = Objects.requireNonNull(client, "client");
        this.ownsClient = ownsClient;
        this.layout = new ZkLayout(config);
        this.identity = config.replicaId() + "/" + config.group();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "sequencer-timer-" + identity));
        this.appender = new ZkAppender(this);
        this.registry = new ReplicaRegistry(this);
        this.floor = new ZkFloor(this);
        this.compactor = config.compactionInterval().isZero() ? null : new ZkCompactor(this, floor);
        this.readBarrier = new ZkReadBarrier(this);
    }

    static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void start() throws InterruptedException {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException(identity + " already started");
        }
        client.getConnectionStateListenable().addListener((c, newState) -> onConnectionState(newState));
        if (ownsClient) {
            client.start();
        }
        if (client.getZookeeperClient().isConnected()) {
            onConnectionState(ConnectionState.CONNECTED);
        }
        timer.scheduleWithFixedDelay(registry::tick, 1, 1, TimeUnit.SECONDS);
        timer.scheduleWithFixedDelay(appender::expireParked, 250, 250, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(floor::refresh, 0, 1, TimeUnit.SECONDS);
        if (compactor != null) {
            compactor.start();
        }
        if (!initializedLatch.await(config.connectionTimeout().toMillis(), TimeUnit.MILLISECONDS) && refused == null) {
            log.warn(
                    "{} ZooKeeper {} not reachable yet over {}; appends fail until it is",
                    identity,
                    config.connectString(),
                    transport());
        }
    }

    /**
     * Every ZooKeeper connection state change, on Curator's event thread: never blocks, hands
     * I/O to the timer thread.
     */
    private void onConnectionState(ConnectionState newState) {
        if (state.get() == State.CLOSED) {
            return;
        }
        if (compactor != null) {
            compactor.onConnectionState(newState);
        }
        switch (newState) {
            case CONNECTED, RECONNECTED -> {
                long newSession = currentSessionId();
                boolean replaced = sessionId != 0 && newSession != sessionId;
                sessionId = newSession;
                connection = "CONNECTED";
                if (newState == ConnectionState.RECONNECTED) {
                    reconnects.incrementAndGet();
                    if (replaced) {
                        sessionExpiries.incrementAndGet();
                        registry.sessionReplaced();
                    }
                    log.info(
                            "{} reconnected to ZooKeeper ({}); followers re-read from their positions",
                            identity,
                            replaced ? "new session" : "same session");
                    followers.forEach(ZkFollower::resync);
                }
                timer.execute(this::initialize);
                appender.onConnected();
            }
            case SUSPENDED, READ_ONLY -> {
                connection = "SUSPENDED";
                log.warn("{} ZooKeeper connection suspended; appends fail until it is back", identity);
                appender.onDisconnected();
            }
            case LOST -> {
                connection = "LOST";
                log.warn("{} ZooKeeper session lost; appends fail until a new session", identity);
                appender.onDisconnected();
            }
        }
    }

    private long currentSessionId() {
        try {
            return client.getZookeeperClient().getZooKeeper().getSessionId();
        } catch (Exception e) {
            return 0;
        }
    }

    /** Creates the layout and the watch, once, on the timer thread; retried on each connect. */
    private void initialize() {
        if (initialized || state.get() != State.STARTED) {
            return;
        }
        try {
            ensurePath(layout.logPath());
            ensurePath(layout.replicasPath());
            warnIfOpen();
            logIdentity = "zk:"
                    + Long.toHexString(
                            client.checkExists().forPath(layout.logPath()).getCzxid());
            int highest = ZkSegments.highest(this);
            ensurePath(layout.segmentPath(highest));
            appender.initialize(highest);
            CountDownLatch watching = new CountDownLatch(1);
            watcher = new PersistentWatcher(client, layout.logPath(), true);
            watcher.getListenable().addListener(this::onLogEvent);
            watcher.getResetListenable().addListener(() -> {
                watching.countDown();
                followers.forEach(ZkFollower::resync);
            });
            watcher.start();
            if (!watching.await(config.connectionTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("persistent watch on " + layout.logPath() + " not registered in time");
            }
            initialized = true;
            initializedLatch.countDown();
            log.info(
                    "{} sequencer ready on {} (log {}, {}, over {})",
                    identity,
                    config.connectString(),
                    layout.logPath(),
                    config.credentials() == null ? "open: no credentials" : "ACLs for " + config.credentials(),
                    transport());
        } catch (KeeperException.NoAuthException e) {
            refused = refusal();
            log.error("{} {}", identity, refused);
            closeWatcher();
        } catch (Exception e) {
            log.warn("{} initializing the log layout failed, retrying on the next connect: {}", identity, e.toString());
            closeWatcher();
        }
    }

    /** A group created before it had credentials keeps its open ACLs: say so, once per start. */
    private void warnIfOpen() throws Exception {
        if (config.credentials() != null && GroupAcls.readableByAnyone(client, config.groupPath())) {
            log.warn(
                    "{} {} was created without ACLs and stays readable by every client; protect it with"
                            + " zkCli: addauth digest <user:password>, then setAcl -R {} auth::cdrwa",
                    identity,
                    config.groupPath(),
                    config.groupPath());
        }
    }

    /** Why ZooKeeper refuses this group's subtree to this sequencer: one sentence for /ready. */
    private String refusal() {
        ZkCredentials c = config.credentials();
        String who = c == null ? "without credentials" : "with the credentials of " + c;
        return "ZooKeeper refused access to " + config.groupPath() + " " + who
                + ": the group's subtree belongs to other credentials (check --zk-credentials-file)";
    }

    private void closeWatcher() {
        if (watcher != null) {
            watcher.close();
            watcher = null;
        }
    }

    void ensurePath(String path) throws Exception {
        try {
            client.create().creatingParentsIfNeeded().forPath(path);
        } catch (KeeperException.NodeExistsException e) {
            // already there
        }
    }

    /** Watch events of the whole log, on Curator's event thread: only updates followers' tails. */
    private void onLogEvent(WatchedEvent event) {
        if (event.getType() == Watcher.Event.EventType.NodeCreated) {
            long position = layout.parseEntryPosition(event.getPath());
            if (position >= 0) {
                followers.forEach(f -> f.entrySeen(position));
            }
        }
    }

    boolean initialized() {
        return initialized;
    }

    /** Waits up to {@code millis} for the layout and the watch; true once they exist. */
    boolean awaitInitialized(long millis) throws InterruptedException {
        return initializedLatch.await(millis, TimeUnit.MILLISECONDS) && initialized;
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    long sessionId() {
        return sessionId;
    }

    boolean closed() {
        return state.get() == State.CLOSED;
    }

    @Override
    public CompletableFuture<Long> append(Command command) {
        return appender.append(command);
    }

    /** A {@code sync} and the log's tail, see {@link ZkReadBarrier}: nothing is written. */
    @Override
    public CompletableFuture<Long> readBarrier() {
        return readBarrier.issue();
    }

    @Override
    public Follower follow(LogCheckpoint from, LogListener listener) {
        if (state.get() == State.CLOSED) {
            throw new IllegalStateException(identity + " is closed");
        }
        ZkFollower follower = new ZkFollower(this, from, listener);
        followers.add(follower);
        follower.start();
        return follower;
    }

    /** From the appender's thread: an entry this sequencer created, handed to its followers. */
    void appended(int segment, long sequence, byte[] data) {
        followers.forEach(f -> f.appended(segment, sequence, data));
    }

    void removeFollower(ZkFollower follower) {
        followers.remove(follower);
    }

    @Override
    public boolean isConnected() {
        return initialized && "CONNECTED".equals(connection) && state.get() == State.STARTED;
    }

    @Override
    public String connectionState() {
        if (state.get() == State.CLOSED) {
            return "CLOSED";
        }
        String r = refused;
        if (r != null) {
            return "REFUSED: " + r;
        }
        String c = connection;
        // Curator reports SUSPENDED and LOST before a first session too: until there is one, say why.
        return sessionId == 0 && !c.equals("CONNECTED")
                ? "UNREACHABLE: no session with " + config.connectString() + " yet " + hint()
                : c;
    }

    /** How this sequencer talks to ZooKeeper, for its log lines and {@link #connectionState()}. */
    private String transport() {
        return config.tls() == null ? "plain TCP" : "TLS";
    }

    /** What a first connection that never succeeds may mean, given the transport. */
    private String hint() {
        return config.tls() == null
                ? "over plain TCP (a secure-only client port needs --zk-tls-*)"
                : "over TLS (also when either side refuses the other's certificate: check --zk-tls-* and"
                        + " the server's log)";
    }

    @Override
    public void registerReplica(ReplicaInfo info, Supplier<ReplicaInfo> progress) {
        registry.register(info, progress);
    }

    @Override
    public List<ReplicaInfo> replicas() throws Exception {
        return registry.readAll();
    }

    /** The live replicas for compaction: throws if one of their nodes does not parse. */
    List<ReplicaInfo> replicasStrict() throws Exception {
        return registry.readAll(true);
    }

    @Override
    public java.util.Optional<String> logIdentity() {
        return java.util.Optional.ofNullable(logIdentity);
    }

    @Override
    public String sharedSecret(String name) throws Exception {
        String path = config.groupPath() + "/secrets/" + name;
        try {
            client.create()
                    .creatingParentsIfNeeded()
                    .forPath(path, Secrets.random().getBytes(StandardCharsets.US_ASCII));
        } catch (KeeperException.NodeExistsException e) {
            // another replica created it first: use that one
        }
        return new String(client.getData().forPath(path), StandardCharsets.US_ASCII);
    }

    @Override
    public long compactionFloor() {
        return floor.cached();
    }

    @Override
    public SequencerStats stats() {
        return new SequencerStats(
                appender.inFlight(),
                appender.entriesAppended.get(),
                appender.commandsAppended.get(),
                appender.retries.get(),
                appender.rejected.get(),
                duplicatesSkipped.get(),
                reconnects.get(),
                sessionExpiries.get(),
                compactor == null ? 0 : compactor.entriesDeleted.get(),
                compactor == null ? 0 : compactor.floorMoves.get(),
                entriesFoundByProbe.get(),
                ownEntriesFromAppend.get(),
                probesFailed.get());
    }

    /** Sequence numbers the followers skipped because no entry exists there (see the gap rule). */
    public long gapsSkipped() {
        return gapsSkipped.get();
    }

    /** Followers of this sequencer stopped because the entries they needed were compacted away. */
    public long followersCompactedPast() {
        return followersCompactedPast.get();
    }

    /** Whole segments this sequencer deleted as the compaction leader. */
    public long segmentsCompacted() {
        return compactor == null ? 0 : compactor.segmentsDeleted.get();
    }

    /** Whether this sequencer is the group's compaction leader now. */
    public boolean isCompactionLeader() {
        return compactor != null && compactor.isLeader();
    }

    /** The compactor, for tests that compact to a chosen floor; null when compaction is disabled. */
    ZkCompactor compactor() {
        return compactor;
    }

    /** The appender, for tests that hold its thread (and so the creates' callbacks). */
    ZkAppender appender() {
        return appender;
    }

    /** Entries re-appended into the next segment because they landed after a seal. */
    public long rolloverReappends() {
        return appender.rolloverReappends();
    }

    /** Commands failed because their entry stayed unconfirmed past the append deadline. */
    public long appendsTimedOut() {
        return appender.timedOut.get();
    }

    /** The segment this sequencer appends to now. */
    public int appendSegment() {
        return appender.segment();
    }

    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) == State.CLOSED) {
            return;
        }
        log.info("{} closing sequencer", identity);
        followers.forEach(ZkFollower::close);
        if (compactor != null) {
            compactor.close();
        }
        appender.close();
        readBarrier.close();
        registry.close(!ownsClient);
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (watcher != null) {
            watcher.close();
        }
        if (ownsClient) {
            client.close();
        }
        initializedLatch.countDown();
    }
}
