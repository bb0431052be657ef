package io.koordinator.sequencer;

import static org.assertj.core.api.Assertions.assertThat;

import io.koordinator.sequencer.DedupState.Seen;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DedupTableTest {
    private static final Duration WINDOW = Duration.ofMinutes(10);

    /** A command as decoded from the log: its origin's name is a string of its own. */
    private static Command command(String origin, long counter, long originTime, String key) {
        return new Command(new RequestId(new String(origin), counter), originTime, key, new byte[0]);
    }

    @Test
    void aRepeatedRequestIdOrIdempotencyKeyIsToldItsFirstPosition() {
        DedupTable t = new DedupTable(WINDOW, 100);
        assertThat(t.check(1, command("r1", 7, 1_000, null))).isEmpty();
        assertThat(t.check(2, command("r2", 7, 1_000, "order-42"))).isEmpty();

        assertThat(t.check(3, command("r1", 7, 1_001, null))).isEqualTo(OptionalLong.of(1));
        assertThat(t.check(4, command("r3", 1, 1_002, "order-42"))).isEqualTo(OptionalLong.of(2));
        assertThat(t.check(5, command("r2", 8, 1_003, null))).isEmpty();
        assertThat(t.size()).isEqualTo(3);
    }

    @Test
    void entriesLeaveByTheLogsOwnClockAndByCount() {
        DedupTable t = new DedupTable(Duration.ofMillis(100), 2);
        t.check(1, command("r1", 1, 1_000, "a"));
        t.check(2, command("r1", 2, 1_050, null));
        // a third entry pushes the first out by count
        t.check(3, command("r1", 3, 1_060, null));
        assertThat(t.check(4, command("r1", 1, 1_070, null))).isEmpty();
        // and a late origin time moves the window past the rest
        t.check(5, command("r1", 9, 5_000, null));
        assertThat(t.check(6, command("r1", 3, 5_001, null))).isEmpty();
        assertThat(t.check(7, command("r1", 9, 5_002, null))).isEqualTo(OptionalLong.of(5));
    }

    /**
     * The ring takes a chunk at a time as the window fills, copying nothing, and gives the chunks
     * back as it empties, keeping one for the next; a full window that moves on takes no more.
     */
    @Test
    void theRingGrowsAndShrinksByChunks() {
        DedupTable t = new DedupTable(Duration.ofMillis(1_000), 100_000);
        int position = 0;
        for (; position < 3 * DedupTable.CHUNK; position++) {
            t.check(position + 1, command("r1", position, 0, null));
        }
        assertThat(t.chunksHeld()).isEqualTo(3);
        t.check(++position, command("r1", position, 0, null));
        assertThat(t.chunksHeld()).isEqualTo(4);

        // the clock moves past every entry so far: the three whole chunks are emptied, the fourth
        // takes the new entry
        t.check(++position, command("r1", position, 5_000, null));
        assertThat(t.size()).isEqualTo(1);
        assertThat(t.chunksHeld()).isEqualTo(2); // the last one's and a spare

        // a window of 4,000 entries (1,000 ms, four entries a millisecond) moving along the ring
        // holds at most the two chunks it spans and the spare
        for (int i = 0; i < 20 * DedupTable.CHUNK; i++) {
            position++;
            t.check(position, command("r1", position, 5_000 + i / 4, null));
            assertThat(t.chunksHeld()).isLessThanOrEqualTo(3);
        }
        assertThat(t.size()).isBetween(4_000, 4_004);
    }

    @Test
    void aTableRestoredFromItsSnapshotDecidesAsTheOriginal() {
        DedupTable original = new DedupTable(WINDOW, 100);
        for (int i = 0; i < 10; i++) {
            original.check(i + 1, command("r" + (i % 3), i, 1_000 + i, i % 4 == 0 ? "k" + i : null));
        }
        DedupTable restored = new DedupTable(WINDOW, 100, original.snapshot());
        assertThat(restored.snapshot()).isEqualTo(original.snapshot());
        for (Command c :
                List.of(command("r1", 4, 2_000, null), command("r9", 1, 2_000, "k8"), command("r2", 99, 2_000, null))) {
            assertThat(restored.check(100, c)).isEqualTo(original.check(100, c));
        }
    }

    @Test
    void theTableHoldsOneInstanceOfEachOriginsName() {
        DedupTable t = new DedupTable(WINDOW, 1_000);
        for (int i = 0; i < 100; i++) {
            t.check(i + 1, command(i % 2 == 0 ? "replica-a" : "replica-b", i, 1_000, null));
        }
        List<Seen> seen = t.snapshot().seen();
        assertThat(seen).hasSize(100);
        assertThat(seen.stream().map(s -> s.requestId().origin()))
                .filteredOn(o -> o.equals("replica-a"))
                .allMatch(o -> o == seen.get(0).requestId().origin());
        assertThat(seen.stream().map(s -> s.requestId().origin()))
                .filteredOn(o -> o.equals("replica-b"))
                .allMatch(o -> o == seen.get(1).requestId().origin());

        // and so does a table restored from a snapshot whose names were decoded one by one
        List<Seen> decoded = seen.stream()
                .map(s -> new Seen(
                        s.position(),
                        s.originTimeMillis(),
                        new RequestId(
                                new String(s.requestId().origin()),
                                s.requestId().counter()),
                        null))
                .toList();
        List<Seen> restored = new DedupTable(WINDOW, 1_000, new DedupState(1_000, decoded))
                .snapshot()
                .seen();
        assertThat(restored).isEqualTo(seen);
        assertThat(restored.stream().map(s -> s.requestId().origin()))
                .filteredOn(o -> o.equals("replica-a"))
                .allMatch(o -> o == restored.get(0).requestId().origin());
    }

    /**
     * The ring and its open-addressing index decide as a plain map of ids and keys over a deque
     * would, through growth, wrap-around, removals that shift probe chains, expiry and eviction by
     * count, and a restore from a snapshot at every step of a few.
     */
    @Test
    void decidesAsAMapOverTheLogWouldThroughGrowthWrapAndEviction() {
        Random random = new Random(42);
        int max = 5_000;
        DedupTable table = new DedupTable(Duration.ofMillis(2_000), max);
        Model model = new Model(2_000, max);
        long time = 0;
        int duplicates = 0;
        int largest = 0;
        for (int position = 1; position <= 60_000; position++) {
            // stretches where the count bounds the window, and stretches where the clock does
            boolean slowClock = position % 20_000 < 10_000;
            time += slowClock ? (random.nextInt(20) == 0 ? 1 : 0) : random.nextInt(40);
            // repeats of recent and older ids, several origins, some keyed
            String origin = "r" + random.nextInt(5);
            long counter = random.nextInt(4) == 0 ? position - random.nextInt(8_000) : position;
            String key = random.nextInt(10) == 0 ? "k" + random.nextInt(3_000) : null;
            Command c = command(origin, counter, time - random.nextInt(50), key);
            OptionalLong expected = model.check(position, c);
            assertThat(table.check(position, c)).as("position %d", position).isEqualTo(expected);
            duplicates += expected.isPresent() ? 1 : 0;
            assertThat(table.size()).isEqualTo(model.inLogOrder.size());
            largest = Math.max(largest, table.size());
            if (position % 15_000 == 0) {
                DedupState snapshot = table.snapshot();
                assertThat(snapshot.seen()).isEqualTo(List.copyOf(model.inLogOrder));
                table = new DedupTable(Duration.ofMillis(2_000), max, snapshot);
                assertThat(table.snapshot()).isEqualTo(snapshot);
            }
        }
        assertThat(duplicates).isGreaterThan(500);
        assertThat(largest).isEqualTo(max);
    }

    /** What the table decides, kept the plain way. */
    private static final class Model {
        final long window;
        final int max;
        final Map<RequestId, Long> ids = new HashMap<>();
        final Map<String, Long> keys = new HashMap<>();
        final ArrayDeque<Seen> inLogOrder = new ArrayDeque<>();
        long clock = Long.MIN_VALUE;

        Model(long window, int max) {
            this.window = window;
            this.max = max;
        }

        OptionalLong check(long position, Command c) {
            clock = Math.max(clock, c.originTimeMillis());
            while (!inLogOrder.isEmpty() && inLogOrder.peekFirst().originTimeMillis() < clock - window) {
                forget(inLogOrder.removeFirst());
            }
            Long original = ids.get(c.requestId());
            if (original == null && c.idempotencyKey() != null) {
                original = keys.get(c.idempotencyKey());
            }
            if (original != null) {
                return OptionalLong.of(original);
            }
            Seen seen = new Seen(position, c.originTimeMillis(), c.requestId(), c.idempotencyKey());
            inLogOrder.addLast(seen);
            ids.put(c.requestId(), position);
            if (c.idempotencyKey() != null) {
                keys.put(c.idempotencyKey(), position);
            }
            while (inLogOrder.size() > max) {
                forget(inLogOrder.removeFirst());
            }
            return OptionalLong.empty();
        }

        void forget(Seen s) {
            ids.remove(s.requestId(), s.position());
            if (s.idempotencyKey() != null) {
                keys.remove(s.idempotencyKey(), s.position());
            }
        }
    }
}
