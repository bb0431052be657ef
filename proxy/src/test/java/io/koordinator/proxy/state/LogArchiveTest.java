package io.koordinator.proxy.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.LogCheckpoint;
import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.RequestId;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log archive: journals kept past their checkpoint, read back as the commands of the log. */
class LogArchiveTest {
    private static final Duration WINDOW = Duration.ofMinutes(10);

    @TempDir
    Path dir;

    private record Seen(long position, String payload, boolean duplicate) {}

    private static long at(long sequence) {
        return Positions.entry(0, sequence);
    }

    private static Command command(long counter) {
        return new Command(
                new RequestId("r1", counter),
                1_000 + counter,
                null,
                ("PUT " + counter).getBytes(StandardCharsets.UTF_8));
    }

    /** Delivers commands {@code from} to {@code to} (exclusive), then a checkpoint that replaces their journal. */
    private static void deliverAndCheckpoint(StateStore store, int from, int to) throws IOException {
        for (int i = from; i < to; i++) {
            store.intent(at(i), command(i));
            store.done(at(i), 200, StateDigest.INITIAL, null);
        }
        int next = store.rotate();
        store.writeCheckpoint(
                new ReplicaCheckpoint(LogCheckpoint.at(at(to - 1)), StateDigest.INITIAL, to, List.of(), 1, "zk:1"),
                next);
    }

    private static List<Seen> replay(StateStore store, long after) throws Exception {
        List<Seen> seen = new ArrayList<>();
        try (ArchiveView view = store.archiveView().orElseThrow();
                InputStream in = view.stream()) {
            ArchiveView.replay(
                    in, after, (p, c, d) -> seen.add(new Seen(p, new String(c.payload(), StandardCharsets.UTF_8), d)));
        }
        return seen;
    }

    @Test
    void theArchiveAndTheJournalsInUseHoldEveryCommandFromTheStartInOrder() throws Exception {
        // given commands across two checkpoints, a duplicate, and commands still in the journal in use
        StateStore store = StateStore.in(dir, WINDOW, 1 << 20);
        store.load();
        deliverAndCheckpoint(store, 0, 3);
        deliverAndCheckpoint(store, 3, 5);
        store.duplicate(at(5), command(1));
        store.intent(at(6), command(6));
        store.done(at(6), 200, StateDigest.INITIAL, null);
        // a redelivery recorded twice is read once
        store.intent(at(7), command(7));
        store.intent(at(7), command(7));

        // when a peer reads it from the start
        List<Seen> seen = replay(store, Positions.NONE);

        // then it gets every command once, in log order, the duplicate marked as such
        assertThat(seen)
                .extracting(Seen::position)
                .containsExactly(at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7));
        assertThat(seen.get(0).payload()).isEqualTo("PUT 0");
        assertThat(seen.get(5).duplicate()).isTrue();
        assertThat(seen.get(6).duplicate()).isFalse();
        // and from a position on, only what follows it
        assertThat(replay(store, at(4))).extracting(Seen::position).containsExactly(at(5), at(6), at(7));
        assertThat(Files.list(dir.resolve("archive"))
                        .filter(p -> p.getFileName().toString().startsWith("journal-")))
                .hasSize(2);
    }

    @Test
    void itSurvivesARestartAndStartsAgainAfterAReset() throws Exception {
        StateStore store = StateStore.in(dir, WINDOW, 1 << 20);
        store.load();
        deliverAndCheckpoint(store, 0, 3);
        store.close();

        StateStore again = StateStore.in(dir, WINDOW, 1 << 20);
        again.load();
        deliverAndCheckpoint(again, 3, 4);
        assertThat(replay(again, Positions.NONE)).hasSize(4);
        assertThat(again.archiveSummary().orElseThrow().base()).isEqualTo(Positions.NONE);

        // a reset (after a state transfer) starts the archive at the restored position
        again.reset(new ReplicaCheckpoint(LogCheckpoint.at(at(9)), StateDigest.INITIAL, 10, List.of(), 2, "zk:1"));
        assertThat(again.archiveSummary().orElseThrow().base()).isEqualTo(at(9));
        assertThat(replay(again, at(9))).isEmpty();
    }

    @Test
    void atItsBoundTheArchiveStopsAndSaysWhereItEnds() throws Exception {
        // given a bound that holds the first checkpoint's journal but not the second's
        StateStore store = StateStore.in(dir, WINDOW, 200);
        store.load();
        deliverAndCheckpoint(store, 0, 2);
        deliverAndCheckpoint(store, 2, 6);
        store.intent(at(6), command(6));

        ArchiveView.Summary summary = store.archiveSummary().orElseThrow();
        assertThat(summary.full()).isTrue();
        assertThat(summary.end()).isEqualTo(at(1));
        // it never serves a hole: only what it holds, up to where it ends
        assertThat(replay(store, Positions.NONE)).extracting(Seen::position).containsExactly(at(0), at(1));
    }

    @Test
    void aStoreWithoutArchiveDeletesReplacedJournals() throws Exception {
        StateStore store = StateStore.in(dir, WINDOW);
        store.load();
        deliverAndCheckpoint(store, 0, 3);
        assertThat(store.archiveView()).isEmpty();
        assertThat(Files.exists(dir.resolve("archive"))).isFalse();
    }
}
