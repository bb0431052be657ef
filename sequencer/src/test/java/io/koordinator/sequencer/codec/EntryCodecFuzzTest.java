package io.koordinator.sequencer.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.RequestId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Fuzzing the entry codec: whatever the bytes, {@link EntryCodec#decode} returns an entry or
 * throws {@link CorruptEntryException}, nothing else; what it accepts is exactly what {@link
 * EntryCodec#encode} writes (one encoding per entry); and every batch of commands round-trips.
 * Mutants get their checksum recomputed 9 times in 10, so they reach the parser behind it. Each
 * target has a fixed seed ({@link Fuzz#tries}).
 */
@Tag("fuzz")
class EntryCodecFuzzTest {
    private static final List<String> DICTIONARY =
            List.of("\u0000", "\u0001", "\u0080", "\u00ff\u00ff\u00ff\u00ff\u000f");

    @Test
    void arbitraryBytesDecodeOrFailCleanly() {
        Fuzz.tries("arbitrary entry bytes", 0x5eed_e001L, 1000, f -> f.bytes(300), EntryCodecFuzzTest::decodeStrictly);
    }

    @Test
    void mutatedEntriesDecodeOrFailCleanly() {
        Fuzz.tries(
                "mutated entries",
                0x5eed_e002L,
                2000,
                EntryCodecFuzzTest::mutatedEntry,
                EntryCodecFuzzTest::decodeStrictly);
    }

    @Test
    void everyBatchRoundTrips() {
        Fuzz.tries(
                "entry batches",
                0x5eed_e003L,
                300,
                EntryCodecFuzzTest::batch,
                commands -> EntryCodecTest.assertSameBatch(EntryCodec.decode(EntryCodec.encode(commands)), commands));
    }

    /** Decodes; a success must re-encode to the same bytes, a failure must be a CorruptEntryException. */
    private static void decodeStrictly(byte[] input) {
        Entry entry;
        try {
            entry = EntryCodec.decode(input);
        } catch (CorruptEntryException expected) {
            assertThat(expected.getMessage()).isNotBlank();
            return;
        }
        byte[] again = entry.seal() ? EntryCodec.encodeSeal() : EntryCodec.encode(entry.commands());
        assertThat(again).as("the one encoding of the decoded entry").isEqualTo(input);
    }

    private static byte[] mutatedEntry(Fuzz f) {
        byte[] seed = f.oneIn(2) ? EntryCodec.encode(batch(f)) : EntryCodec.encodeSeal();
        byte[] body = f.mutant(Arrays.copyOf(seed, seed.length - 4), 4, DICTIONARY);
        return f.oneIn(10) ? body : EntryCodecTest.withCrc(body);
    }

    private static List<Command> batch(Fuzz f) {
        int n = f.between(1, 8);
        List<Command> commands = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String key = f.oneIn(2) ? null : f.text(0, 20);
            commands.add(new Command(new RequestId(f.text(1, 20), f.anyLong()), f.anyLong(), key, f.bytes(200)));
        }
        return commands;
    }
}
