package io.koordinator.proxy.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.DedupTable;
import io.koordinator.sequencer.LogCheckpoint;
import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.RequestId;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {
    private static final Duration WINDOW = Duration.ofMinutes(10);

    @TempDir
    Path dir;

    private static Command command(long counter, String key) {
        return new Command(
                new RequestId("r1", counter),
                1_000 + counter,
                key,
                ("PUT " + counter).getBytes(StandardCharsets.UTF_8));
    }

    private static long at(long sequence) {
        return Positions.entry(0, sequence);
    }

    /** Delivers {@code n} commands through the store, as the delivery loop does. */
    private static StateDigest deliver(StateStore store, int from, int n) {
        StateDigest d = StateDigest.INITIAL;
        for (int i = from; i < from + n; i++) {
            Command c = command(i, i % 2 == 0 ? "k-" + i : null);
            store.intent(at(i), c);
            d = d.next(at(i), 200, new byte[] {(byte) i});
            store.done(
                    at(i),
                    200,
                    d,
                    c.idempotencyKey() == null ? null : new CachedResponse(200, List.of(), new byte[] {(byte) i}));
        }
        return d;
    }

    @Test
    void aFreshDirectoryLoadsAsANewReplica() throws IOException {
        StateStore.Loaded loaded = StateStore.in(dir.resolve("new"), WINDOW).load();
        assertThat(loaded.fresh()).isTrue();
        assertThat(loaded.checkpoint().position()).isEqualTo(Positions.NONE);
        assertThat(loaded.inDoubt()).isEmpty();
    }

    @Test
    void theJournalReplaysToTheStateDeliveryProduced() throws IOException {
        // given three deliveries and a duplicate, recorded without any full checkpoint
        StateStore store = StateStore.in(dir, WINDOW);
        store.load();
        StateDigest last = deliver(store, 0, 3);
        store.duplicate(at(3), command(0, "k-0"));
        store.close();

        // when the store is loaded again (a restarted proxy)
        StateStore.Loaded loaded = StateStore.in(dir, WINDOW).load();

        // then it resumes at the duplicate, with the same digest, count, dedup table and cache
        ReplicaCheckpoint c = loaded.checkpoint();
        assertThat(loaded.fresh()).isFalse();
        assertThat(c.position()).isEqualTo(at(3));
        assertThat(c.digest()).isEqualTo(last);
        assertThat(c.delivered()).isEqualTo(3);
        assertThat(c.responses()).extracting(ResponseCache.Entry::key).containsExactly("k-0", "k-2");
        assertThat(c.log().dedup().seen()).hasSize(3);
        assertThat(loaded.inDoubt()).isEmpty();
        DedupTable table = new DedupTable(WINDOW, 100, c.log().dedup());
        assertThat(table.check(at(4), command(1, null))).hasValue(at(1));
    }

    @Test
    void anIntentWithoutItsAnswerIsTheCommandInDoubt() throws IOException {
        StateStore store = StateStore.in(dir, WINDOW);
        store.load();
        deliver(store, 0, 2);
        store.intent(at(2), command(2, null));
        store.close();

        StateStore.Loaded loaded = StateStore.in(dir, WINDOW).load();

        assertThat(loaded.checkpoint().position()).isEqualTo(at(1));
        assertThat(loaded.inDoubt()).hasValueSatisfying(d -> {
            assertThat(d.position()).isEqualTo(at(2));
            assertThat(d.command().requestId()).isEqualTo(new RequestId("r1", 2));
        });
        // the command in doubt is not in the dedup table: redelivered, it is not its own duplicate
        assertThat(new DedupTable(WINDOW, 100, loaded.checkpoint().log().dedup()).check(at(2), command(2, null)))
                .isEmpty();
    }

    @Test
    void aTornLastRecordIsCutOffAndEarlierOnesKept() throws IOException {
        StateStore store = StateStore.in(dir, WINDOW);
        store.load();
        deliver(store, 0, 2);
        store.close();
        Path journal = journals().get(journals().size() - 1);
        try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(journal) - 5); // a crash in the middle of the last record
        }

        StateStore.Loaded loaded = StateStore.in(dir, WINDOW).load();

        // the DONE of the second command is gone: it is in doubt, the first is applied
        assertThat(loaded.checkpoint().position()).isEqualTo(at(0));
        assertThat(loaded.inDoubt())
                .hasValueSatisfying(d -> assertThat(d.position()).isEqualTo(at(1)));
    }

    @Test
    void aFullCheckpointReplacesTheJournalsBeforeIt() throws IOException {
        // given two deliveries, then a rotation and a full checkpoint as of them
        StateStore store = StateStore.in(dir, WINDOW);
        store.load();
        StateDigest d = deliver(store, 0, 2);
        DedupTable dedup = new DedupTable(WINDOW, 100);
        dedup.check(at(0), command(0, "k-0"));
        dedup.check(at(1), command(1, null));
        int next = store.rotate();
        store.writeCheckpoint(
                new ReplicaCheckpoint(new LogCheckpoint(at(1), dedup.snapshot()), d, 2, List.of(), 42, "zk:1"), next);
        // and one more delivery after it
        store.intent(at(2), command(2, null));
        store.done(at(2), 201, d.next(at(2), 201, new byte[0]), null);
        store.close();

        // when loaded
        StateStore.Loaded loaded = StateStore.in(dir, WINDOW).load();

        // then the journals before the checkpoint are gone and the state is the checkpoint plus the newer record
        assertThat(journals())
                .allMatch(p -> Integer.parseInt(p.getFileName().toString().substring(8)) >= next);
        assertThat(loaded.checkpoint().position()).isEqualTo(at(2));
        assertThat(loaded.checkpoint().appIncarnation()).isEqualTo(42);
        assertThat(loaded.checkpoint().logIdentity()).isEqualTo("zk:1");
        assertThat(loaded.checkpoint().delivered()).isEqualTo(3);
        assertThat(loaded.checkpoint().log().dedup().seen()).hasSize(3);
    }

    @Test
    void aCorruptCheckpointIsAnErrorNotAFreshStart() throws IOException {
        StateStore store = StateStore.in(dir, WINDOW);
        store.load();
        store.reset(ReplicaCheckpoint.START);
        store.close();
        byte[] bytes = Files.readAllBytes(dir.resolve("checkpoint"));
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(dir.resolve("checkpoint"), bytes);

        assertThatThrownBy(() -> StateStore.in(dir, WINDOW).load())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("checksum");
    }

    @Test
    void aLocalSnapshotKeepsTheAppStateWithItsCheckpoint() throws IOException {
        StateStore store = StateStore.in(dir, WINDOW);
        store.load();
        Path app = Files.write(dir.resolve("app.bin"), "the app's state".getBytes(StandardCharsets.UTF_8));
        ReplicaCheckpoint at = new ReplicaCheckpoint(
                LogCheckpoint.at(at(7)), StateDigest.INITIAL.next(at(7), 200, new byte[0]), 8, List.of(), 9, "zk:2");
        store.localSnapshot().write(at, app);

        Path out = dir.resolve("restored.bin");
        assertThat(store.localSnapshot().read(out)).contains(at);
        assertThat(Files.readString(out)).isEqualTo("the app's state");
    }

    @Test
    void aCheckpointRoundTripsAndRejectsTrailingBytes() throws IOException {
        ReplicaCheckpoint c = new ReplicaCheckpoint(
                LogCheckpoint.at(at(3)),
                StateDigest.INITIAL,
                4,
                List.of(new ResponseCache.Entry(
                        at(2), "k", new CachedResponse(201, List.of(Map.entry("etag", "\"1\"")), new byte[] {1, 2}))),
                5,
                "zk:3");
        assertThat(ReplicaCheckpoint.fromBytes(c.toBytes()))
                .usingRecursiveComparison()
                .isEqualTo(c);
        byte[] longer = java.util.Arrays.copyOf(c.toBytes(), c.toBytes().length + 1);
        assertThatThrownBy(() -> ReplicaCheckpoint.fromBytes(longer)).isInstanceOf(IOException.class);
    }

    /**
     * A checkpoint with a full deduplication window is streamed to its file and to the local
     * snapshot, never held whole in memory; both read back as the same value and the same bytes.
     */
    @Test
    void aLargeCheckpointIsStreamedToItsFileAndTheLocalSnapshot() throws IOException {
        DedupTable table = new DedupTable(WINDOW, DedupTable.DEFAULT_MAX_ENTRIES);
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            table.check(at(i), command(i, i % 1000 == 0 ? "key-" + i : null));
        }
        ReplicaCheckpoint big = new ReplicaCheckpoint(
                new LogCheckpoint(at(n - 1), table.snapshot()), StateDigest.INITIAL, n, List.of(), 3, "zk:9");
        StateStore store = StateStore.in(dir, WINDOW);
        store.load();
        store.writeCheckpoint(big, store.rotate());
        byte[] written = Files.readAllBytes(dir.resolve("checkpoint"));
        assertThat(written).isEqualTo(big.toBytes());
        assertThat(written.length).isGreaterThan(n * 20);

        Path app = Files.write(dir.resolve("app.bin"), "after the checkpoint".getBytes(StandardCharsets.UTF_8));
        store.localSnapshot().write(big, app);
        Path out = dir.resolve("restored.bin");
        ReplicaCheckpoint local = store.localSnapshot().read(out).orElseThrow();
        assertThat(local.log().dedup().seen())
                .hasSize(n)
                .isEqualTo(big.log().dedup().seen());
        assertThat(Files.readString(out)).isEqualTo("after the checkpoint");
        store.close();

        ReplicaCheckpoint loaded = StateStore.in(dir, WINDOW).load().checkpoint();
        assertThat(loaded.toBytes()).isEqualTo(written);
    }

    private List<Path> journals() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("journal-"))
                    .sorted()
                    .toList();
        }
    }
}
