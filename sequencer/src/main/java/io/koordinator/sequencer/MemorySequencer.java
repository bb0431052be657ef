package io.koordinator.sequencer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A sequencer whose log lives in this process: for unit tests of the layers above, and the
 * reference behaviour of the {@link Sequencer} contract. Several {@code MemorySequencer}s built
 * on one {@link Log} behave like replicas of one group sharing a ZooKeeper log.
 *
 * <p>One entry is written at a time, on the sequencer's own thread, holding every command pending
 * at that moment (up to {@code maxEntryCommands}), so appends made while an entry is being written
 * batch into the next one. {@link Log#setAvailable(boolean)} simulates ZooKeeper going away.
 */
public final class MemorySequencer implements Sequencer {

    /** The shared log of one group. Thread-safe: every method synchronizes on the log. */
    public static final class Log {
        private final List<List<Command>> entries = new ArrayList<>();
        private final AtomicBoolean available = new AtomicBoolean(true);
        private final Map<String, Supplier<ReplicaInfo>> replicas = new ConcurrentHashMap<>();
        private final Map<String, String> secrets = new ConcurrentHashMap<>();
        private final String identity = java.util.UUID.randomUUID().toString();
        private long floorSequence = -1; // guarded by this
        private Exception followerFailure; // guarded by this

        /** The next follower of this log to wait for an entry throws {@code failure} (once). */
        public synchronized void failAFollower(Exception failure) {
            followerFailure = failure;
            notifyAll();
        }

        /** While false, appends fail with {@link SequencerUnavailableException}. */
        public void setAvailable(boolean available) {
            this.available.set(available);
        }

        public boolean isAvailable() {
            return available.get();
        }

        synchronized long appendEntry(List<Command> commands) {
            entries.add(List.copyOf(commands));
            notifyAll();
            return Positions.entry(0, entries.size() - 1L);
        }

        private void takeFollowerFailure() throws Exception {
            Exception f = followerFailure;
            if (f != null) {
                followerFailure = null;
                throw f;
            }
        }

        /**
         * Entry at {@code sequence}, waiting up to {@code millis} for it; null if not there yet.
         * Throws if it is compacted away; {@code needed} is the first position the caller needs.
         */
        synchronized List<Command> await(long sequence, long needed, long millis) throws Exception {
            takeFollowerFailure();
            if (sequence < floorSequence) {
                throw new LogCompactedException(needed, floor());
            }
            if (sequence >= entries.size()) {
                wait(millis);
                takeFollowerFailure();
            }
            return sequence < entries.size() ? entries.get((int) sequence) : null;
        }

        /** Deletes every entry below {@code position}'s entry, as compaction does on ZooKeeper. */
        public synchronized void compact(long position) {
            long sequence = Positions.sequence(position);
            if (sequence <= floorSequence) {
                return;
            }
            floorSequence = sequence;
            for (int i = 0; i < Math.min(sequence, entries.size()); i++) {
                entries.set(i, null);
            }
            notifyAll();
        }

        /** The compaction floor, or {@link Positions#NONE}. */
        public synchronized long floor() {
            return floorSequence < 0 ? Positions.NONE : Positions.entry(0, floorSequence);
        }

        public synchronized int entryCount() {
            return entries.size();
        }

        /** The position of the last command in the log, or {@link Positions#NONE}. */
        synchronized long lastCommand() {
            for (int i = entries.size() - 1; i >= 0; i--) {
                List<Command> entry = entries.get(i);
                if (entry == null) {
                    break; // compacted: everything below is too
                }
                if (!entry.isEmpty()) {
                    return Positions.entry(0, i) + entry.size() - 1;
                }
            }
            return Positions.NONE;
        }
    }

    private final Log log;
    private final SequencerConfig config;
    private final AtomicReference<String> state = new AtomicReference<>("LATENT");
    private final List<Pending> pending = new ArrayList<>(); // guarded by itself
    private boolean flushScheduled; // guarded by pending
    private final ExecutorService writer;
    private final List<MemoryFollower> followers = new CopyOnWriteArrayList<>();
    private final AtomicLong entriesAppended = new AtomicLong();
    private final AtomicLong commandsAppended = new AtomicLong();
    private final AtomicLong appendsRejected = new AtomicLong();
    private final AtomicLong duplicatesSkipped = new AtomicLong();
    private volatile ReplicaInfo registered;

    private record Pending(Command command, CompletableFuture<Long> result) {}

    public MemorySequencer(Log log, SequencerConfig config) {
        this.log = log;
        this.config = config;
        this.writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sequencer-append-" + config.replicaId() + "/" + config.group());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void start() {
        if (!state.compareAndSet("LATENT", "CONNECTED")) {
            throw new IllegalStateException("already started");
        }
    }

    @Override
    public CompletableFuture<Long> append(Command command) {
        if (!isConnected()) {
            appendsRejected.incrementAndGet();
            return CompletableFuture.failedFuture(
                    new SequencerUnavailableException("log of group " + config.group() + " is unavailable"));
        }
        CompletableFuture<Long> result = new CompletableFuture<>();
        synchronized (pending) {
            pending.add(new Pending(command, result));
            if (flushScheduled) {
                return result;
            }
            flushScheduled = true;
        }
        try {
            writer.execute(this::flush);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new SequencerUnavailableException("closed"));
        }
        return result;
    }

    /** Writes pending commands as entries (bounded by the configured entry size), on the writer thread. */
    private void flush() {
        while (true) {
            List<Pending> batch;
            synchronized (pending) {
                if (pending.isEmpty()) {
                    flushScheduled = false;
                    return;
                }
                int n = Math.min(pending.size(), config.maxEntryCommands());
                batch = new ArrayList<>(pending.subList(0, n));
                pending.subList(0, n).clear();
            }
            List<Command> commands = batch.stream().map(Pending::command).toList();
            long entry = log.appendEntry(commands);
            entriesAppended.incrementAndGet();
            commandsAppended.addAndGet(commands.size());
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).result().complete(entry + i);
            }
        }
    }

    @Override
    public Follower follow(LogCheckpoint from, LogListener listener) {
        MemoryFollower follower = new MemoryFollower(from, listener);
        followers.add(follower);
        follower.thread.start();
        return follower;
    }

    @Override
    public CompletableFuture<Long> readBarrier() {
        if (!isConnected()) {
            return CompletableFuture.failedFuture(
                    new SequencerUnavailableException("log of group " + config.group() + " is unavailable"));
        }
        // The log is in this process: its last command now is a barrier with nothing to wait for.
        return CompletableFuture.completedFuture(log.lastCommand());
    }

    @Override
    public boolean isConnected() {
        return "CONNECTED".equals(state.get()) && log.isAvailable();
    }

    @Override
    public String connectionState() {
        String s = state.get();
        return "CONNECTED".equals(s) && !log.isAvailable() ? "SUSPENDED" : s;
    }

    @Override
    public void registerReplica(ReplicaInfo info, Supplier<ReplicaInfo> progress) {
        registered = info;
        log.replicas.put(info.replicaId(), () -> {
            ReplicaInfo now = progress.get();
            return now == null ? info : now;
        });
    }

    @Override
    public List<ReplicaInfo> replicas() {
        return log.replicas.values().stream().map(Supplier::get).toList();
    }

    @Override
    public Optional<String> logIdentity() {
        return Optional.of("memory:" + log.identity);
    }

    @Override
    public String sharedSecret(String name) {
        return log.secrets.computeIfAbsent(name, n -> Secrets.random());
    }

    @Override
    public long compactionFloor() {
        return log.floor();
    }

    /** What {@link #registerReplica} was given, for tests. */
    public Optional<ReplicaInfo> registered() {
        return Optional.ofNullable(registered);
    }

    @Override
    public SequencerStats stats() {
        return new SequencerStats(
                0,
                entriesAppended.get(),
                commandsAppended.get(),
                0,
                appendsRejected.get(),
                duplicatesSkipped.get(),
                0,
                0,
                0,
                0,
                0,
                0,
                0);
    }

    @Override
    public void close() {
        if (state.getAndSet("CLOSED").equals("CLOSED")) {
            return;
        }
        followers.forEach(MemoryFollower::close);
        ReplicaInfo r = registered;
        if (r != null) {
            log.replicas.remove(r.replicaId());
        }
        writer.shutdown();
        synchronized (pending) {
            pending.forEach(p -> p.result().completeExceptionally(new SequencerUnavailableException("closed")));
            pending.clear();
        }
    }

    private final class MemoryFollower implements Follower {
        private final LogDispatcher dispatcher;
        private final Thread thread;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private volatile boolean closed;
        private volatile boolean reachedTail;
        private final long startSequence;
        private int skipThroughIndex;

        MemoryFollower(LogCheckpoint from, LogListener listener) {
            this.dispatcher = new LogDispatcher(from, config.dedupWindow(), listener, duplicatesSkipped);
            long after = from.position();
            this.startSequence = after == Positions.NONE ? 0 : Positions.sequence(after);
            this.skipThroughIndex = after == Positions.NONE ? -1 : Positions.index(after);
            this.thread = new Thread(this::run, "follower-" + config.replicaId() + "/" + config.group());
            this.thread.setDaemon(true);
        }

        private void run() {
            long sequence = startSequence;
            try {
                while (!closed) {
                    long needed = Positions.entry(0, sequence) + skipThroughIndex + 1;
                    List<Command> entry = log.await(sequence, needed, 100);
                    if (entry == null) {
                        reachedTail = true; // nothing at the next sequence: the end of the log
                        continue;
                    }
                    long entryPosition = Positions.entry(0, sequence);
                    for (int i = skipThroughIndex + 1; i < entry.size() && !closed; i++) {
                        dispatcher.dispatch(entryPosition + i, entry.get(i));
                    }
                    skipThroughIndex = -1;
                    sequence++;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable t) {
                if (!closed) {
                    failure.set(t);
                    dispatcher.stopped(t);
                }
            }
        }

        @Override
        public <T> T betweenCommands(Duration timeout, Function<LogCheckpoint, T> action)
                throws InterruptedException, TimeoutException {
            return dispatcher.betweenCommands(timeout, action);
        }

        @Override
        public long appliedPosition() {
            return dispatcher.applied();
        }

        @Override
        public long tailSeen() {
            int count = log.entryCount();
            return count == 0 ? Positions.NONE : Positions.entry(0, count - 1L);
        }

        @Override
        public boolean reachedTail() {
            return reachedTail;
        }

        @Override
        public long lagEntries() {
            int count = log.entryCount();
            long applied = dispatcher.applied();
            long next = applied == Positions.NONE ? 0 : Positions.sequence(applied) + 1;
            return Math.max(0, count - next);
        }

        @Override
        public Optional<Throwable> failure() {
            return Optional.ofNullable(failure.get());
        }

        @Override
        public void close() {
            closed = true;
            thread.interrupt();
            followers.remove(this);
        }
    }
}
