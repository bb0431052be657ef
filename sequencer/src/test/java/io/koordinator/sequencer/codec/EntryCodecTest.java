package io.koordinator.sequencer.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.RequestId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class EntryCodecTest {

    private static Command command(String origin, long counter, String key, String payload) {
        return new Command(
                new RequestId(origin, counter),
                1_700_000_000_000L + counter,
                key,
                payload.getBytes(StandardCharsets.UTF_8));
    }

    private static final List<Command> SAMPLE =
            List.of(command("replica-0", 1, null, "GET /a"), command("replica-1", 42, "key-7", "POST /b\r\n\r\nbody"));

    static Stream<Arguments> roundTrips() {
        List<Command> many = new ArrayList<>();
        for (int i = 0; i < 65_536; i++) {
            many.add(new Command(new RequestId("r", i), i, null, new byte[0]));
        }
        return Stream.of(
                Arguments.of("one command", List.of(command("a", 0, null, ""))),
                Arguments.of("two commands, with and without key", SAMPLE),
                Arguments.of("unicode origin, key and payload", List.of(command("réplica-ü", -5, "clé-€", "日本"))),
                Arguments.of(
                        "negative counter and time",
                        List.of(new Command(
                                new RequestId("x", Long.MIN_VALUE), Long.MIN_VALUE, "", new byte[] {0, -1, 127}))),
                Arguments.of("large payload", List.of(new Command(new RequestId("x", 1), 1, null, new byte[300_000]))),
                Arguments.of("65536 commands (the most an entry holds)", many));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("roundTrips")
    void roundTrip(String name, List<Command> commands) throws Exception {
        byte[] bytes = EntryCodec.encode(commands);
        int expectedSize = EntryCodec.overhead()
                - 5
                + varintSize(commands.size())
                + commands.stream().mapToInt(EntryCodec::encodedSize).sum();
        assertThat(bytes).hasSize(expectedSize);

        Entry entry = EntryCodec.decode(bytes);

        assertSameBatch(entry, commands);
    }

    /** {@code entry} holds exactly {@code commands}, field by field. */
    static void assertSameBatch(Entry entry, List<Command> commands) {
        assertThat(entry.seal()).isFalse();
        assertThat(entry.commands()).hasSize(commands.size());
        for (int i = 0; i < commands.size(); i++) {
            Command want = commands.get(i);
            Command got = entry.commands().get(i);
            assertThat(got.requestId()).isEqualTo(want.requestId());
            assertThat(got.originTimeMillis()).isEqualTo(want.originTimeMillis());
            assertThat(got.idempotencyKey()).isEqualTo(want.idempotencyKey());
            assertThat(got.payload()).isEqualTo(want.payload());
        }
    }

    @Test
    void sealRoundTrips() throws Exception {
        assertThat(EntryCodec.decode(EntryCodec.encodeSeal())).isEqualTo(Entry.SEAL);
    }

    @Test
    void encodeRejectsEmptyAndOversizedBatches() {
        assertThatThrownBy(() -> EntryCodec.encode(List.of())).isInstanceOf(IllegalArgumentException.class);
        List<Command> tooMany = new ArrayList<>();
        for (int i = 0; i < 65_537; i++) {
            tooMany.add(new Command(new RequestId("r", i), i, null, new byte[0]));
        }
        assertThatThrownBy(() -> EntryCodec.encode(tooMany)).isInstanceOf(IllegalArgumentException.class);
    }

    static Stream<Arguments> malformed() {
        byte[] good = EntryCodec.encode(SAMPLE);
        byte[] seal = EntryCodec.encodeSeal();
        return Stream.of(
                Arguments.of("empty", new byte[0], "empty entry"),
                Arguments.of("null", null, "empty entry"),
                Arguments.of("version 0", withCrc(set(good, 0, 0)), "unknown entry format version 0"),
                Arguments.of("version 2", withCrc(set(good, 0, 2)), "entry format version 2, newer than"),
                Arguments.of("just a version byte", new byte[] {1}, "truncated"),
                Arguments.of("truncated by one byte", Arrays.copyOf(good, good.length - 1), "checksum"),
                Arguments.of("truncated in half", Arrays.copyOf(good, good.length / 2), "checksum"),
                Arguments.of("one bit flipped in a payload", flip(good, good.length - 6), "checksum"),
                Arguments.of("unknown flag bit", withCrc(set(good, 1, 0x02)), "unknown entry flags"),
                Arguments.of("seal with commands", withCrc(set(good, 1, 0x01)), "seal entry with 2 commands"),
                Arguments.of("trailing bytes after a seal", withCrc(body(seal, (byte) 0)), "trailing bytes"),
                Arguments.of("trailing bytes after commands", withCrc(body(good, (byte) 7)), "trailing bytes"),
                Arguments.of("zero commands", withCrc(new byte[] {1, 0, 0}), "command count out of range"),
                Arguments.of("count larger than content", withCrc(set(good, 2, 3)), "truncated"),
                Arguments.of(
                        "count 65537",
                        withCrc(new byte[] {1, 0, (byte) 0x81, (byte) 0x80, 0x04}),
                        "command count out of range"),
                Arguments.of(
                        "varint too long",
                        withCrc(new byte[] {1, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0x7F}),
                        "does not fit an int"),
                Arguments.of(
                        "padded varint (found by EntryCodecFuzzTest)",
                        withCrc(new byte[] {1, 1, (byte) 0x80, 0}),
                        "command count is not minimally encoded"),
                Arguments.of("payload length past the end", withCrc(payloadLengthBumped(good)), "truncated"),
                Arguments.of("empty origin", withCrc(new byte[] {1, 0, 1, 0}), "empty origin"),
                Arguments.of(
                        "origin not UTF-8",
                        withCrc(new byte[] {1, 0, 1, 2, (byte) 0xC3, 0x28}),
                        "origin is not valid UTF-8"),
                Arguments.of("counter cut off", withCrc(new byte[] {1, 0, 1, 1, 'a', 0, 0}), "truncated"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedInputFailsClearly(String name, byte[] input, String message) {
        assertThatThrownBy(() -> EntryCodec.decode(input))
                .isInstanceOf(CorruptEntryException.class)
                .hasMessageContaining(message);
    }

    /**
     * Version 1 exactly as released: {@link #SAMPLE} and a seal, byte for byte. An entry written by
     * any earlier proxy of this format is still read, and the current code still writes it, so
     * proxies of two releases on one log read each other's entries. Changing these bytes breaks
     * rolling upgrades: bump {@link EntryCodec#VERSION} instead and keep reading version 1.
     */
    private static final String RELEASED_V1_SAMPLE =
            "010002097265706c6963612d3000000000000000010000018bcfe5680100064745"
                    + "54202f61097265706c6963612d31000000000000002a0000018bcfe5682a066b65792d370f504f5354202f620d0a0d0a626f"
                    + "64797ee2b99f";

    private static final String RELEASED_V1_SEAL = "010100d687a973";

    @Test
    void readsAndWritesTheReleasedVersion1BytesExactly() throws Exception {
        byte[] released = HexFormat.of().parseHex(RELEASED_V1_SAMPLE);

        Entry entry = EntryCodec.decode(released);

        assertThat(entry.seal()).isFalse();
        assertThat(entry.commands())
                .extracting(Command::requestId)
                .containsExactly(new RequestId("replica-0", 1), new RequestId("replica-1", 42));
        assertThat(entry.commands().get(1).idempotencyKey()).isEqualTo("key-7");
        assertThat(new String(entry.commands().get(1).payload(), StandardCharsets.UTF_8))
                .isEqualTo("POST /b\r\n\r\nbody");
        assertThat(EntryCodec.encode(SAMPLE)).isEqualTo(released);
        assertThat(EntryCodec.decode(HexFormat.of().parseHex(RELEASED_V1_SEAL))).isEqualTo(Entry.SEAL);
        assertThat(EntryCodec.encodeSeal()).isEqualTo(HexFormat.of().parseHex(RELEASED_V1_SEAL));
    }

    @ParameterizedTest(name = "version {0}")
    @ValueSource(ints = {2, 3, 127, 255})
    void aNewerVersionIsAnUnknownFormatNotDamage(int version) {
        // A newer release may change everything after the version byte, the checksum included.
        byte[] newer = EntryCodec.encode(SAMPLE);
        newer[0] = (byte) version;
        newer[newer.length - 1] ^= 0x55;

        assertThatThrownBy(() -> EntryCodec.decode(newer))
                .isInstanceOfSatisfying(UnknownEntryFormatException.class, e -> {
                    assertThat(e.version()).isEqualTo(version);
                    assertThat(e.position()).isEqualTo(Positions.NONE);
                    assertThat(e.at(Positions.entry(3, 17)).getMessage())
                            .isEqualTo("the entry at 3:17:0 has entry format version " + version
                                    + ", newer than the version 1 this proxy reads; it stops there rather than"
                                    + " skip it: upgrade this proxy");
                });
    }

    @Test
    void versionZeroIsDamageNotANewerFormat() {
        byte[] zero = withCrc(set(EntryCodec.encode(SAMPLE), 0, 0));

        assertThatThrownBy(() -> EntryCodec.decode(zero))
                .isExactlyInstanceOf(CorruptEntryException.class)
                .hasMessageContaining("unknown entry format version 0");
    }

    /** A copy of {@code entry} without its CRC, with {@code extra} appended. */
    private static byte[] body(byte[] entry, byte... extra) {
        byte[] out = Arrays.copyOf(entry, entry.length - 4 + extra.length);
        System.arraycopy(extra, 0, out, entry.length - 4, extra.length);
        return out;
    }

    private static byte[] set(byte[] entry, int index, int value) {
        byte[] out = Arrays.copyOf(entry, entry.length - 4);
        out[index] = (byte) value;
        return out;
    }

    private static byte[] flip(byte[] entry, int index) {
        byte[] out = entry.clone();
        out[index] ^= 0x10;
        return out;
    }

    /** The second command's payload length (one-byte varint just before the payload) made larger. */
    private static byte[] payloadLengthBumped(byte[] entry) {
        byte[] body = Arrays.copyOf(entry, entry.length - 4);
        String payload = "POST /b\r\n\r\nbody";
        int at = body.length - payload.length() - 1;
        body[at] = (byte) (payload.length() + 10);
        return body;
    }

    static byte[] withCrc(byte[] body) {
        CRC32C crc = new CRC32C();
        crc.update(body);
        return ByteBuffer.allocate(body.length + 4)
                .put(body)
                .putInt((int) crc.getValue())
                .array();
    }

    private static int varintSize(int v) {
        return v < 128 ? 1 : v < 16384 ? 2 : 3;
    }
}
