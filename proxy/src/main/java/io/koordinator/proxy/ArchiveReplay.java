package io.koordinator.proxy;

import io.koordinator.proxy.state.ArchiveView;
import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.Follower;
import io.koordinator.sequencer.LogCheckpoint;
import io.koordinator.sequencer.LogDispatcher;
import io.koordinator.sequencer.LogListener;
import io.koordinator.sequencer.Positions;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a group's log from an archive first, then from ZooKeeper. The commands the archive holds
 * after the checkpoint go through one {@link LogDispatcher}, exactly as a follower would have
 * dispatched them from the log, and once the archive is exhausted the sequencer's follower takes
 * over from the last of them. This is how a replica rebuilds an app without snapshot endpoints
 * after ZooKeeper compacted the start of the log.
 *
 * <p>The archive records, for each command, whether the replica that wrote it skipped it as a
 * duplicate; deduplication here must decide the same, or the replay stops (the archive and this
 * replica disagree about the log, and delivering on would diverge).
 *
 * <p>Threading: the replay runs on its own thread, which is the listener's "follower thread"
 * until the follower it hands over to starts its own.
 */
final class ArchiveReplay implements Follower {
    private static final Logger log = LoggerFactory.getLogger(ArchiveReplay.class);

    private final Path file;
    private final long after;
    private final long commands;
    private final Function<LogCheckpoint, Follower> then;
    private final Checked listener;
    private final LogDispatcher dispatcher;
    private final Thread thread;
    private final String logId;
    private final AtomicLong replayed = new AtomicLong();
    private volatile Follower next;
    private volatile Throwable failure;
    private volatile boolean closed;

    /**
     * @param file the archive, journals laid end to end; deleted once replayed
     * @param commands how many commands it holds after {@code from}, for the lag
     * @param then starts the follower that takes over from the archive's last command
     */
    ArchiveReplay(
            String logId,
            LogCheckpoint from,
            Path file,
            long commands,
            Duration dedupWindow,
            LogListener listener,
            Function<LogCheckpoint, Follower> then) {
        this.logId = logId;
        this.file = file;
        this.after = from.position();
        this.commands = commands;
        this.then = then;
        this.listener = new Checked(listener);
        this.dispatcher = new LogDispatcher(from, dedupWindow, this.listener, new AtomicLong());
        this.thread = new Thread(this::run, "archive-replay-" + logId);
        this.thread.setDaemon(true);
    }

    ArchiveReplay start() {
        thread.start();
        return this;
    }

    private void run() {
        long started = System.nanoTime();
        try {
            long last;
            try (InputStream in = Files.newInputStream(file)) {
                last = ArchiveView.replay(in, after, (position, command, duplicate) -> {
                    if (closed) {
                        throw new InterruptedException("closed");
                    }
                    listener.expectDuplicate = duplicate;
                    dispatcher.dispatch(position, command);
                    replayed.incrementAndGet();
                });
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            log.info(
                    "{} replayed {} commands from the archive in {} ms, up to {}; following the log from there",
                    logId,
                    replayed.get(),
                    millis,
                    Positions.format(last));
            synchronized (this) {
                if (!closed) {
                    next = then.apply(dispatcher.betweenCommands(Duration.ofSeconds(10), c -> c));
                }
            }
        } catch (Exception e) {
            if (!closed) {
                failure = e;
                dispatcher.stopped(e);
            }
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (java.io.IOException e) {
                // a later transfer overwrites it
            }
        }
    }

    /** Commands replayed so far. */
    long replayed() {
        return replayed.get();
    }

    @Override
    public long appliedPosition() {
        Follower n = next;
        return n != null ? n.appliedPosition() : dispatcher.applied();
    }

    @Override
    public long tailSeen() {
        Follower n = next;
        return n != null ? n.tailSeen() : Positions.NONE;
    }

    @Override
    public long lagEntries() {
        Follower n = next;
        return n != null ? n.lagEntries() : Math.max(1, commands - replayed.get());
    }

    @Override
    public boolean reachedTail() {
        Follower n = next;
        return n != null && n.reachedTail();
    }

    @Override
    public Optional<Throwable> failure() {
        Follower n = next;
        return n != null ? n.failure() : Optional.ofNullable(failure);
    }

    @Override
    public <T> T betweenCommands(Duration timeout, Function<LogCheckpoint, T> action)
            throws InterruptedException, TimeoutException {
        Follower n = next;
        return n != null ? n.betweenCommands(timeout, action) : dispatcher.betweenCommands(timeout, action);
    }

    @Override
    public void close() {
        Follower n;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            n = next;
        }
        if (n != null) {
            n.close();
        }
        thread.interrupt();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Passes commands on, checking that deduplication decides as the archive recorded. */
    private static final class Checked implements LogListener {
        private final LogListener to;
        volatile boolean expectDuplicate; // replay thread

        Checked(LogListener to) {
            this.to = to;
        }

        @Override
        public void onCommand(long position, Command command) throws Exception {
            if (expectDuplicate) {
                throw disagree(position, "a duplicate", "a new command");
            }
            to.onCommand(position, command);
        }

        @Override
        public void onDuplicate(long position, Command command, long originalPosition) throws Exception {
            if (!expectDuplicate) {
                throw disagree(position, "a delivered command", "a duplicate of " + Positions.format(originalPosition));
            }
            to.onDuplicate(position, command, originalPosition);
        }

        @Override
        public void onStopped(Throwable cause) {
            to.onStopped(cause);
        }

        private static IllegalStateException disagree(long position, String archive, String here) {
            return new IllegalStateException("the archive records " + archive + " at " + Positions.format(position)
                    + " where this replica's deduplication finds " + here);
        }
    }
}
