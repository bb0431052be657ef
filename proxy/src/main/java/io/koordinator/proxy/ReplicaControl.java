package io.koordinator.proxy;

import io.koordinator.proxy.state.AppIncarnation;
import io.koordinator.proxy.state.ReplicaCheckpoint;
import io.koordinator.proxy.state.StateStore;
import io.koordinator.sequencer.Follower;
import io.koordinator.sequencer.LogCompactedException;
import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.ReplicaInfo;
import io.koordinator.sequencer.Sequencer;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, after every start and every fault, how this replica's app comes back identical to the
 * group's, or keeps it out of service with the reason: resume from the durable checkpoint, rebuild
 * a fresh app from the log, restore a peer's snapshot, redeliver to a position-aware app, or stop.
 * The README's app contract is the table of these decisions.
 *
 * <p>It owns the follower and the delivery loop (replaced as a pair after each recovery), the
 * {@link StateStore}, and the watch on the app's incarnation: the app restarted when the socket
 * listening on its port is another one than the state belongs to. A delivery that would open a new
 * connection to another incarnation is vetoed before anything is sent.
 *
 * <p>Threading: every decision runs on the one control thread, in order; the follower thread and
 * the upstream event loop only report to it ({@link DeliveryEvents}) and read volatile fields.
 */
final class ReplicaControl implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaControl.class);
    private static final long WATCH_MILLIS = 100;

    private final ProxyConfig config;
    private final RecoveryConfig recovery;
    private final Sequencer sequencer;
    private final Replica replica;
    private final ProxyMetrics metrics;
    private final WaitingRequests waiting;
    private final UpstreamClient upstream;
    private final EventLoop deliveryLoop;
    private final StateStore store;
    private final AppIncarnation incarnations = new AppIncarnation();
    private final SnapshotTransfer transfer;
    private final ArchiveTransfer archives;
    private final Checkpointer checkpoints;
    private final DivergenceCheck divergence;
    private final ScheduledExecutorService control;
    private final String logId;

    // Written on the control thread (and the delivery event loop, for adoption), read anywhere.
    private volatile Follower follower;
    private volatile DeliveryLoop delivery;
    /** The app incarnation the replica's state belongs to; 0 until known. */
    private volatile long expected;
    /** A loaded state that waits for the app to listen before it is matched to it. */
    private volatile StateStore.Loaded pendingStart;

    /** Counts follower/delivery pairs, so a report from a replaced one is ignored. */
    private volatile int generation;

    private volatile boolean closed;

    ReplicaControl(
            ProxyConfig config,
            Sequencer sequencer,
            Replica replica,
            ProxyMetrics metrics,
            WaitingRequests waiting,
            UpstreamClient upstream,
            EventLoop deliveryLoop) {
        this.config = config;
        this.recovery = config.recovery();
        this.sequencer = sequencer;
        this.replica = replica;
        this.metrics = metrics;
        this.waiting = waiting;
        this.upstream = upstream;
        this.deliveryLoop = deliveryLoop;
        this.logId = config.logId();
        this.store = StateStore.in(
                recovery.stateDir() == null ? temporaryStateDir() : recovery.stateDir(),
                config.sequencerConfig().dedupWindow(),
                recovery.archiveMaxBytes());
        this.transfer = new SnapshotTransfer(config, sequencer, metrics);
        this.archives = new ArchiveTransfer(config, sequencer, metrics, transfer::token);
        this.checkpoints = new Checkpointer(config, store, transfer, metrics, replica);
        this.divergence = new DivergenceCheck(config, sequencer, metrics, this::onDiverged);
        this.control = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "koord-control-" + config.replicaId());
            t.setDaemon(true);
            return t;
        });
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
        control.execute(() -> begin(start));
        control.scheduleWithFixedDelay(this::tick, WATCH_MILLIS, WATCH_MILLIS, TimeUnit.MILLISECONDS);
        control.scheduleWithFixedDelay(
                store::sync,
                recovery.syncInterval().toMillis(),
                recovery.syncInterval().toMillis(),
                TimeUnit.MILLISECONDS);
    }

    // ---- decisions, on the control thread ----

    private void begin(StateStore.Loaded loaded) {
        if (sequencer.logIdentity().isEmpty()) {
            replica.transition(ReplicaState.STARTING, "waiting for ZooKeeper to reach the group's log");
            retry(() -> begin(loaded));
            return;
        }
        if (loaded == null) {
            recoverApp("the state directory is corrupt", "corrupt_state");
            return;
        }
        if (!loaded.fresh()
                && !loaded.checkpoint().logIdentity().isEmpty()
                && !loaded.checkpoint().logIdentity().equals(logIdentity())) {
            log.warn(
                    "{} the state in {} belongs to another log ({}, now {}): starting as a new replica",
                    logId,
                    store.directory(),
                    loaded.checkpoint().logIdentity(),
                    logIdentity());
            try {
                store.reset(ReplicaCheckpoint.START);
            } catch (IOException e) {
                replica.transition(ReplicaState.STOPPED, "cannot reset the state directory: " + e);
                return;
            }
            begin(new StateStore.Loaded(ReplicaCheckpoint.START, Optional.empty(), true));
            return;
        }
        OptionalLong now = incarnations.of(config.appPort());
        if (loaded.fresh()) {
            expected = now.orElse(0);
            follow(
                    ReplicaCheckpoint.START.withAppIncarnation(expected),
                    Positions.NONE,
                    "a new replica, from the start of the log");
            return;
        }
        ReplicaCheckpoint checkpoint = loaded.checkpoint();
        if (now.isEmpty() && incarnations.available()) {
            pendingStart = loaded;
            replica.transition(ReplicaState.WAITING_FOR_APP, "resuming from " + checkpoint + " once the app listens");
            return;
        }
        long current = now.orElse(0);
        if (checkpoint.appIncarnation() != 0
                && current != 0
                && current != checkpoint.appIncarnation()
                && recovery.appKind() == AppKind.MEMORY) {
            expected = current;
            recoverApp(
                    "the app restarted while the proxy was down (listener " + checkpoint.appIncarnation() + " -> "
                            + current + ")",
                    "app_restarted");
            return;
        }
        expected = current;
        if (loaded.inDoubt().isPresent()) {
            resolveInDoubt(checkpoint, loaded.inDoubt().get().position());
            return;
        }
        metrics.recovery("proxy_restarted", "resume");
        follow(checkpoint.withAppIncarnation(expected), Positions.NONE, "resumed from " + checkpoint);
    }

    /** The one command at {@code position} may have reached the app without its answer being recorded. */
    private void resolveInDoubt(ReplicaCheckpoint checkpoint, long position) {
        String doubt = "the command at " + Positions.format(position) + " may have reached the app without its"
                + " answer being recorded";
        if (recovery.appKind() == AppKind.POSITION_AWARE) {
            metrics.recovery("in_doubt", "redeliver");
            follow(
                    checkpoint.withAppIncarnation(expected),
                    position,
                    doubt + "; redelivering it to the position-aware app");
        } else if (config.snapshotPath() != null) {
            metrics.recovery("in_doubt", "snapshot");
            startTransfer(doubt);
        } else {
            metrics.recovery("in_doubt", "stopped");
            replica.transition(ReplicaState.STOPPED, doubt + ". " + remedyForUnknownAppState());
        }
    }

    /** The app's state is gone or unknown: get it back, or stop with the remedy. */
    private void recoverApp(String why, String cause) {
        stopFollowing();
        if (config.snapshotPath() != null) {
            metrics.recovery(cause, "snapshot");
            startTransfer(why);
        } else if (recovery.appKind() == AppKind.MEMORY
                && sequencer.compactionFloor() != Positions.NONE
                && recovery.archives()) {
            // The log's start is compacted away: replay an archive of it into the fresh app.
            metrics.recovery(cause, "archive");
            replica.transition(ReplicaState.TRANSFERRING, why + "; rebuilding the app from a log archive");
            attemptArchive(why, true);
        } else if (recovery.appKind() == AppKind.MEMORY && sequencer.compactionFloor() == Positions.NONE) {
            // A fresh memory-only app: replay the whole log into it, as a new replica would.
            metrics.recovery(cause, "rebuild");
            try {
                ReplicaCheckpoint fresh = ReplicaCheckpoint.START.withAppIncarnation(expected);
                store.reset(fresh);
                follow(fresh, Positions.NONE, why + "; rebuilding the app from the start of the log");
            } catch (IOException e) {
                metrics.checkpointError();
                replica.transition(ReplicaState.STOPPED, why + "; resetting the state directory failed: " + e);
            }
        } else {
            metrics.recovery(cause, "stopped");
            replica.transition(ReplicaState.STOPPED, why + ". " + remedyForUnknownAppState());
        }
    }

    private String remedyForUnknownAppState() {
        if (recovery.appKind() == AppKind.MEMORY
                && (sequencer.compactionFloor() == Positions.NONE || recovery.archives())) {
            return "The app keeps its state in memory and has no snapshot endpoints: restart the app container"
                    + " (kubectl exec <pod> -c <app> -- kill 1) and this replica rebuilds it from the log";
        }
        return "Without snapshot endpoints (" + ProxyConfigKeys.Key.SNAPSHOT_PATH.flag() + ") this replica cannot"
                + " re-seed its app: replace the pod with an empty app (kubectl delete pod <pod>, and its volume for a"
                + " durable app)";
    }

    private void startTransfer(String why) {
        stopFollowing();
        replica.transition(ReplicaState.TRANSFERRING, why + "; restoring a peer's snapshot");
        attemptTransfer(why);
    }

    private void attemptTransfer(String why) {
        if (closed || replica.state() != ReplicaState.TRANSFERRING) {
            return;
        }
        try {
            ReplicaCheckpoint restored = transfer.restoreFromPeer(incarnations);
            expected = restored.appIncarnation();
            store.reset(restored);
            follow(restored, Positions.NONE, "restored a peer's snapshot at " + restored);
        } catch (Peers.NoPeerException e) {
            if (restoreLocalSnapshot(why)) {
                return;
            }
            replica.transition(ReplicaState.TRANSFERRING, why + "; " + e.getMessage() + ", retrying");
            retry(() -> attemptTransfer(why));
        } catch (Exception e) {
            log.warn("{} state transfer failed, retrying: {}", logId, e.toString());
            metrics.transferServed("joiner_failed");
            replica.transition(
                    ReplicaState.TRANSFERRING, why + "; the last transfer failed (" + e.getMessage() + "), retrying");
            retry(() -> attemptTransfer(why));
        }
    }

    /**
     * No peer can serve: restore this replica's own last snapshot and replay the log after it, if
     * the log still holds that part. True if it did.
     */
    private boolean restoreLocalSnapshot(String why) {
        Optional<ReplicaCheckpoint> local =
                checkpoints.restoreLocalSnapshot(logIdentity(), sequencer.compactionFloor(), incarnations);
        if (local.isEmpty()) {
            return false;
        }
        ReplicaCheckpoint restored = local.get();
        try {
            expected = restored.appIncarnation();
            store.reset(restored);
        } catch (IOException e) {
            metrics.checkpointError();
            log.warn("{} resetting the state to the local snapshot failed: {}", logId, e.toString());
            return false;
        }
        metrics.recovery("no_peer", "local_snapshot");
        follow(
                restored,
                Positions.NONE,
                why + "; no peer could serve, restored this replica's own snapshot at " + restored);
        return true;
    }

    /**
     * Rebuilds the app from a log archive ({@code fresh}: into an empty app, from the start of the
     * log; otherwise the commands after the recorded state), this replica's own first, then a
     * peer's; retried while none can serve.
     */
    private void attemptArchive(String why, boolean fresh) {
        if (closed || replica.state() != ReplicaState.TRANSFERRING) {
            return;
        }
        java.nio.file.Path dir = store.directory().resolve("transfer");
        try {
            ReplicaCheckpoint from;
            Optional<ArchiveTransfer.Fetched> own = Optional.empty();
            if (fresh) {
                from = ReplicaCheckpoint.START.withAppIncarnation(expected);
                own = archives.fromOwn(store, dir, Positions.NONE);
                store.reset(from);
            } else {
                StateStore.Loaded loaded = store.load();
                if (loaded.inDoubt().isPresent()) {
                    resolveInDoubt(loaded.checkpoint(), loaded.inDoubt().get().position());
                    return;
                }
                from = loaded.checkpoint().withAppIncarnation(expected);
            }
            ArchiveTransfer.Fetched archive = own.isPresent() ? own.get() : archives.fromPeer(dir, from.position());
            follow(
                    from,
                    Positions.NONE,
                    why + "; replaying " + archive.commands() + " commands from " + archive.from() + "'s log archive",
                    archive);
        } catch (Peers.NoPeerException e) {
            replica.transition(ReplicaState.TRANSFERRING, why + "; " + e.getMessage() + ", retrying");
            retry(() -> attemptArchive(why, false));
        } catch (Exception e) {
            log.warn("{} rebuilding from a log archive failed, retrying: {}", logId, e.toString());
            metrics.transferServed("joiner_failed");
            replica.transition(
                    ReplicaState.TRANSFERRING,
                    why + "; the last archive transfer failed (" + e.getMessage() + "), retrying");
            retry(() -> attemptArchive(why, false));
        }
    }

    private void retry(Runnable task) {
        try {
            control.schedule(task, 1, TimeUnit.SECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /** A delivery loop and follower from {@code from}; CATCHING_UP until the lag is small. */
    private void follow(ReplicaCheckpoint from, long redeliver, String why) {
        follow(from, redeliver, why, null);
    }

    /** As {@link #follow(ReplicaCheckpoint, long, String)}, replaying {@code archive} (if any) first. */
    private void follow(ReplicaCheckpoint from, long redeliver, String why, ArchiveTransfer.Fetched archive) {
        stopFollowing();
        ReplicaLedger ledger =
                new ReplicaLedger(store, from, recovery.responseCacheEntries(), recovery.digestInterval());
        int g = ++generation;
        DeliveryLoop d =
                new DeliveryLoop(config, upstream, deliveryLoop, waiting, metrics, ledger, new Events(g), redeliver);
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

    private void stopFollowing() {
        Follower f = follower;
        follower = null;
        if (f != null) {
            f.close();
        }
    }

    /** Every {@value #WATCH_MILLIS} ms: the app's incarnation, catching up, checkpoints, divergence. */
    private void tick() {
        if (closed) {
            return;
        }
        try {
            watchApp();
            ReplicaState state = replica.state();
            Follower f = follower;
            if (state == ReplicaState.CATCHING_UP
                    && f != null
                    && sequencer.isConnected()
                    && f.reachedTail()
                    && f.lagEntries() <= config.readyMaxLag()) {
                replica.transition(
                        ReplicaState.CATCHING_UP,
                        ReplicaState.DELIVERING,
                        "caught up at " + Positions.format(f.appliedPosition()));
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

    private void watchApp() {
        if (!incarnations.available()) {
            return;
        }
        OptionalLong now = incarnations.of(config.appPort());
        StateStore.Loaded pending = pendingStart;
        if (pending != null) {
            if (now.isPresent()) {
                pendingStart = null;
                begin(pending);
            }
            return;
        }
        ReplicaState state = replica.state();
        if (now.isEmpty()) {
            if (state == ReplicaState.DELIVERING || state == ReplicaState.CATCHING_UP) {
                replica.transition(ReplicaState.WAITING_FOR_APP, waitingForApp());
            }
            return;
        }
        long current = now.getAsLong();
        if (expected == 0) {
            expected = current;
            writeCheckpoint();
            return;
        }
        if (current == expected) {
            if (state == ReplicaState.WAITING_FOR_APP && follower != null) {
                replica.transition(ReplicaState.CATCHING_UP, "the app listens again");
            }
            return;
        }
        // Another incarnation listens: the app restarted.
        if (state == ReplicaState.TRANSFERRING || state == ReplicaState.DRAINING) {
            return; // a transfer matches its snapshot to whatever app listens when it restores
        }
        String why = "the app restarted (listener " + expected + " -> " + current + ")";
        if (recovery.appKind() == AppKind.MEMORY) {
            expected = current;
            recoverApp(why, "app_restarted");
        } else {
            // Its state survived its restart: carry on, from the recorded state.
            expected = current;
            restartFromStore(why);
        }
    }

    /** Reloads the recorded state (what the app was last known to have applied) and follows on. */
    private void restartFromStore(String why) {
        stopFollowing();
        try {
            StateStore.Loaded loaded = store.load();
            if (loaded.inDoubt().isPresent()) {
                resolveInDoubt(loaded.checkpoint(), loaded.inDoubt().get().position());
            } else {
                follow(
                        loaded.checkpoint().withAppIncarnation(expected),
                        Positions.NONE,
                        why + "; resuming from " + loaded.checkpoint());
            }
        } catch (IOException e) {
            recoverApp(why + "; its recorded state is unreadable (" + e.getMessage() + ")", "corrupt_state");
        }
    }

    private void onFollowerStopped(Throwable cause) {
        if (closed || replica.state() == ReplicaState.DRAINING) {
            return;
        }
        stopFollowing();
        if (cause instanceof LogCompactedException c) {
            if (config.snapshotPath() != null) {
                metrics.recovery("compacted", "snapshot");
                startTransfer(c.getMessage());
            } else if (recovery.archives()) {
                metrics.recovery("compacted", "archive");
                replica.transition(
                        ReplicaState.TRANSFERRING, c.getMessage() + "; catching up from a peer's log archive");
                attemptArchive(c.getMessage(), false);
            } else {
                metrics.recovery("compacted", "stopped");
                replica.transition(ReplicaState.STOPPED, c.getMessage() + ". " + remedyForUnknownAppState());
            }
            return;
        }
        if (cause instanceof DeliveryStopped d) {
            switch (d.kind()) {
                case APP_RESTARTED -> watchAfterDeliveryStop(d.getMessage());
                case IN_DOUBT -> {
                    OptionalLong now = incarnations.of(config.appPort());
                    if (now.isPresent() && now.getAsLong() == expected) {
                        // The same app is alive but failed the command: its effect is unknown.
                        restartFromStore(d.getMessage());
                    } else {
                        // The app died with it; what happens next depends on how it comes back.
                        watchAfterDeliveryStop(d.getMessage());
                    }
                }
                case CORRUPT -> replica.transition(ReplicaState.STOPPED, d.getMessage());
            }
            return;
        }
        if (cause instanceof io.koordinator.sequencer.codec.UnknownEntryFormatException u) {
            // a newer release wrote it: the remedy is in the message, the class name adds nothing
            replica.transition(ReplicaState.STOPPED, u.getMessage());
            return;
        }
        replica.transition(ReplicaState.STOPPED, "the follower stopped: " + cause);
    }

    /** The app is gone or another one: wait for it to listen, then treat it as restarted. */
    private void watchAfterDeliveryStop(String why) {
        replica.transition(ReplicaState.WAITING_FOR_APP, why + "; waiting for the app to come back");
        OptionalLong now = incarnations.of(config.appPort());
        if (now.isPresent() && now.getAsLong() != expected) {
            watchApp(); // already back
        } else if (now.isPresent()) {
            restartFromStore(why);
        }
        // else: watchApp() sees it listen again, as another incarnation
    }

    private void onDiverged(String why) {
        if (!recovery.resyncOnDivergence() || config.snapshotPath() == null) {
            return;
        }
        metrics.recovery("divergence", "snapshot");
        replica.transition(ReplicaState.QUARANTINED, why);
        startTransfer(why);
    }

    private void writeCheckpoint() {
        Follower f = follower;
        DeliveryLoop d = delivery;
        if (f != null && d != null) {
            checkpoints.write(f, d, expected, logIdentity());
        }
    }

    private String waitingForApp() {
        return "waiting for the app at " + config.appHost() + ":" + config.appPort() + " to accept connections";
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
            if (!current()) {
                return;
            }
            ReplicaState s = replica.state();
            if (s == ReplicaState.DELIVERING || s == ReplicaState.CATCHING_UP) {
                replica.transition(ReplicaState.WAITING_FOR_APP, waitingForApp());
            }
        }

        @Override
        public void appAnswered() {
            if (current() && replica.state() == ReplicaState.WAITING_FOR_APP && pendingStart == null) {
                replica.transition(ReplicaState.WAITING_FOR_APP, ReplicaState.CATCHING_UP, "the app answers again");
            }
        }

        @Override
        public String newConnectionVeto() {
            if (!incarnations.available()) {
                return null;
            }
            OptionalLong now = incarnations.of(config.appPort());
            if (now.isEmpty()) {
                return null; // connected, but the listener is gone again: the exchange fails on its own
            }
            long current = now.getAsLong();
            if (expected == 0) {
                expected = current; // the first app this replica's state is matched to
                return null;
            }
            if (current != expected) {
                return "the app at port " + config.appPort() + " is another incarnation (listener " + expected + " -> "
                        + current + "): its state must be recovered before anything more is delivered";
            }
            return null;
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

    long appIncarnation() {
        return expected;
    }

    /** The identity of the log this replica follows; known once {@link #begin} ran. */
    String logIdentity() {
        return sequencer.logIdentity().orElse("");
    }

    StateStore store() {
        return store;
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
        if (recovery.stateDir() == null) {
            deleteTemporaryStateDir();
        }
    }

    private java.nio.file.Path temporaryStateDir() {
        try {
            return java.nio.file.Files.createTempDirectory("koordinator-state-");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** With {@code --state-dir none} the state lives only as long as the process. */
    private void deleteTemporaryStateDir() {
        try (var files = java.nio.file.Files.walk(store.directory())) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.debug("{} cannot remove {}: {}", logId, store.directory(), e.toString());
        }
    }
}
