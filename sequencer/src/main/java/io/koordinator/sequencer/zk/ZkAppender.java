package io.koordinator.sequencer.zk;

import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.SequencerUnavailableException;
import io.koordinator.sequencer.codec.EntryCodec;
import io.koordinator.sequencer.zk.ZkBatch.Pending;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends: commands wait in the {@link ZkBatcher} and are packed into entries created as
 * PERSISTENT_SEQUENTIAL znodes in the background, at most {@code maxAppendsInFlight} at once and,
 * beyond the first, only full entries; commands arriving meanwhile wait for the next entry. This
 * class owns the create slots and a create's life: retried after an unknown outcome, parked while
 * disconnected, failed past its deadline (as "not written" or "outcome unknown", {@link
 * ZkBatch#givenUp}). An entry that lands past the rollover threshold goes to {@link ZkRollover}.
 *
 * <p>Threading: {@link #append} runs on callers' threads; create callbacks, retries and rollover
 * run on this appender's own thread, never on Curator's event thread. Mutable state is guarded by
 * {@link #lock}.
 */
final class ZkAppender {
    private static final Logger log = LoggerFactory.getLogger(ZkAppender.class);

    private final ZkSequencer owner;
    private final ExecutorService thread;
    /** Runs callbacks on {@link #thread}; after close, drops them (close() failed their futures). */
    private final Executor callbacks;

    private final Object lock = new Object();
    private final ZkBatcher batcher; // guarded by lock
    private final ZkRollover rollover; // the appender thread only
    private final List<ZkBatch> parked = new ArrayList<>(); // guarded by lock: waiting for a connection
    private final Set<ZkBatch> active = new HashSet<>(); // guarded by lock: not yet done
    private int inFlight; // guarded by lock: batches created, retried or parked
    private int segment; // guarded by lock
    private boolean closed; // guarded by lock

    final AtomicLong entriesAppended = new AtomicLong();
    final AtomicLong commandsAppended = new AtomicLong();
    final AtomicLong retries = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    final AtomicLong timedOut = new AtomicLong();

    ZkAppender(ZkSequencer owner) {
        this.owner = owner;
        this.thread =
                Executors.newSingleThreadExecutor(r -> ZkSequencer.daemon(r, "sequencer-append-" + owner.identity));
        this.callbacks = task -> {
            try {
                thread.execute(task);
            } catch (RejectedExecutionException e) {
                // closed: close() failed every unfinished batch
            }
        };
        this.batcher = new ZkBatcher(owner, lock, this::send);
        this.rollover = new ZkRollover(owner, this);
    }

    /** Entries re-appended into the next segment because they landed after a seal. */
    long rolloverReappends() {
        return rollover.reappends.get();
    }

    /** Runs {@code task} on the appender thread (dropped once closed). */
    void onAppenderThread(Runnable task) {
        callbacks.execute(task);
    }

    /** A rollover sealed the segment before {@code next}: appends go there from now on. */
    void advanceSegment(int next) {
        synchronized (lock) {
            segment = Math.max(segment, next);
        }
    }

    void initialize(int highestSegment) {
        synchronized (lock) {
            segment = Math.max(segment, highestSegment);
        }
    }

    int segment() {
        synchronized (lock) {
            return segment;
        }
    }

    int inFlight() {
        synchronized (lock) {
            return inFlight;
        }
    }

    CompletableFuture<Long> append(Command command) {
        int size = EntryCodec.encodedSize(command);
        if (size + EntryCodec.overhead() > owner.config.maxEntryBytes()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("command of " + size
                    + " bytes does not fit an entry (maxEntryBytes " + owner.config.maxEntryBytes() + ")"));
        }
        if (!owner.isConnected()) {
            return reject("log of group " + owner.config.group() + " is unavailable (ZooKeeper "
                    + owner.connectionState() + ")");
        }
        CompletableFuture<Long> result = new CompletableFuture<>();
        synchronized (lock) {
            if (closed) {
                return reject("sequencer closed");
            }
            batcher.add(new Pending(command, size, result, System.nanoTime()));
        }
        send();
        return result;
    }

    private CompletableFuture<Long> reject(String message) {
        rejected.incrementAndGet();
        return CompletableFuture.failedFuture(new SequencerUnavailableException(message));
    }

    /** Packs pending commands into entries while a create slot is free, and creates them. */
    private void send() {
        List<ZkBatch> toCreate = new ArrayList<>();
        synchronized (lock) {
            while (!closed && !batcher.isEmpty() && inFlight < owner.config.maxAppendsInFlight()) {
                if (inFlight > 0 && !batcher.fillsAnEntry()) {
                    break; // the next entry gathers more while this one is created
                }
                if (batcher.shouldWaitForMore(inFlight)) {
                    break;
                }
                ZkBatch batch = batcher.take(segment, System.nanoTime() + appendTimeoutNanos());
                active.add(batch);
                toCreate.add(batch);
                inFlight++;
            }
        }
        for (ZkBatch batch : toCreate) {
            batch.data =
                    EntryCodec.encode(batch.items.stream().map(Pending::command).toList());
            create(batch);
        }
    }

    /** How long an entry may stay unconfirmed (retried across disconnects) before its commands fail. */
    private long appendTimeoutNanos() {
        return owner.config.sessionTimeout().toNanos()
                + owner.config.connectionTimeout().toNanos();
    }

    void create(ZkBatch batch) {
        if (!isActive(batch)) {
            return; // failed meanwhile (overdue, closed): no further attempt
        }
        try {
            // No creatingParentsIfNeeded: a segment compacted away must never come back.
            owner.client
                    .create()
                    .withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                    .inBackground((c, event) -> onCreated(batch, event), callbacks)
                    .forPath(owner.layout.entryPrefix(batch.segment), batch.data);
            batch.sent = true;
        } catch (Exception e) {
            callbacks.execute(() -> retryOrPark(batch, e.toString()));
        }
    }

    /** Create outcome, on the appender thread. */
    private void onCreated(ZkBatch batch, CuratorEvent event) {
        if (!isActive(batch)) {
            return; // failed as overdue already; a late create only leaves an unacknowledged entry
        }
        Code code = Code.get(event.getResultCode());
        if (code == Code.NONODE) {
            retarget(batch);
            return;
        }
        if (code != Code.OK) {
            retryOrPark(batch, code.name());
            return;
        }
        long sequence = ZkLayout.parseSequence(event.getName());
        if (sequence < 0) {
            fail(batch, new IllegalStateException("unexpected entry name " + event.getName()));
        } else if (sequence >= owner.config.segmentRollover()) {
            rollover.landed(batch, sequence);
        } else {
            owner.appended(batch.segment, sequence, batch.data); // its followers need not wait to read it
            complete(batch, sequence);
        }
    }

    /**
     * The batch's segment does not exist (this create certainly failed): the log moved on and
     * compaction deleted the segment, or the layout was never set up. Appends go to the highest
     * segment; only that one is ever created here.
     */
    private void retarget(ZkBatch batch) {
        try {
            int highest = ZkSegments.highest(owner);
            synchronized (lock) {
                segment = Math.max(segment, highest);
            }
            if (highest > batch.segment) {
                log.info("{} segment {} is gone; appending to segment {}", owner.identity, batch.segment, highest);
                batch.segment = highest;
            } else {
                owner.ensurePath(owner.layout.segmentPath(batch.segment));
            }
            create(batch);
        } catch (Exception e) {
            retryOrPark(batch, "segment " + batch.segment + " missing: " + e);
        }
    }

    private boolean isActive(ZkBatch batch) {
        synchronized (lock) {
            return active.contains(batch);
        }
    }

    /** Frees the batch's slot; false if it was finished already (each batch finishes once). */
    private boolean finish(ZkBatch batch) {
        synchronized (lock) {
            if (!active.remove(batch)) {
                return false;
            }
            inFlight--;
            parked.remove(batch);
            return true;
        }
    }

    void complete(ZkBatch batch, long sequence) {
        if (!finish(batch)) {
            return;
        }
        entriesAppended.incrementAndGet();
        commandsAppended.addAndGet(batch.items.size());
        for (int i = 0; i < batch.items.size(); i++) {
            batch.items.get(i).result().complete(Positions.of(batch.segment, sequence, i));
        }
        send();
    }

    void fail(ZkBatch batch, RuntimeException cause) {
        if (!finish(batch)) {
            return;
        }
        batch.items.forEach(p -> p.result().completeExceptionally(cause));
        send();
    }

    /**
     * The create's outcome is unknown (connection loss, session expiry) or it failed: create the
     * same entry again. A second copy in the log is harmless, the followers skip it by request id.
     */
    private void retryOrPark(ZkBatch batch, String reason) {
        if (System.nanoTime() - batch.deadlineNanos > 0 || owner.closed()) {
            timedOut.addAndGet(batch.items.size());
            log.warn(
                    "{} giving up an entry of {} commands after {}: outcome unknown",
                    owner.identity,
                    batch.items.size(),
                    reason);
            fail(batch, batch.givenUp("ZooKeeper unreachable (" + reason + ")", null));
            return;
        }
        retries.incrementAndGet();
        log.debug("{} retrying an entry of {} commands after {}", owner.identity, batch.items.size(), reason);
        if (owner.isConnected()) {
            later(() -> create(batch), 50);
        } else {
            synchronized (lock) {
                parked.add(batch);
            }
            if (owner.isConnected()) {
                onConnected();
            }
        }
    }

    void later(Runnable task, long millis) {
        try {
            owner.timer().schedule(task, millis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing: close() fails every active batch
        }
    }

    /** On (re)connect, from Curator's event thread: re-create parked entries, send pending ones. */
    void onConnected() {
        List<ZkBatch> again;
        synchronized (lock) {
            again = new ArrayList<>(parked);
            parked.clear();
        }
        again.forEach(this::create);
        send();
    }

    /** On a disconnect: commands not yet in a create fail now; creates in flight are retried. */
    void onDisconnected() {
        List<Pending> dropped;
        synchronized (lock) {
            dropped = batcher.drain();
        }
        if (!dropped.isEmpty()) {
            rejected.addAndGet(dropped.size());
            SequencerUnavailableException e =
                    new SequencerUnavailableException("ZooKeeper connection lost before the command was sent");
            dropped.forEach(p -> p.result().completeExceptionally(e));
        }
    }

    /**
     * Periodically, on the timer thread: bounds the life of every append. Parked entries past
     * their deadline fail; so do creates still unanswered well past it (their slot is freed, a
     * late callback is ignored), and commands that waited for a slot longer than the deadline.
     */
    void expireParked() {
        List<ZkBatch> expired = new ArrayList<>();
        List<Pending> stale;
        synchronized (lock) {
            long now = System.nanoTime();
            parked.stream().filter(b -> now - b.deadlineNanos > 0).forEach(expired::add);
            long grace = owner.config.connectionTimeout().toNanos();
            active.stream()
                    .filter(b -> !expired.contains(b) && now - b.deadlineNanos - grace > 0)
                    .forEach(expired::add);
            stale = batcher.takeStale(now, appendTimeoutNanos());
        }
        if (!expired.isEmpty() || !stale.isEmpty()) {
            log.warn(
                    "{} failing {} entries unconfirmed past their deadline and {} commands that waited as long for a"
                            + " slot",
                    owner.identity,
                    expired.size(),
                    stale.size());
        }
        for (ZkBatch b : expired) {
            timedOut.addAndGet(b.items.size());
            fail(b, b.givenUp("ZooKeeper unreachable past the append deadline", null));
        }
        timedOut.addAndGet(stale.size());
        SequencerUnavailableException notSent =
                new SequencerUnavailableException("no append slot became free in time; the command was not sent");
        stale.forEach(p -> p.result().completeExceptionally(notSent));
    }

    void close() {
        List<Pending> dropped;
        List<ZkBatch> unfinished;
        synchronized (lock) {
            closed = true;
            dropped = batcher.drain();
            unfinished = new ArrayList<>(active);
            active.clear();
            parked.clear();
        }
        dropped.forEach(p -> p.result().completeExceptionally(new SequencerUnavailableException("sequencer closed")));
        for (ZkBatch b : unfinished) {
            RuntimeException e = b.givenUp("sequencer closed", null);
            b.items.forEach(p -> p.result().completeExceptionally(e));
        }
        thread.shutdownNow();
        try {
            thread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }
}
