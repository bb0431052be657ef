package io.koordinator.sequencer.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.RequestId;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;

/**
 * Fuzzing the entry codec: whatever the bytes, {@link EntryCodec#decode} returns an entry or
 * throws {@link CorruptEntryException}, nothing else; what it accepts is exactly what {@link
 * EntryCodec#encode} writes (one encoding per entry); and every batch of commands round-trips.
 * Mutants get their checksum recomputed most of the time, so they reach the parser behind it.
 */
@Tag("fuzz")
class EntryCodecFuzzTest {
    private static final List<String> DICTIONARY =
            List.of("\u0000", "\u0001", "\u0080", "\u00ff\u00ff\u00ff\u00ff\u000f");

    @Property(tries = 1000)
    void arbitraryBytesDecodeOrFailCleanly(@ForAll("arbitraryBytes") byte[] input) {
        decodeStrictly(input);
    }

    @Property(tries = 2000)
    void mutatedEntriesDecodeOrFailCleanly(@ForAll("mutatedEntries") byte[] input) {
        decodeStrictly(input);
    }

    @Property(tries = 300)
    void everyBatchRoundTrips(@ForAll("batches") List<Command> commands) throws Exception {
        EntryCodecTest.assertSameBatch(EntryCodec.decode(EntryCodec.encode(commands)), commands);
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

    @Provide
    Arbitrary<byte[]> arbitraryBytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
    }

    @Provide
    Arbitrary<byte[]> mutatedEntries() {
        Arbitrary<byte[]> seeds =
                Arbitraries.oneOf(batches().map(EntryCodec::encode), Arbitraries.just(EntryCodec.encodeSeal()));
        Arbitrary<byte[]> mutants = ByteMutations.mutants(seeds.map(EntryCodecFuzzTest::withoutCrc), 4, DICTIONARY);
        return Combinators.combine(mutants, Arbitraries.integers().between(0, 9))
                .as((body, dice) -> dice == 0 ? body : EntryCodecTest.withCrc(body));
    }

    @Provide
    Arbitrary<List<Command>> batches() {
        Arbitrary<String> text = Arbitraries.strings()
                .withCharRange('\u0000', '\ud7ff')
                .withCharRange('\ue000', '\uffff')
                .ofMaxLength(20);
        Arbitrary<Command> command = Combinators.combine(
                        text.filter(s -> !s.isEmpty()),
                        Arbitraries.longs(),
                        Arbitraries.longs(),
                        text.injectNull(0.5),
                        Arbitraries.bytes().array(byte[].class).ofMaxSize(200))
                .as((origin, counter, time, key, payload) ->
                        new Command(new RequestId(origin, counter), time, key, payload));
        return command.list().ofMinSize(1).ofMaxSize(8);
    }

    private static byte[] withoutCrc(byte[] entry) {
        return Arrays.copyOf(entry, entry.length - 4);
    }
}
