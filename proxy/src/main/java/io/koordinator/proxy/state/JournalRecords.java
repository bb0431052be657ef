package io.koordinator.proxy.state;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Reads {@link StateStore}'s records ({@code length, CRC-32C, type, position, body}) in order, from
 * a journal file or from a stream of journals laid end to end (an archive sent by a peer). A record
 * that is cut short or fails its checksum ends the input: that is a torn write when it is the last
 * thing written, and corruption otherwise; the caller decides which.
 */
final class JournalRecords {
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
            if (length < 9 || length > StateStore.MAX_RECORD) {
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
