package io.koordinator.proxy;

import io.koordinator.proxy.state.AppIncarnation;
import io.koordinator.proxy.state.ReplicaCheckpoint;
import io.koordinator.proxy.state.StateStore;
import io.koordinator.sequencer.LogCompactedException;
import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.Sequencer;
import java.io.IOException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, after every start and every fault, how this replica's app comes back identical to the
 * group's, or keeps it out of service with the reason: resume from the durable checkpoint, rebuild
 * a fresh app from the log, restore a peer's snapshot (with no peer, its own), replay a log
 * archive, redeliver to a position-aware app, or stop. The README's app contract is the table of
 * these decisions. An attempt that nothing can serve yet is retried a second later.
 *
 * <p>The follower, the delivery loop and the app incarnation the state belongs to stay with the
 * {@link Owner}; the one state kept here is a start that waits for the app to listen.
 *
 * <p>Threading: on the control thread, in order, retries included; {@link #waitingToStart()} is
 * also read on the follower thread, and {@link #close()} is called from any thread.
 */
final class AppRecovery {
    // the control's decisions keep the logger name operators filter on
    private static final Logger log = LoggerFactory.getLogger(ReplicaControl.class);

    /** What recovery asks of the replica that owns the follower and the delivery loop; on the control thread. */
    interface Owner {
        /** Closes the follower (and with it the delivery loop), if one runs. */
        void stopFollowing();

        /**
         * A new follower and delivery loop from {@code from} (replaying {@code archive} first, if
         * any; redelivering {@code redeliver}, if not {@link Positions#NONE}), CATCHING_UP.
         */
        void follow(ReplicaCheckpoint from, long redeliver, String why, ArchiveTransfer.Fetched archive);

        /** The app incarnation the replica's state belongs to; 0 until known. */
        long appIncarnation();

        /** The replica's state belongs to app incarnation {@code incarnation} from now on. */
        void expect(long incarnation);
    }

    private final ProxyConfig config;
    private final RecoveryConfig recovery;
    private final Sequencer sequencer;
    private final Replica replica;
    private final ProxyMetrics metrics;
    private final StateStore store;
    private final AppIncarnation incarnations;
    private final SnapshotTransfer transfer;
    private final ArchiveTransfer archives;
    private final Checkpointer checkpoints;
    private final ScheduledExecutorService control;
    private final Owner owner;
    private final String logId;

    /** A loaded state that waits for the app to listen before it is matched to it. */
    private volatile StateStore.Loaded pendingStart;

    private volatile boolean closed;

    AppRecovery(
            ProxyConfig config,
            Sequencer sequencer,
            Replica replica,
            ProxyMetrics metrics,
            StateStore store,
            AppIncarnation incarnations,
            SnapshotTransfer transfer,
            Checkpointer checkpoints,
            ScheduledExecutorService control,
            Owner owner) {
        this.config = config;
        this.recovery = config.recovery();
        this.sequencer = sequencer;
        this.replica = replica;
        this.metrics = metrics;
        this.store = store;
        this.incarnations = incarnations;
        this.transfer = transfer;
        this.archives = new ArchiveTransfer(config, sequencer, metrics, transfer::token);
        this.checkpoints = checkpoints;
        this.control = control;
        this.owner = owner;
        this.logId = config.logId();
    }

    /** How to begin from {@code loaded} (null: the state directory is corrupt). */
    void begin(StateStore.Loaded loaded) {
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
            owner.expect(now.orElse(0));
            follow(
                    ReplicaCheckpoint.START.withAppIncarnation(owner.appIncarnation()),
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
            owner.expect(current);
            recoverApp(
                    "the app restarted while the proxy was down (listener " + checkpoint.appIncarnation() + " -> "
                            + current + ")",
                    "app_restarted");
            return;
        }
        owner.expect(current);
        if (loaded.inDoubt().isPresent()) {
            resolveInDoubt(checkpoint, loaded.inDoubt().get().position());
            return;
        }
        metrics.recovery("proxy_restarted", "resume");
        follow(checkpoint.withAppIncarnation(owner.appIncarnation()), Positions.NONE, "resumed from " + checkpoint);
    }

    /** Whether the start waits for the app to listen before its state is matched to it. */
    boolean waitingToStart() {
        return pendingStart != null;
    }

    /** The app listens: the start that waited for it goes on. */
    void appListening() {
        StateStore.Loaded pending = pendingStart;
        pendingStart = null;
        begin(pending);
    }

    /** The one command at {@code position} may have reached the app without its answer being recorded. */
    private void resolveInDoubt(ReplicaCheckpoint checkpoint, long position) {
        String doubt = "the command at " + Positions.format(position) + " may have reached the app without its"
                + " answer being recorded";
        if (recovery.appKind() == AppKind.POSITION_AWARE) {
            metrics.recovery("in_doubt", "redeliver");
            follow(
                    checkpoint.withAppIncarnation(owner.appIncarnation()),
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
    void recoverApp(String why, String cause) {
        owner.stopFollowing();
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
                ReplicaCheckpoint fresh = ReplicaCheckpoint.START.withAppIncarnation(owner.appIncarnation());
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

    /** Reloads the recorded state (what the app was last known to have applied) and follows on. */
    void restartFromStore(String why) {
        owner.stopFollowing();
        try {
            StateStore.Loaded loaded = store.load();
            if (loaded.inDoubt().isPresent()) {
                resolveInDoubt(loaded.checkpoint(), loaded.inDoubt().get().position());
            } else {
                follow(
                        loaded.checkpoint().withAppIncarnation(owner.appIncarnation()),
                        Positions.NONE,
                        why + "; resuming from " + loaded.checkpoint());
            }
        } catch (IOException e) {
            recoverApp(why + "; its recorded state is unreadable (" + e.getMessage() + ")", "corrupt_state");
        }
    }

    /** The follower fell below the compaction floor ({@code c}) and was stopped. */
    void afterCompaction(LogCompactedException c) {
        if (config.snapshotPath() != null) {
            metrics.recovery("compacted", "snapshot");
            startTransfer(c.getMessage());
        } else if (recovery.archives()) {
            metrics.recovery("compacted", "archive");
            replica.transition(ReplicaState.TRANSFERRING, c.getMessage() + "; catching up from a peer's log archive");
            attemptArchive(c.getMessage(), false);
        } else {
            metrics.recovery("compacted", "stopped");
            replica.transition(ReplicaState.STOPPED, c.getMessage() + ". " + remedyForUnknownAppState());
        }
    }

    /** This replica is the diverged minority: re-synced from a peer's snapshot, if so configured. */
    void onDiverged(String why) {
        if (!recovery.resyncOnDivergence() || config.snapshotPath() == null) {
            return;
        }
        metrics.recovery("divergence", "snapshot");
        replica.transition(ReplicaState.QUARANTINED, why);
        startTransfer(why);
    }

    private void startTransfer(String why) {
        owner.stopFollowing();
        replica.transition(ReplicaState.TRANSFERRING, why + "; restoring a peer's snapshot");
        attemptTransfer(why);
    }

    private void attemptTransfer(String why) {
        if (closed || replica.state() != ReplicaState.TRANSFERRING) {
            return;
        }
        try {
            ReplicaCheckpoint restored = transfer.restoreFromPeer(incarnations);
            owner.expect(restored.appIncarnation());
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
            owner.expect(restored.appIncarnation());
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
                from = ReplicaCheckpoint.START.withAppIncarnation(owner.appIncarnation());
                own = archives.fromOwn(store, dir, Positions.NONE);
                store.reset(from);
            } else {
                StateStore.Loaded loaded = store.load();
                if (loaded.inDoubt().isPresent()) {
                    resolveInDoubt(loaded.checkpoint(), loaded.inDoubt().get().position());
                    return;
                }
                from = loaded.checkpoint().withAppIncarnation(owner.appIncarnation());
            }
            ArchiveTransfer.Fetched archive = own.isPresent() ? own.get() : archives.fromPeer(dir, from.position());
            owner.follow(
                    from,
                    Positions.NONE,
                    why + "; replaying " + archive.commands() + " commands from " + archive.from(),
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

    private void follow(ReplicaCheckpoint from, long redeliver, String why) {
        owner.follow(from, redeliver, why, null);
    }

    private String logIdentity() {
        return sequencer.logIdentity().orElse("");
    }

    /** No attempt starts after this; idempotent. */
    void close() {
        closed = true;
    }
}
