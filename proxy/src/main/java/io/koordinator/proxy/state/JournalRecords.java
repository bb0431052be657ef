package io.koordinator.proxy.state;

import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.RequestId;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The format of {@link StateStore}'s journal records, written and read: {@code length, CRC-32C,
 * type, position, body}, the length and the checksum over what follows them. Records are read in
 * order, from a journal file or from a stream of journals laid end to end (an archive sent by a
 * peer). A record that is cut short or fails its checksum ends the input: that is a torn write when
 * it is the last thing written, and corruption otherwise; the caller decides which.
 *
 * <p>The bodies: an {@link #INTENT} holds the command's {@linkplain #writeMeta metadata} and its
 * payload, a {@link #DONE} the app's status, the state digest and the cached response if any, a
 * {@link #DUPLICATE} the command's metadata.
 */
final class JournalRecords {
    static final byte INTENT = 1;
    static final byte DONE = 2;
    static final byte DUPLICATE = 3;
    /** Longest record body accepted, and longest payload. */
    static final int MAX_RECORD = 128 * 1024 * 1024;

    /** Writes a record's body. */
    interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    /** Receives each whole record; {@code body} holds what follows the type and the position. */
    interface Visitor {
        void record(byte type, long position, DataInputStream body) throws IOException;
    }

    /** Where the input stopped early ({@code tornAt} bytes in), or {@code tornAt = -1} at its end. */
    record Result(long tornAt, String what) {
        boolean torn() {
            return tornAt >= 0;
        }
    }

    private JournalRecords() {}

    /** The bytes of one whole record, header included. */
    static byte[] frame(byte type, long position, Body body) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(64);
        DataOutputStream out = new DataOutputStream(buffer);
        out.writeInt(0);
        out.writeInt(0);
        out.writeByte(type);
        out.writeLong(position);
        body.write(out);
        out.flush();
        byte[] bytes = buffer.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(bytes, 8, bytes.length - 8);
        ByteBuffer.wrap(bytes).putInt(0, bytes.length - 8).putInt(4, (int) crc.getValue());
        return bytes;
    }

    /** A command's metadata: its request id, its origin time and its idempotency key, if any. */
    static void writeMeta(DataOutputStream out, Command c) throws IOException {
        out.writeUTF(c.requestId().origin());
        out.writeLong(c.requestId().counter());
        out.writeLong(c.originTimeMillis());
        out.writeBoolean(c.idempotencyKey() != null);
        if (c.idempotencyKey() != null) {
            out.writeUTF(c.idempotencyKey());
        }
    }

    /** The command of {@link #writeMeta}, then its payload if {@code withPayload}. */
    static Command readMeta(DataInputStream in, boolean withPayload) throws IOException {
        RequestId id = new RequestId(in.readUTF(), in.readLong());
        long time = in.readLong();
        String key = in.readBoolean() ? in.readUTF() : null;
        byte[] payload = new byte[0];
        if (withPayload) {
            int n = in.readInt();
            if (n < 0 || n > MAX_RECORD) {
                throw new IOException("bad payload length " + n);
            }
            payload = in.readNBytes(n);
        }
        return new Command(id, time, key, payload);
    }

    static Result read(Path file, Visitor visitor) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, visitor);
        }
    }

    static Result read(InputStream input, Visitor visitor) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(input, 64 * 1024));
        byte[] header = new byte[8];
        long offset = 0;
        while (true) {
            int got = in.readNBytes(header, 0, 8);
            if (got == 0) {
                return new Result(-1, "");
            }
            if (got < 8) {
                return new Result(offset, "a partial record header");
            }
            int length =
                    (header[0] & 0xFF) << 24 | (header[1] & 0xFF) << 16 | (header[2] & 0xFF) << 8 | header[3] & 0xFF;
            int crc = (header[4] & 0xFF) << 24 | (header[5] & 0xFF) << 16 | (header[6] & 0xFF) << 8 | header[7] & 0xFF;
            if (length < 9 || length > MAX_RECORD) {
                return new Result(offset, "a record of " + length + " bytes");
            }
            byte[] body = in.readNBytes(length);
            if (body.length < length) {
                return new Result(offset, "a record of " + length + " bytes with " + body.length + " left");
            }
            CRC32C c = new CRC32C();
            c.update(body, 0, length);
            if ((int) c.getValue() != crc) {
                return new Result(offset, "a checksum mismatch");
            }
            DataInputStream record = new DataInputStream(new ByteArrayInputStream(body));
            byte type = record.readByte();
            long position = record.readLong();
            visitor.record(type, position, record);
            offset += 8 + length;
        }
    }
}
