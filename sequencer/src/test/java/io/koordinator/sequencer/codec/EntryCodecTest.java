package io.koordinator.sequencer.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.RequestId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

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
                Arguments.of("unknown version 2", withCrc(set(good, 0, 2)), "unknown entry format version 2"),
                Arguments.of("version 0", withCrc(set(good, 0, 0)), "unknown entry format version 0"),
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

    private static byte[] withCrc(byte[] body) {
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
