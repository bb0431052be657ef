package io.koordinator.sequencer.codec;

import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.RequestId;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The binary format of a log entry (the data of one {@code e-<seq>} znode). Version 1:
 *
 * <pre>
 *   u8      version          1
 *   u8      flags            bit 0: seal; other bits must be 0
 *   varint  command count    0 for a seal, 1..65536 otherwise
 *   per command:
 *     varint+bytes  origin replica id, UTF-8, non-empty
 *     i64           origin counter
 *     i64           origin time, epoch milliseconds
 *     varint        idempotency key length + 1 (0: no key), then the key, UTF-8
 *     varint+bytes  payload
 *   u32     CRC-32C of every byte before it
 * </pre>
 *
 * <p>Integers are big-endian; a varint is an unsigned LEB128 of at most 5 bytes holding an int, in
 * its shortest form (so every entry has exactly one encoding).
 * {@link #decode} accepts exactly this and nothing else: every other input fails with a {@link
 * CorruptEntryException} saying what is wrong, and a version byte above {@link #VERSION} (an entry
 * a newer release wrote) with its subtype {@link UnknownEntryFormatException}, before the rest of
 * the entry is looked at. Stateless and thread-safe.
 *
 * <p>Compatibility rule: a release that changes this format bumps {@link #VERSION}, still reads
 * every older version, and keeps writing the older version until every proxy of the group reads the
 * new one (see the README, "Upgrading a group").
 */
public final class EntryCodec {
    public static final byte VERSION = 1;
    static final int FLAG_SEAL = 1;
    private static final int HEADER_AND_TRAILER = 2 + 5 + 4;

    private EntryCodec() {}

    /** Bytes {@code command} adds to an entry (exact). */
    public static int encodedSize(Command command) {
        byte[] origin = utf8(command.requestId().origin());
        int size = varintSize(origin.length) + origin.length + 16;
        if (command.idempotencyKey() == null) {
            size += 1;
        } else {
            byte[] key = utf8(command.idempotencyKey());
            size += varintSize(key.length + 1) + key.length;
        }
        return size + varintSize(command.payload().length) + command.payload().length;
    }

    /** Upper bound of an entry's size besides its commands. */
    public static int overhead() {
        return HEADER_AND_TRAILER;
    }

    /** Encodes a batch of 1..65536 commands. */
    public static byte[] encode(List<Command> commands) {
        if (commands.isEmpty() || commands.size() > Positions.MAX_INDEX + 1) {
            throw new IllegalArgumentException(
                    "an entry holds 1.." + (Positions.MAX_INDEX + 1) + " commands: " + commands.size());
        }
        int size = HEADER_AND_TRAILER;
        for (Command c : commands) {
            size += encodedSize(c);
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(VERSION).put((byte) 0);
        putVarint(out, commands.size());
        for (Command c : commands) {
            putBytes(out, utf8(c.requestId().origin()));
            out.putLong(c.requestId().counter());
            out.putLong(c.originTimeMillis());
            if (c.idempotencyKey() == null) {
                putVarint(out, 0);
            } else {
                byte[] key = utf8(c.idempotencyKey());
                putVarint(out, key.length + 1);
                out.put(key);
            }
            putBytes(out, c.payload());
        }
        return finish(out);
    }

    /** Encodes a seal entry. */
    public static byte[] encodeSeal() {
        ByteBuffer out = ByteBuffer.allocate(HEADER_AND_TRAILER);
        out.put(VERSION).put((byte) FLAG_SEAL);
        putVarint(out, 0);
        return finish(out);
    }

    /** Decodes and validates an entry. */
    public static Entry decode(byte[] data) throws CorruptEntryException {
        if (data == null || data.length < 1) {
            throw new CorruptEntryException("empty entry");
        }
        int version = data[0] & 0xFF;
        if (version > VERSION) {
            // Checked before anything else: a newer format may change everything after this byte.
            throw new UnknownEntryFormatException(version);
        }
        if (version != VERSION) {
            throw new CorruptEntryException("unknown entry format version " + version + " (known: " + VERSION + ")");
        }
        if (data.length < 7) {
            throw new CorruptEntryException("truncated entry: " + data.length + " bytes");
        }
        int bodyLength = data.length - 4;
        CRC32C crc = new CRC32C();
        crc.update(data, 0, bodyLength);
        int expected = ByteBuffer.wrap(data, bodyLength, 4).getInt();
        if ((int) crc.getValue() != expected) {
            throw new CorruptEntryException("checksum mismatch: entry is damaged or truncated");
        }
        ByteBuffer in = ByteBuffer.wrap(data, 0, bodyLength);
        in.get();
        int flags = in.get() & 0xFF;
        if ((flags & ~FLAG_SEAL) != 0) {
            throw new CorruptEntryException("unknown entry flags 0x" + Integer.toHexString(flags));
        }
        int count = getVarint(in, "command count");
        if ((flags & FLAG_SEAL) != 0) {
            if (count != 0) {
                throw new CorruptEntryException("seal entry with " + count + " commands");
            }
            expectEnd(in);
            return Entry.SEAL;
        }
        if (count < 1 || count > Positions.MAX_INDEX + 1) {
            throw new CorruptEntryException("command count out of range: " + count);
        }
        List<Command> commands = new ArrayList<>(Math.min(count, 1024));
        for (int i = 0; i < count; i++) {
            String origin = getString(in, getVarint(in, "origin length"), "origin");
            if (origin.isEmpty()) {
                throw new CorruptEntryException("command " + i + ": empty origin");
            }
            need(in, 16, "request counter and origin time");
            long counter = in.getLong();
            long originTime = in.getLong();
            int keyLength = getVarint(in, "idempotency key length");
            String key = keyLength == 0 ? null : getString(in, keyLength - 1, "idempotency key");
            int payloadLength = getVarint(in, "payload length");
            need(in, payloadLength, "payload");
            byte[] payload = new byte[payloadLength];
            in.get(payload);
            commands.add(new Command(new RequestId(origin, counter), originTime, key, payload));
        }
        expectEnd(in);
        return new Entry(false, commands);
    }

    private static byte[] finish(ByteBuffer out) {
        int bodyLength = out.position();
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, bodyLength);
        out.putInt((int) crc.getValue());
        byte[] bytes = out.array();
        return out.position() == bytes.length ? bytes : Arrays.copyOf(bytes, out.position());
    }

    private static void expectEnd(ByteBuffer in) throws CorruptEntryException {
        if (in.hasRemaining()) {
            throw new CorruptEntryException(in.remaining() + " trailing bytes after the last command");
        }
    }

    private static void need(ByteBuffer in, int n, String what) throws CorruptEntryException {
        if (n < 0 || in.remaining() < n) {
            throw new CorruptEntryException(
                    "truncated entry: " + what + " needs " + n + " bytes, " + in.remaining() + " left");
        }
    }

    private static String getString(ByteBuffer in, int length, String what) throws CorruptEntryException {
        need(in, length, what);
        ByteBuffer slice = in.slice().limit(length);
        in.position(in.position() + length);
        try {
            CharBuffer chars = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(slice);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new CorruptEntryException(what + " is not valid UTF-8");
        }
    }

    private static int getVarint(ByteBuffer in, String what) throws CorruptEntryException {
        int value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            if (!in.hasRemaining()) {
                throw new CorruptEntryException("truncated entry: " + what + " cut off");
            }
            int b = in.get() & 0xFF;
            if (shift == 28 && (b & 0xF0) != 0) {
                throw new CorruptEntryException(what + " does not fit an int");
            }
            value |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                if (b == 0 && shift > 0) {
                    // One encoding per entry: a padded varint is not what encode writes.
                    throw new CorruptEntryException(what + " is not minimally encoded");
                }
                if (value < 0) {
                    throw new CorruptEntryException(what + " is negative");
                }
                return value;
            }
        }
        throw new CorruptEntryException(what + " does not fit an int");
    }

    private static void putVarint(ByteBuffer out, int value) {
        while ((value & ~0x7F) != 0) {
            out.put((byte) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.put((byte) value);
    }

    private static void putBytes(ByteBuffer out, byte[] bytes) {
        putVarint(out, bytes.length);
        out.put(bytes);
    }

    private static int varintSize(int value) {
        int size = 1;
        while ((value & ~0x7F) != 0) {
            size++;
            value >>>= 7;
        }
        return size;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
