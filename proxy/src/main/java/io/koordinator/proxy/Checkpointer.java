package io.koordinator.proxy;

import io.koordinator.proxy.state.AppIncarnation;
import io.koordinator.proxy.state.ReplicaCheckpoint;
import io.koordinator.proxy.state.StateStore;
import io.koordinator.sequencer.Follower;
import io.koordinator.sequencer.Positions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes this replica's durable state between two deliveries: a full checkpoint at least every
 * {@code --checkpoint-interval} (after a wait drawn between three quarters of it and all of it, see
 * {@link #drawWait}; sooner once the journal has grown large), which replaces the journal, and, with
 * snapshot endpoints, the app's own local snapshot with the checkpoint of that moment. It also
 * reads that local snapshot back, for a replica that must recover with no peer to serve it.
 *
 * <p>A local snapshot holds delivery for as long as the app takes to answer its {@code GET}, which
 * grows with the app's state, or only until the answer's headers when the app states there that it
 * fixed its state before them ({@link HeaderRules#SNAPSHOT_POSITION}); either way the app works
 * for as long as its answer takes. So it is taken at a checkpoint only once {@value
 * #SNAPSHOT_PAUSE_SPACING} times the last one's whole answer has passed since it: local snapshots
 * take the app's time, and at most that of delivery, for about 1 % of the time, whatever the app's
 * size. An app that answers in 30 ms gets one at every checkpoint (22-30 s apart by default); one
 * that takes 3 s gets one every 5 minutes, and ZooKeeper keeps the log after the last one that
 * long (compaction waits for it).
 *
 * <p>Threading: called on the control thread only.
 */
final class Checkpointer {
    private static final Logger log = LoggerFactory.getLogger(Checkpointer.class);
    private static final long JOURNAL_BYTES = 64L * 1024 * 1024;
    private static final Duration PAUSE_TIMEOUT = Duration.ofSeconds(10);
    /** The next local snapshot waits this many times the last one's answer. */
    static final int SNAPSHOT_PAUSE_SPACING = 100;

    private final ProxyConfig config;
    private final StateStore store;
    private final SnapshotTransfer transfer;
    private final ProxyMetrics metrics;
    private final Replica replica;
    private long lastNanos = System.nanoTime();
    /** How long after {@link #lastNanos} the next checkpoint is due; drawn anew after each. */
    private long waitNanos;
    /** No local snapshot before this {@link System#nanoTime()}; the first at the first checkpoint. */
    private long snapshotNotBeforeNanos = lastNanos;
    /** Position of this replica's own local snapshot; the log after it must stay (compaction). */
    private volatile long localSnapshotPosition = Positions.NONE;

    Checkpointer(
            ProxyConfig config, StateStore store, SnapshotTransfer transfer, ProxyMetrics metrics, Replica replica) {
        this.config = config;
        this.store = store;
        this.transfer = transfer;
        this.metrics = metrics;
        this.replica = replica;
        this.waitNanos = drawWait();
    }

    /** Whether a full checkpoint is due: its drawn wait passed, or the journal grew large. */
    boolean due() {
        return System.nanoTime() - lastNanos > waitNanos || store.journalBytes() > JOURNAL_BYTES;
    }

    /**
     * A wait between three quarters of the checkpoint interval and all of it, drawn at random for
     * each checkpoint, as ZooKeeper's servers draw the point of each snapshot: replicas started together
     * (a rollout) would otherwise checkpoint, and take their local snapshots, at the same moments
     * for ever, so every replica would hold its delivery at once and, on a shared node, their apps
     * would serialise their snapshots side by side. Each draw moves a replica's schedule by up to a
     * quarter of the interval against its peers', and the moves add up; a narrower range than
     * ZooKeeper's half keeps the checkpoints, and the local snapshots' pauses, close to their
     * configured rate (one in 0.875 intervals on average).
     */
    private long drawWait() {
        return drawWait(config.recovery().checkpointInterval().toNanos(), ThreadLocalRandom.current());
    }

    /** A wait in {@code [interval * 3 / 4, interval]}, uniform. */
    static long drawWait(long intervalNanos, RandomGenerator random) {
        long least = intervalNanos - intervalNanos / 4;
        return least + random.nextLong(intervalNanos - least + 1);
    }

    /**
     * Takes the checkpoint of {@code delivery}'s ledger between two of {@code follower}'s commands
     * and makes it the new base of the journal; postponed (and retried on the next tick) while a
     * delivery takes long.
     */
    void write(Follower follower, DeliveryLoop delivery, long incarnation, String logIdentity) {
        lastNanos = System.nanoTime();
        waitNanos = drawWait();
        if (config.snapshotPath() != null && lastNanos - snapshotNotBeforeNanos >= 0) {
            writeLocalSnapshot();
        }
        try {
            record Taken(ReplicaCheckpoint checkpoint, int journal) {}
            long asked = System.nanoTime();
            Taken taken = follower.betweenCommands(PAUSE_TIMEOUT, at -> {
                ReplicaCheckpoint c = delivery.ledger().checkpoint(at, incarnation, logIdentity);
                return new Taken(c, store.rotate());
            });
            metrics.deliveryPaused("checkpoint", System.nanoTime() - asked);
            store.writeCheckpoint(taken.checkpoint(), taken.journal());
            log.debug("{} wrote {}", config.logId(), taken.checkpoint());
        } catch (TimeoutException e) {
            log.debug("{} checkpoint postponed: {}", config.logId(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            metrics.checkpointError();
            log.warn("{} writing the checkpoint failed: {}", config.logId(), e.toString());
        }
    }

    /**
     * Takes the app's snapshot between two deliveries and keeps it with the checkpoint of that
     * moment, so this replica can recover without a peer (all replicas restarting at once).
     */
    private void writeLocalSnapshot() {
        ReplicaState state = replica.state();
        if (state != ReplicaState.DELIVERING && state != ReplicaState.CATCHING_UP) {
            return;
        }
        long asked = System.nanoTime();
        boolean taken = false;
        try {
            SnapshotTransfer.Taken snapshot = transfer.take();
            taken = true;
            spaceNextSnapshot(snapshot.tookNanos());
            try {
                ReplicaCheckpoint at = snapshot.checkpoint();
                store.localSnapshot().write(at, snapshot.snapshot());
                localSnapshotPosition = at.position();
            } finally {
                Files.deleteIfExists(snapshot.snapshot());
            }
        } catch (TimeoutException e) {
            log.debug("{} local snapshot postponed: {}", config.logId(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            if (!taken) {
                // a failed GET took the app's time too (timed from the ask here: a little longer)
                spaceNextSnapshot(System.nanoTime() - asked);
            }
            metrics.checkpointError();
            log.warn("{} taking the local snapshot failed: {}", config.logId(), e.toString());
        }
    }

    /** The next local snapshot waits {@value #SNAPSHOT_PAUSE_SPACING} times this one's answer. */
    private void spaceNextSnapshot(long answerNanos) {
        snapshotNotBeforeNanos = System.nanoTime() + answerNanos * SNAPSHOT_PAUSE_SPACING;
    }

    /** Position of the last local snapshot, {@link Positions#NONE} before the first. */
    long localSnapshotPosition() {
        return localSnapshotPosition;
    }

    /**
     * Puts this replica's own last snapshot back into its app, if the log after it is still there
     * and it belongs to {@code logIdentity}; the checkpoint to follow from, matched to the app now
     * listening, or empty when it cannot (no snapshot, compacted past, app not listening yet).
     */
    Optional<ReplicaCheckpoint> restoreLocalSnapshot(String logIdentity, long floor, AppIncarnation incarnations) {
        Path file = store.directory().resolve("transfer").resolve("local.snapshot");
        try {
            Files.createDirectories(file.getParent());
            Optional<ReplicaCheckpoint> local = store.localSnapshot().read(file);
            if (local.isEmpty()) {
                return Optional.empty();
            }
            ReplicaCheckpoint checkpoint = local.get();
            if (!Positions.followableAfter(checkpoint.position(), floor)
                    || !checkpoint.logIdentity().equals(logIdentity)) {
                return Optional.empty(); // the log after it is gone, or it belongs to another log
            }
            if (incarnations.available() && incarnations.of(config.appPort()).isEmpty()) {
                return Optional.empty(); // the app is not listening yet: retried
            }
            transfer.putIntoApp(file, checkpoint.position());
            OptionalLong now = incarnations.of(config.appPort());
            return Optional.of(checkpoint.withAppIncarnation(now.orElse(0)));
        } catch (Exception e) {
            log.warn("{} restoring the local snapshot failed: {}", config.logId(), e.toString());
            metrics.checkpointError();
            return Optional.empty();
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // left for the next attempt to overwrite
            }
        }
    }
}
