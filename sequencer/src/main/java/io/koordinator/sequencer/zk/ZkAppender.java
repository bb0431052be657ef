package io.koordinator.sequencer.zk;

import io.koordinator.sequencer.AppendOutcomeUnknownException;
import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.SequencerUnavailableException;
import io.koordinator.sequencer.codec.CorruptEntryException;
import io.koordinator.sequencer.codec.EntryCodec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adaptive batching of appends: pending commands are packed into entries (bounded by bytes and
 * count) and created as PERSISTENT_SEQUENTIAL znodes in the background, at most {@code
 * maxAppendsInFlight} at once; commands arriving meanwhile wait for the next entry.
 *
 * <p>Threading: {@link #append} runs on callers' threads; create callbacks, retries and rollover
 * run on this appender's own thread, never on Curator's event thread. Mutable state is guarded by
 * {@link #lock}.
 */
final class ZkAppender {
    private static final Logger log = LoggerFactory.getLogger(ZkAppender.class);

    private record Pending(Command command, int size, CompletableFuture<Long> result, long enqueuedNanos) {}

    /** One entry being created; its segment changes only when a rollover re-appends it. */
    private static final class Batch {
        final List<Pending> items;
        byte[] data; // encoded by send() outside the lock, before the first create
        final long deadlineNanos;
        int segment;
        /** A create was handed to Curator: the entry may be in the log from then on. */
        volatile boolean sent;

        Batch(List<Pending> items, int segment, long deadlineNanos) {
            this.items = items;
            this.segment = segment;
            this.deadlineNanos = deadlineNanos;
        }
    }

    private final ZkSequencer owner;
    private final ExecutorService thread;
    /** Runs callbacks on {@link #thread}; after close, drops them (close() failed their futures). */
    private final Executor callbacks;

    private final Object lock = new Object();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>(); // guarded by lock
    private final List<Batch> parked = new ArrayList<>(); // guarded by lock: waiting for a connection
    private final Set<Batch> active = new HashSet<>(); // guarded by lock: not yet done
    private final Map<Integer, Long> firstSeal = new HashMap<>(); // only on the appender thread
    private int inFlight; // guarded by lock: batches created, retried or parked
    private int segment; // guarded by lock
    private boolean delayScheduled; // guarded by lock
    private boolean closed; // guarded by lock

    final AtomicLong entriesAppended = new AtomicLong();
    final AtomicLong commandsAppended = new AtomicLong();
    final AtomicLong retries = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    final AtomicLong rolloverReappends = new AtomicLong();
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
            pending.add(new Pending(command, size, result, System.nanoTime()));
        }
        send();
        return result;
    }

    private CompletableFuture<Long> reject(String message) {
        rejected.incrementAndGet();
        return CompletableFuture.failedFuture(new SequencerUnavailableException(message));
    }

    /**
     * The exception for a batch given up: the outcome is unknown once a create was sent, and
     * "not written" only if none ever was.
     */
    private static RuntimeException givenUp(Batch batch, String why, Throwable cause) {
        return batch.sent
                ? new AppendOutcomeUnknownException(why + "; the command may or may not be in the log", cause)
                : new SequencerUnavailableException(why + "; the command was not written", cause);
    }

    /** Packs pending commands into entries while a create slot is free, and creates them. */
    private void send() {
        List<Batch> toCreate = new ArrayList<>();
        synchronized (lock) {
            while (!closed && !pending.isEmpty() && inFlight < owner.config.maxAppendsInFlight()) {
                if (shouldWaitForMore()) {
                    break;
                }
                toCreate.add(takeBatch());
                inFlight++;
            }
        }
        for (Batch batch : toCreate) {
            batch.data =
                    EntryCodec.encode(batch.items.stream().map(Pending::command).toList());
            create(batch);
        }
    }

    /** maxBatchDelay: with nothing in flight, a partial batch waits a little for company. */
    private boolean shouldWaitForMore() {
        long delay = owner.config.maxBatchDelay().toNanos();
        if (delay == 0 || inFlight > 0 || pending.size() >= owner.config.maxEntryCommands()) {
            return false;
        }
        long waitNanos = pending.peekFirst().enqueuedNanos() + delay - System.nanoTime();
        if (waitNanos <= 0) {
            return false;
        }
        if (!delayScheduled) {
            delayScheduled = true;
            owner.timer()
                    .schedule(
                            () -> {
                                synchronized (lock) {
                                    delayScheduled = false;
                                }
                                send();
                            },
                            waitNanos,
                            TimeUnit.NANOSECONDS);
        }
        return true;
    }

    private Batch takeBatch() {
        List<Pending> items = new ArrayList<>();
        int bytes = EntryCodec.overhead();
        while (!pending.isEmpty() && items.size() < owner.config.maxEntryCommands()) {
            Pending next = pending.peekFirst();
            if (!items.isEmpty() && bytes + next.size() > owner.config.maxEntryBytes()) {
                break;
            }
            bytes += next.size();
            items.add(pending.pollFirst());
        }
        long deadline = System.nanoTime() + appendTimeoutNanos();
        Batch batch = new Batch(items, segment, deadline);
        active.add(batch);
        return batch;
    }

    /** How long an entry may stay unconfirmed (retried across disconnects) before its commands fail. */
    private long appendTimeoutNanos() {
        return owner.config.sessionTimeout().toNanos()
                + owner.config.connectionTimeout().toNanos();
    }

    private void create(Batch batch) {
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
    private void onCreated(Batch batch, CuratorEvent event) {
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
            rollover(batch, sequence);
        } else {
            complete(batch, sequence);
        }
    }

    /**
     * The batch's segment does not exist (this create certainly failed): the log moved on and
     * compaction deleted the segment, or the layout was never set up. Appends go to the highest
     * segment; only that one is ever created here.
     */
    private void retarget(Batch batch) {
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

    private boolean isActive(Batch batch) {
        synchronized (lock) {
            return active.contains(batch);
        }
    }

    /** Frees the batch's slot; false if it was finished already (each batch finishes once). */
    private boolean finish(Batch batch) {
        synchronized (lock) {
            if (!active.remove(batch)) {
                return false;
            }
            inFlight--;
            parked.remove(batch);
            return true;
        }
    }

    private void complete(Batch batch, long sequence) {
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

    private void fail(Batch batch, RuntimeException cause) {
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
    private void retryOrPark(Batch batch, String reason) {
        if (System.nanoTime() - batch.deadlineNanos > 0 || owner.closed()) {
            timedOut.addAndGet(batch.items.size());
            log.warn(
                    "{} giving up an entry of {} commands after {}: outcome unknown",
                    owner.identity,
                    batch.items.size(),
                    reason);
            fail(batch, givenUp(batch, "ZooKeeper unreachable (" + reason + ")", null));
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

    private void later(Runnable task, long millis) {
        try {
            owner.timer().schedule(task, millis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing: close() fails every active batch
        }
    }

    /** On (re)connect, from Curator's event thread: re-create parked entries, send pending ones. */
    void onConnected() {
        List<Batch> again;
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
            dropped = new ArrayList<>(pending);
            pending.clear();
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
        List<Batch> expired = new ArrayList<>();
        List<Pending> stale = new ArrayList<>();
        synchronized (lock) {
            long now = System.nanoTime();
            parked.stream().filter(b -> now - b.deadlineNanos > 0).forEach(expired::add);
            long grace = owner.config.connectionTimeout().toNanos();
            active.stream()
                    .filter(b -> !expired.contains(b) && now - b.deadlineNanos - grace > 0)
                    .forEach(expired::add);
            long timeout = appendTimeoutNanos();
            while (!pending.isEmpty() && now - pending.peekFirst().enqueuedNanos() - timeout > 0) {
                stale.add(pending.pollFirst());
            }
        }
        if (!expired.isEmpty() || !stale.isEmpty()) {
            log.warn(
                    "{} failing {} entries unconfirmed past their deadline and {} commands that waited as long for a"
                            + " slot",
                    owner.identity,
                    expired.size(),
                    stale.size());
        }
        for (Batch b : expired) {
            timedOut.addAndGet(b.items.size());
            fail(b, givenUp(b, "ZooKeeper unreachable past the append deadline", null));
        }
        timedOut.addAndGet(stale.size());
        SequencerUnavailableException notSent =
                new SequencerUnavailableException("no append slot became free in time; the command was not sent");
        stale.forEach(p -> p.result().completeExceptionally(notSent));
    }

    /**
     * The create landed at or past the rollover threshold: make sure the segment is sealed, find
     * its first seal, and keep the entry if it lies before that seal, else append it again in the
     * next segment. Blocking reads, on the appender thread (rare: once per segment).
     */
    private void rollover(Batch batch, long sequence) {
        int sealedSegment = batch.segment;
        try {
            Long seal = firstSeal.get(sealedSegment);
            if (seal == null) {
                seal = seal(sealedSegment);
                firstSeal.put(sealedSegment, seal);
                synchronized (lock) {
                    segment = Math.max(segment, sealedSegment + 1);
                }
            }
            if (sequence < seal) {
                complete(batch, sequence);
            } else {
                rolloverReappends.incrementAndGet();
                batch.segment = sealedSegment + 1;
                create(batch);
            }
        } catch (Exception e) {
            log.warn("{} sealing segment {} failed, retrying: {}", owner.identity, sealedSegment, e.toString());
            if (System.nanoTime() - batch.deadlineNanos > 0 || owner.closed()) {
                fail(batch, givenUp(batch, "segment rollover failed", e));
            } else {
                later(() -> callbacks.execute(() -> rollover(batch, sequence)), 200);
            }
        }
    }

    /** Writes a seal entry into {@code segment}, returns the sequence of its first seal. */
    private long seal(int segment) throws Exception {
        String created = owner.client
                .create()
                .withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                .forPath(owner.layout.entryPrefix(segment), EntryCodec.encodeSeal());
        long mine = ZkLayout.parseSequence(created);
        long first = mine;
        for (long s = owner.config.segmentRollover(); s < mine; s++) {
            byte[] data;
            try {
                data = owner.client.getData().forPath(owner.layout.entryPath(segment, s));
            } catch (KeeperException.NoNodeException e) {
                continue;
            }
            try {
                if (EntryCodec.decode(data).seal()) {
                    first = s;
                    break;
                }
            } catch (CorruptEntryException e) {
                throw new IllegalStateException("corrupt entry " + Positions.format(Positions.entry(segment, s)), e);
            }
        }
        owner.ensurePath(owner.layout.segmentPath(segment + 1));
        log.info(
                "{} segment {} sealed at sequence {} (my seal at {}); appending to segment {}",
                owner.identity,
                segment,
                first,
                mine,
                segment + 1);
        return first;
    }

    void close() {
        List<Pending> dropped;
        List<Batch> unfinished;
        synchronized (lock) {
            closed = true;
            dropped = new ArrayList<>(pending);
            pending.clear();
            unfinished = new ArrayList<>(active);
            active.clear();
            parked.clear();
        }
        dropped.forEach(p -> p.result().completeExceptionally(new SequencerUnavailableException("sequencer closed")));
        for (Batch b : unfinished) {
            RuntimeException e = givenUp(b, "sequencer closed", null);
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
