package io.koordinator.proxy;

import io.koordinator.proxy.state.AppIncarnation;
import io.koordinator.proxy.state.ReplicaCheckpoint;
import io.koordinator.proxy.state.StateStore;
import io.koordinator.sequencer.Follower;
import io.koordinator.sequencer.LogCompactedException;
import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.ReplicaInfo;
import io.koordinator.sequencer.Sequencer;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica's control: it owns the follower and the delivery loop (replaced as a pair after each
 * recovery, each pair with a generation of its own), the {@link StateStore}, and the app
 * incarnation the replica's state belongs to, and runs the control thread on which every decision
 * about them is taken. {@link AppRecovery} decides, after every start and every fault, how the app
 * comes back identical to the group's (the README's app contract); {@link AppWatch} watches the
 * app's incarnation and vetoes a delivery that would open a new connection to another incarnation
 * before anything is sent. Both change what this class owns only through their {@code Owner}
 * interfaces, which it implements.
 *
 * <p>Threading: every decision runs on the one control thread, in order; the follower thread only
 * reports to it ({@link DeliveryEvents}) and reads volatile fields.
 */
final class ReplicaControl implements AutoCloseable, AppRecovery.Owner, AppWatch.Owner {
    private static final Logger log = LoggerFactory.getLogger(ReplicaControl.class);
    private static final long WATCH_MILLIS = 100;

    private final ProxyConfig config;
    private final RecoveryConfig recovery;
    private final Sequencer sequencer;
    private final Replica replica;
    private final ProxyMetrics metrics;
    private final WaitingRequests waiting;
    private final UpstreamClient upstream;
    private final StateStore store;
    private final AppIncarnation incarnations = new AppIncarnation();
    private final SnapshotTransfer transfer;
    private final Checkpointer checkpoints;
    private final DivergenceCheck divergence;
    private final ScheduledExecutorService control;
    private final AppRecovery appRecovery;
    private final AppWatch appWatch;
    private final String logId;

    // Written on the control thread (and the follower thread, for adoption), read anywhere.
    private volatile Follower follower;
    private volatile DeliveryLoop delivery;
    /** The app incarnation the replica's state belongs to; 0 until known. */
    private volatile long expected;

    /** Counts follower/delivery pairs, so a report from a replaced one is ignored. */
    private volatile int generation;

    private volatile boolean closed;

    ReplicaControl(
            ProxyConfig config,
            Sequencer sequencer,
            Replica replica,
            ProxyMetrics metrics,
            WaitingRequests waiting,
            UpstreamClient upstream) {
        this.config = config;
        this.recovery = config.recovery();
        this.sequencer = sequencer;
        this.replica = replica;
        this.metrics = metrics;
        this.waiting = waiting;
        this.upstream = upstream;
        this.logId = config.logId();
        this.store = openStore(recovery, config.sequencerConfig().dedupWindow());
        this.transfer = new SnapshotTransfer(config, sequencer, metrics);
        this.checkpoints = new Checkpointer(config, store, transfer, metrics, replica);
        this.control = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "koord-control-" + config.replicaId());
            t.setDaemon(true);
            return t;
        });
        this.appRecovery = new AppRecovery(
                config, sequencer, replica, metrics, store, incarnations, transfer, checkpoints, control, this);
        this.appWatch = new AppWatch(config, replica, incarnations, appRecovery, this);
        this.divergence = new DivergenceCheck(config, sequencer, metrics, appRecovery::onDiverged);
    }

    /** Loads the state and decides how to begin; the decision itself runs on the control thread. */
    void start() {
        if (!incarnations.available()) {
            log.warn("{} /proc/net/tcp is not readable: app restarts cannot be detected", logId);
        }
        StateStore.Loaded loaded;
        try {
            loaded = store.load();
            log.info(
                    "{} state in {}: {}{}",
                    logId,
                    store.directory(),
                    loaded.fresh() ? "new, " : "",
                    loaded.checkpoint());
        } catch (java.nio.file.FileSystemException e) {
            // not the state's fault: the directory cannot be used at all
            log.error(
                    "{} the state directory {} cannot be used ({}): set {} to a writable directory",
                    logId,
                    store.directory(),
                    e.toString(),
                    ProxyConfigKeys.Key.STATE_DIR.flag());
            control.execute(() -> replica.transition(
                    ReplicaState.STOPPED,
                    "the state directory " + store.directory() + " cannot be used (" + e.getMessage() + "): set "
                            + ProxyConfigKeys.Key.STATE_DIR.flag() + " to a writable directory"));
            return;
        } catch (IOException e) {
            log.error("{} the state in {} is corrupt: {}", logId, store.directory(), e.toString());
            loaded = null;
        }
        StateStore.Loaded start = loaded;
        transfer.serveWith(this);
        control.execute(() -> appRecovery.begin(start));
        control.scheduleWithFixedDelay(this::tick, WATCH_MILLIS, WATCH_MILLIS, TimeUnit.MILLISECONDS);
        control.scheduleWithFixedDelay(
                store::sync,
                recovery.syncInterval().toMillis(),
                recovery.syncInterval().toMillis(),
                TimeUnit.MILLISECONDS);
    }

    // ---- what AppRecovery and AppWatch ask of the owner ----

    /** A delivery loop and follower from {@code from}; CATCHING_UP until the lag is small. */
    @Override
    public void follow(ReplicaCheckpoint from, long redeliver, String why, ArchiveTransfer.Fetched archive) {
        stopFollowing();
        waiting.answerAppendedUpTo(from.position(), logId);
        ReplicaLedger ledger =
                new ReplicaLedger(store, from, recovery.responseCacheEntries(), recovery.digestInterval());
        int g = ++generation;
        DeliveryLoop d = new DeliveryLoop(config, upstream, waiting, metrics, ledger, new Events(g), redeliver);
        delivery = d;
        replica.transition(ReplicaState.CATCHING_UP, why);
        follower = archive == null
                ? sequencer.follow(from.log(), d)
                : new ArchiveReplay(
                                logId,
                                from.log(),
                                archive.file(),
                                archive.commands(),
                                config.sequencerConfig().dedupWindow(),
                                d,
                                end -> sequencer.follow(end, d))
                        .start();
        if (from.appIncarnation() != 0) {
            control.execute(this::writeCheckpoint);
        }
    }

    @Override
    public void stopFollowing() {
        Follower f = follower;
        follower = null;
        if (f != null) {
            f.close();
        }
    }

    @Override
    public void expect(long incarnation) {
        expected = incarnation;
    }

    @Override
    public boolean following() {
        return follower != null;
    }

    @Override
    public void writeCheckpoint() {
        Follower f = follower;
        DeliveryLoop d = delivery;
        if (f != null && d != null) {
            checkpoints.write(f, d, expected, logIdentity());
        }
    }

    private static String caughtUp(long at) {
        return at == Positions.NONE ? "caught up with an empty log" : "caught up at " + Positions.format(at);
    }

    /** Every {@value #WATCH_MILLIS} ms: the app's incarnation, catching up, checkpoints, divergence. */
    private void tick() {
        if (closed) {
            return;
        }
        try {
            appWatch.check();
            ReplicaState state = replica.state();
            Follower f = follower;
            if (state == ReplicaState.CATCHING_UP
                    && f != null
                    && sequencer.isConnected()
                    && f.reachedTail()
                    && f.lagEntries() <= config.readyMaxLag()) {
                replica.transition(ReplicaState.CATCHING_UP, ReplicaState.DELIVERING, caughtUp(f.appliedPosition()));
            }
            if (f != null && checkpoints.due()) {
                writeCheckpoint();
            }
            DeliveryLoop d = delivery;
            if (d != null && state == ReplicaState.DELIVERING) {
                divergence.maybeCheck(d.ledger());
            }
        } catch (RuntimeException e) {
            log.warn("{} control tick failed: {}", logId, e.toString(), e);
        }
    }

    private void onFollowerStopped(Throwable cause) {
        if (closed || replica.state() == ReplicaState.DRAINING) {
            return;
        }
        stopFollowing();
        if (cause instanceof LogCompactedException c) {
            appRecovery.afterCompaction(c);
            return;
        }
        if (cause instanceof DeliveryStopped d) {
            switch (d.kind()) {
                case APP_RESTARTED -> appWatch.afterDeliveryStop(d.getMessage());
                case IN_DOUBT -> appWatch.afterInDoubt(d.getMessage());
                case CORRUPT -> replica.transition(ReplicaState.STOPPED, d.getMessage());
            }
            return;
        }
        if (Follower.lostConnection(cause)) {
            // Nothing is wrong with the log or the app: follow on from what the app is recorded to have applied.
            appRecovery.restartFromStore("the follower lost its ZooKeeper connection (" + cause + ")");
            return;
        }
        if (cause instanceof io.koordinator.sequencer.codec.UnknownEntryFormatException u) {
            // a newer release wrote it: the remedy is in the message, the class name adds nothing
            replica.transition(ReplicaState.STOPPED, u.getMessage());
            return;
        }
        replica.transition(ReplicaState.STOPPED, "the follower stopped: " + cause);
    }

    /** What one delivery loop reports; reports of a replaced one are ignored. */
    private final class Events implements DeliveryEvents {
        private final int of;

        Events(int of) {
            this.of = of;
        }

        private boolean current() {
            return of == generation;
        }

        @Override
        public void appWaiting(String why) {
            if (current()) {
                appWatch.appWaiting();
            }
        }

        @Override
        public void appAnswered() {
            if (current()) {
                appWatch.appAnswered();
            }
        }

        @Override
        public String newConnectionVeto() {
            return appWatch.newConnectionVeto();
        }

        @Override
        public void followerStopped(Throwable cause) {
            try {
                control.execute(() -> {
                    if (current()) {
                        onFollowerStopped(cause);
                    }
                });
            } catch (RejectedExecutionException e) {
                // closing
            }
        }
    }

    // ---- reads, any thread ----

    Optional<Follower> follower() {
        return Optional.ofNullable(follower);
    }

    Optional<ReplicaLedger> ledger() {
        DeliveryLoop d = delivery;
        return d == null ? Optional.empty() : Optional.of(d.ledger());
    }

    /** The watch of the app's listener, shared with the read path's veto. */
    AppIncarnation incarnations() {
        return incarnations;
    }

    @Override
    public long appIncarnation() {
        return expected;
    }

    /** The identity of the log this replica follows; known once {@link AppRecovery#begin} ran. */
    String logIdentity() {
        return sequencer.logIdentity().orElse("");
    }

    StateStore store() {
        return store;
    }

    /** Position of this replica's last local snapshot, {@link Positions#NONE} before the first. */
    long localSnapshotPosition() {
        return checkpoints.localSnapshotPosition();
    }

    SnapshotTransfer transfer() {
        return transfer;
    }

    DivergenceCheck divergence() {
        return divergence;
    }

    /** What this replica publishes under {@code replicas/<id>}. */
    ReplicaInfo info(String address, boolean ready) {
        DeliveryLoop d = delivery;
        var published = d == null
                ? Optional.<ReplicaLedger.PublishedDigest>empty()
                : d.ledger().latestPublished();
        Follower f = follower;
        return new ReplicaInfo(
                config.replicaId(),
                address,
                f == null ? store.writtenPosition() : f.appliedPosition(),
                config.snapshotPath() == null
                        ? store.durablePosition()
                        : Math.min(store.durablePosition(), checkpoints.localSnapshotPosition()),
                ready,
                replica.state().name(),
                published.map(ReplicaLedger.PublishedDigest::position).orElse(Positions.NONE),
                published.map(p -> p.digest().hex()).orElse(""));
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        appRecovery.close();
        control.shutdownNow();
        try {
            control.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Follower f = follower;
        if (f != null) {
            f.close();
        }
        DeliveryLoop d = delivery;
        if (d != null) {
            d.flushEntryCount();
        }
        store.close();
        incarnations.close();
    }

    /** The store in {@code --state-dir}; with {@code none}, one that lives as long as the process. */
    private static StateStore openStore(RecoveryConfig recovery, java.time.Duration dedupWindow) {
        try {
            return recovery.stateDir() == null
                    ? StateStore.temporary(dedupWindow, recovery.archiveMaxBytes())
                    : StateStore.in(recovery.stateDir(), dedupWindow, recovery.archiveMaxBytes());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
