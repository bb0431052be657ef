package io.koordinator.sequencer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Sequencer} must have. A subclass provides sequencers of one group
 * (several of them behave like the replicas of that group) and a way to cut them off from the
 * log. Each test runs on a fresh group.
 */
public abstract class SequencerContract {
    private static final AtomicInteger GROUPS = new AtomicInteger();
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final String group = "contract-" + GROUPS.incrementAndGet() + "-" + System.nanoTime();

    /** A started sequencer of {@code group} for replica {@code replicaId}. */
    protected abstract Sequencer newSequencer(String group, String replicaId) throws Exception;

    /** Makes the log unreachable for every sequencer created so far. */
    protected abstract void breakConnection() throws Exception;

    /** Undoes {@link #breakConnection()}. */
    protected abstract void restoreConnection() throws Exception;

    /**
     * Compacts the log of {@code sequencer}'s group as its compaction leader would: records {@code
     * floor} (an entry position) as the compaction floor, then deletes every entry below it.
     * Returns once the entries are deleted.
     */
    protected abstract void compact(Sequencer sequencer, long floor) throws Exception;

    protected final Sequencer sequencer(String replicaId) throws Exception {
        Sequencer s = newSequencer(group, replicaId);
        toClose.add(s);
        return s;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    /** What a listener saw, in order. */
    protected static final class Recorder implements LogListener {
        public record Seen(long position, RequestId requestId, boolean duplicate, long originalPosition) {}

        private final List<Seen> seen = new ArrayList<>();

        @Override
        public synchronized void onCommand(long position, Command command) {
            seen.add(new Seen(position, command.requestId(), false, Positions.NONE));
        }

        @Override
        public synchronized void onDuplicate(long position, Command command, long originalPosition) {
            seen.add(new Seen(position, command.requestId(), true, originalPosition));
        }

        public synchronized List<Seen> seen() {
            return List.copyOf(seen);
        }

        public synchronized List<Seen> applied() {
            return seen.stream().filter(s -> !s.duplicate()).toList();
        }
    }

    protected static Command command(String origin, long counter, String idempotencyKey) {
        return new Command(
                new RequestId(origin, counter),
                System.currentTimeMillis(),
                idempotencyKey,
                ("payload " + origin + "-" + counter).getBytes(StandardCharsets.UTF_8));
    }

    /** A recorder that also keeps what {@link LogListener#onStopped} was told. */
    protected static final class StopRecorder implements LogListener {
        final Recorder commands = new Recorder();
        final List<Throwable> stops = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void onCommand(long position, Command command) {
            commands.onCommand(position, command);
        }

        @Override
        public void onDuplicate(long position, Command command, long originalPosition) {
            commands.onDuplicate(position, command, originalPosition);
        }

        @Override
        public void onStopped(Throwable cause) {
            stops.add(cause);
        }
    }

    protected final Follower follow(Sequencer sequencer, long after, Recorder recorder) {
        Follower f = sequencer.follow(LogCheckpoint.at(after), recorder);
        toClose.add(f);
        return f;
    }

    @Test
    void everyFollowerSeesTheSameOrderWithEachCommandOnce() throws Exception {
        // given three replicas and two followers
        List<Sequencer> replicas = List.of(sequencer("r0"), sequencer("r1"), sequencer("r2"));
        Recorder first = new Recorder();
        Recorder second = new Recorder();
        follow(replicas.get(0), Positions.NONE, first);
        follow(replicas.get(2), Positions.NONE, second);

        // when each replica appends 150 commands from 3 threads
        int perThread = 50;
        ExecutorService pool = Executors.newFixedThreadPool(9);
        Map<RequestId, CompletableFuture<Long>> acks = new HashMap<>();
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int r = 0; r < replicas.size(); r++) {
            for (int t = 0; t < 3; t++) {
                Sequencer s = replicas.get(r);
                String origin = "r" + r;
                long base = t * 1_000L;
                Map<RequestId, CompletableFuture<Long>> mine = new HashMap<>();
                for (int i = 0; i < perThread; i++) {
                    mine.put(new RequestId(origin, base + i), null);
                }
                done.add(CompletableFuture.runAsync(
                        () -> {
                            for (int i = 0; i < perThread; i++) {
                                Command c = command(origin, base + i, null);
                                CompletableFuture<Long> ack = s.append(c);
                                synchronized (acks) {
                                    acks.put(c.requestId(), ack);
                                }
                            }
                        },
                        pool));
            }
        }
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        pool.shutdown();
        int total = replicas.size() * 3 * perThread;
        Map<RequestId, Long> positions = new HashMap<>();
        for (var e : acks.entrySet()) {
            positions.put(e.getKey(), e.getValue().get(60, TimeUnit.SECONDS));
        }

        // then both followers see all of them, in the same order, each exactly once
        await().atMost(DEADLINE)
                .until(() -> first.seen().size() >= total && second.seen().size() >= total);
        assertThat(first.seen()).hasSize(total).isEqualTo(second.seen());
        assertThat(first.seen()).noneMatch(Recorder.Seen::duplicate);
        assertThat(new HashSet<>(
                        first.seen().stream().map(Recorder.Seen::requestId).toList()))
                .hasSize(total);
        // and positions strictly increase and match the acknowledged ones
        long previous = Positions.NONE;
        for (Recorder.Seen s : first.seen()) {
            assertThat(s.position()).isGreaterThan(previous);
            previous = s.position();
            assertThat(positions.get(s.requestId())).isEqualTo(s.position());
        }
    }

    @Test
    void concurrentAppendsAreBatched() throws Exception {
        Sequencer s = sequencer("r0");
        List<CompletableFuture<Long>> acks = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            acks.add(s.append(command("r0", i, null)));
        }
        Set<Long> entries = new HashSet<>();
        long previous = Positions.NONE;
        for (CompletableFuture<Long> ack : acks) {
            long position = ack.get(60, TimeUnit.SECONDS);
            entries.add(Positions.entryOf(position));
            assertThat(position).isNotEqualTo(previous);
            previous = position;
        }
        assertThat(entries.size()).isLessThan(2_000);
        assertThat(s.stats().commandsPerEntry()).isGreaterThan(1.0);
        assertThat(s.stats().commandsAppended()).isEqualTo(2_000);
        assertThat(s.stats().appendsInFlight()).isZero();
    }

    @Test
    void repeatedRequestIdIsADuplicate() throws Exception {
        Sequencer s = sequencer("r0");
        Recorder recorder = new Recorder();
        follow(s, Positions.NONE, recorder);

        long original = s.append(command("r0", 7, null)).get(30, TimeUnit.SECONDS);
        long again = s.append(command("r0", 7, null)).get(30, TimeUnit.SECONDS);
        long other = s.append(command("r0", 8, null)).get(30, TimeUnit.SECONDS);

        await().atMost(DEADLINE).until(() -> recorder.seen().size() == 3);
        assertThat(recorder.seen())
                .containsExactly(
                        new Recorder.Seen(original, new RequestId("r0", 7), false, Positions.NONE),
                        new Recorder.Seen(again, new RequestId("r0", 7), true, original),
                        new Recorder.Seen(other, new RequestId("r0", 8), false, Positions.NONE));
        await().atMost(DEADLINE).until(() -> s.stats().duplicatesSkipped() == 1);
    }

    @Test
    void aFollowerResumedFromACheckpointDecidesDuplicatesAsOneFromTheStart() throws Exception {
        // given a log where a later command repeats an earlier one's idempotency key
        Sequencer s = sequencer("r0");
        Recorder fromStart = new Recorder();
        Follower first = follow(s, Positions.NONE, fromStart);
        long keyed = s.append(command("r0", 1, "pay-1")).get(30, TimeUnit.SECONDS);
        long plain = s.append(command("r0", 2, null)).get(30, TimeUnit.SECONDS);
        await().atMost(DEADLINE).until(() -> first.appliedPosition() == plain);

        // when a checkpoint is taken between commands and a new follower resumes from it
        LogCheckpoint checkpoint = first.betweenCommands(Duration.ofSeconds(10), c -> c);
        assertThat(checkpoint.position()).isEqualTo(plain);
        Recorder resumed = new Recorder();
        Follower second = s.follow(checkpoint, resumed);
        toClose.add(second);
        long repeat = s.append(command("r0", 3, "pay-1")).get(30, TimeUnit.SECONDS);
        long fresh = s.append(command("r0", 4, "pay-2")).get(30, TimeUnit.SECONDS);

        // then both see the repeat as a duplicate of the command before the checkpoint
        await().atMost(DEADLINE)
                .until(() -> resumed.seen().size() == 2 && fromStart.seen().size() == 4);
        assertThat(resumed.seen())
                .containsExactly(
                        new Recorder.Seen(repeat, new RequestId("r0", 3), true, keyed),
                        new Recorder.Seen(fresh, new RequestId("r0", 4), false, Positions.NONE));
        assertThat(fromStart.seen().subList(2, 4)).isEqualTo(resumed.seen());
    }

    @Test
    void betweenCommandsWaitsForTheCommandInProgress() throws Exception {
        // given a listener that blocks inside a command
        Sequencer s = sequencer("r0");
        java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Follower f = s.follow(LogCheckpoint.START, (position, command) -> {
            inside.countDown();
            release.await();
        });
        toClose.add(f);
        long position = s.append(command("r0", 1, null)).get(30, TimeUnit.SECONDS);
        assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();

        // then a checkpoint cannot be taken in the middle of it
        assertThatThrownBy(() -> f.betweenCommands(Duration.ofMillis(100), c -> c))
                .isInstanceOf(java.util.concurrent.TimeoutException.class);

        // and once it finishes, the checkpoint is at its position
        release.countDown();
        await().atMost(DEADLINE)
                .until(() -> f.betweenCommands(Duration.ofSeconds(5), LogCheckpoint::position) == position);
    }

    @Test
    void aFollowerReachesTheTailOnlyAfterDeliveringWhatWasThere() throws Exception {
        // given a log of 50 commands
        Sequencer s = sequencer("r0");
        long last = Positions.NONE;
        for (int i = 0; i < 50; i++) {
            last = s.append(command("r0", i, null)).get(30, TimeUnit.SECONDS);
        }
        long end = last;
        // when a new follower starts
        Recorder recorder = new Recorder();
        Follower f = follow(s, Positions.NONE, recorder);
        // then once it says it reached the tail, it has delivered all of it
        await().atMost(DEADLINE).until(f::reachedTail);
        assertThat(f.appliedPosition()).isEqualTo(end);
        assertThat(recorder.seen()).hasSize(50);
    }

    @Test
    void theReadBarrierOfAnEmptyLogIsNone() throws Exception {
        Sequencer s = sequencer("r0");
        assertThat(s.readBarrier().get(30, TimeUnit.SECONDS)).isEqualTo(Positions.NONE);
    }

    @Test
    void aReadBarrierCoversEveryCompletedAppendOfEveryReplica() throws Exception {
        // given two replicas appending concurrently, so that entries hold several commands
        Sequencer a = sequencer("r0");
        Sequencer b = sequencer("r1");
        Sequencer reader = sequencer("r2");
        for (int round = 0; round < 5; round++) {
            List<CompletableFuture<Long>> appends = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                appends.add(a.append(command("r0", round * 100L + i, null)));
                appends.add(b.append(command("r1", round * 100L + i, null)));
            }
            long highest = Positions.NONE;
            for (CompletableFuture<Long> f : appends) {
                highest = Math.max(highest, f.get(30, TimeUnit.SECONDS));
            }
            // when another replica asks for a barrier after they completed
            long barrier = reader.readBarrier().get(30, TimeUnit.SECONDS);
            // then it is exactly the last command: nothing else is in the log
            assertThat(barrier).as("round %d", round).isEqualTo(highest);
        }
    }

    @Test
    void aFollowerAtTheReadBarrierHasAppliedEveryCompletedAppend() throws Exception {
        // given a follower that is slow to apply
        Sequencer s = sequencer("r0");
        Recorder recorder = new Recorder();
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Follower f = s.follow(LogCheckpoint.START, (position, command) -> {
            release.await();
            recorder.onCommand(position, command);
        });
        toClose.add(f);
        Set<Long> appended = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            appended.add(s.append(command("r0", i, null)).get(30, TimeUnit.SECONDS));
        }
        // when it is held inside its first delivery, it has not reached the barrier
        long barrier = s.readBarrier().get(30, TimeUnit.SECONDS);
        assertThat(f.appliedPosition()).isLessThan(barrier);
        release.countDown();
        // then once it reaches the barrier, every completed append was delivered
        await().atMost(DEADLINE).until(() -> f.appliedPosition() >= barrier);
        assertThat(recorder.applied().stream().map(Recorder.Seen::position)).containsAll(appended);
    }

    @Test
    void aReadBarrierWritesNothingToTheLog() throws Exception {
        // given a log of 3 commands and a follower at its end
        Sequencer s = sequencer("r0");
        Recorder recorder = new Recorder();
        Follower f = follow(s, Positions.NONE, recorder);
        long last = Positions.NONE;
        for (int i = 0; i < 3; i++) {
            last = s.append(command("r0", i, null)).get(30, TimeUnit.SECONDS);
        }
        long end = last;
        await().atMost(DEADLINE).until(() -> f.appliedPosition() == end);
        long entries = s.stats().entriesAppended();
        // when barriers are taken
        for (int i = 0; i < 20; i++) {
            assertThat(s.readBarrier().get(30, TimeUnit.SECONDS)).isEqualTo(end);
        }
        // then the log did not grow: a new append lands right after the old end
        assertThat(s.stats().entriesAppended()).isEqualTo(entries);
        long next = s.append(command("r0", 99, null)).get(30, TimeUnit.SECONDS);
        assertThat(Positions.sequence(next)).isEqualTo(Positions.sequence(end) + 1);
        await().atMost(DEADLINE).until(() -> recorder.seen().size() == 4);
    }

    @Test
    void aReadBarrierFailsWhileTheLogIsUnreachable() throws Exception {
        Sequencer s = sequencer("r0");
        s.append(command("r0", 1, null)).get(30, TimeUnit.SECONDS);
        breakConnection();
        try {
            await().atMost(DEADLINE).until(() -> !s.isConnected());
            assertThatThrownBy(() -> s.readBarrier().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SequencerUnavailableException.class);
        } finally {
            restoreConnection();
        }
        await().atMost(DEADLINE).until(s::isConnected);
        assertThat(s.readBarrier().get(30, TimeUnit.SECONDS)).isNotEqualTo(Positions.NONE);
    }

    @Test
    void aReadBarrierSurvivesCompactionBelowIt() throws Exception {
        Sequencer s = sequencer("r0");
        long last = Positions.NONE;
        for (int i = 0; i < 6; i++) {
            last = s.append(command("r0", i, null)).get(30, TimeUnit.SECONDS);
        }
        compact(s, Positions.entryOf(last));
        assertThat(s.readBarrier().get(30, TimeUnit.SECONDS)).isEqualTo(last);
        long more = s.append(command("r0", 7, null)).get(30, TimeUnit.SECONDS);
        assertThat(s.readBarrier().get(30, TimeUnit.SECONDS)).isEqualTo(more);
    }

    @Test
    void repeatedIdempotencyKeyIsADuplicate() throws Exception {
        Sequencer a = sequencer("r0");
        Sequencer b = sequencer("r1");
        Recorder recorder = new Recorder();
        follow(b, Positions.NONE, recorder);

        long original = a.append(command("r0", 1, "order-42")).get(30, TimeUnit.SECONDS);
        long again = b.append(command("r1", 1, "order-42")).get(30, TimeUnit.SECONDS);
        long unrelated = b.append(command("r1", 2, "order-43")).get(30, TimeUnit.SECONDS);

        await().atMost(DEADLINE).until(() -> recorder.seen().size() == 3);
        assertThat(recorder.seen())
                .containsExactly(
                        new Recorder.Seen(original, new RequestId("r0", 1), false, Positions.NONE),
                        new Recorder.Seen(again, new RequestId("r1", 1), true, original),
                        new Recorder.Seen(unrelated, new RequestId("r1", 2), false, Positions.NONE));
    }

    @Test
    void followsFromAPosition() throws Exception {
        Sequencer s = sequencer("r0");
        List<Long> positions = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            positions.add(s.append(command("r0", i, null)).get(30, TimeUnit.SECONDS));
        }
        // two commands in one entry, to follow from the middle of an entry
        CompletableFuture<Long> x = s.append(command("r0", 100, null));
        CompletableFuture<Long> y = s.append(command("r0", 101, null));
        positions.add(x.get(30, TimeUnit.SECONDS));
        positions.add(y.get(30, TimeUnit.SECONDS));

        Recorder fromFifth = new Recorder();
        Follower f = follow(s, positions.get(4), fromFifth);
        Recorder fromX = new Recorder();
        follow(s, positions.get(10), fromX);

        await().atMost(DEADLINE)
                .until(() -> fromFifth.seen().size() == 7 && fromX.seen().size() == 1);
        assertThat(fromFifth.seen().stream().map(Recorder.Seen::position).toList())
                .isEqualTo(positions.subList(5, 12));
        assertThat(fromX.seen().get(0).position()).isEqualTo(positions.get(11));
        await().atMost(DEADLINE).until(() -> f.appliedPosition() == positions.get(11));
        assertThat(f.failure()).isEmpty();
    }

    @Test
    void appendFailsAtOnceWhileTheLogIsUnreachable() throws Exception {
        Sequencer s = sequencer("r0");
        assertThat(s.append(command("r0", 1, null)).get(30, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(0);

        breakConnection();
        try {
            await().atMost(DEADLINE).until(() -> !s.isConnected());
            assertThat(s.connectionState()).isIn("SUSPENDED", "LOST");

            CompletableFuture<Long> ack = s.append(command("r0", 2, null));

            assertThat(ack).isCompletedExceptionally();
            assertThatThrownBy(ack::get)
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SequencerUnavailableException.class);
            assertThat(s.stats().appendsRejected()).isGreaterThanOrEqualTo(1);
        } finally {
            restoreConnection();
        }
        await().atMost(DEADLINE).until(s::isConnected);
        assertThat(s.connectionState()).isEqualTo("CONNECTED");
        await().atMost(DEADLINE)
                .untilAsserted(() -> assertThat(s.append(command("r0", 3, null)).get(30, TimeUnit.SECONDS))
                        .isGreaterThanOrEqualTo(0));
    }

    @Test
    void closeIsIdempotentAndFailsLaterAppends() throws Exception {
        Sequencer s = sequencer("r0");
        Recorder recorder = new Recorder();
        Follower f = s.follow(LogCheckpoint.START, recorder);

        s.close();
        s.close();
        f.close();

        assertThat(s.connectionState()).isEqualTo("CLOSED");
        assertThat(s.isConnected()).isFalse();
        CompletableFuture<Long> ack = s.append(command("r0", 1, null));
        assertThat(ack).isCompletedExceptionally();
        assertThatThrownBy(ack::get).hasCauseInstanceOf(SequencerUnavailableException.class);
    }

    /** Appends {@code n} commands one at a time (one entry each); returns their positions. */
    private static List<Long> appendOneByOne(Sequencer s, String origin, int n) throws Exception {
        List<Long> positions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            positions.add(s.append(command(origin, i, null)).get(30, TimeUnit.SECONDS));
        }
        return positions;
    }

    @Test
    void aFollowerBelowTheCompactionFloorStopsInsteadOfSkipping() throws Exception {
        // given ten entries, compacted below the sixth
        Sequencer s = sequencer("r0");
        List<Long> entries = appendOneByOne(s, "r0", 10);
        long floor = entries.get(5);
        compact(s, floor);
        await().atMost(DEADLINE).until(() -> s.compactionFloor() == floor);

        // when a follower resumes from the third entry, and another one from the start
        StopRecorder behind = new StopRecorder();
        Follower fromThird = s.follow(LogCheckpoint.at(entries.get(2)), behind);
        toClose.add(fromThird);
        StopRecorder fresh = new StopRecorder();
        Follower fromStart = s.follow(LogCheckpoint.START, fresh);
        toClose.add(fromStart);

        // then both stop with LogCompactedException, told once, having delivered nothing
        for (Follower f : List.of(fromThird, fromStart)) {
            await().atMost(DEADLINE).until(() -> f.failure().isPresent());
            assertThat(f.failure().get()).isInstanceOf(LogCompactedException.class);
            assertThat(((LogCompactedException) f.failure().get()).floor()).isEqualTo(floor);
        }
        assertThat(((LogCompactedException) fromThird.failure().get()).next())
                .isGreaterThan(entries.get(2))
                .isLessThan(floor);
        await().atMost(DEADLINE).until(() -> behind.stops.size() == 1 && fresh.stops.size() == 1);
        assertThat(behind.stops.get(0)).isSameAs(fromThird.failure().get());
        assertThat(behind.commands.seen()).isEmpty();
        assertThat(fresh.commands.seen()).isEmpty();
        assertThat(fromThird.appliedPosition()).isEqualTo(entries.get(2));
    }

    @Test
    void aFollowerAtTheCompactionFloorCarriesOn() throws Exception {
        // given ten entries, compacted below the sixth
        Sequencer s = sequencer("r0");
        List<Long> entries = appendOneByOne(s, "r0", 10);
        compact(s, entries.get(5));

        // when a follower resumes from the sixth entry, the lowest one kept
        Recorder recorder = new Recorder();
        Follower f = follow(s, entries.get(5), recorder);
        long more = s.append(command("r0", 100, null)).get(30, TimeUnit.SECONDS);

        // then it gets every later entry, and new ones
        await().atMost(DEADLINE).until(() -> recorder.seen().size() == 5);
        List<Long> expected = new ArrayList<>(entries.subList(6, 10));
        expected.add(more);
        assertThat(recorder.seen().stream().map(Recorder.Seen::position).toList())
                .isEqualTo(expected);
        assertThat(f.failure()).isEmpty();
    }
}
