package io.koordinator.proxy.state;

import io.koordinator.sequencer.Command;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The commands a replica's {@link LogArchive} and journals hold, opened at one moment: the files
 * stay readable while the store moves or deletes them, and each is read only up to its size at that
 * moment (a record being written then is a torn last record, cut off by the reader). Streamed to a
 * peer as the journals laid end to end; {@link #replay} reads such a stream back.
 *
 * @param base the position before the first command held
 * @param end the last position recorded when it was opened
 * @param length bytes in all
 */
public record ArchiveView(long base, long end, long length, List<Part> parts) implements AutoCloseable {
    /** One file, up to {@code size}. */
    public record Part(FileChannel channel, long size) {}

    /** For {@code /status}. */
    public record Summary(long base, long end, long bytes, boolean full) {}

    /** Receives the commands of a replayed archive, in log order. */
    public interface Commands {
        /** {@code duplicate}: the replica that wrote it skipped it by deduplication (no payload). */
        void command(long position, Command command, boolean duplicate) throws Exception;
    }

    static ArchiveView open(long base, long end, List<Path> files) throws IOException {
        List<Part> parts = new ArrayList<>();
        long length = 0;
        try {
            for (Path f : files) {
                FileChannel ch = FileChannel.open(f, StandardOpenOption.READ);
                if (ch.size() == 0) {
                    ch.close();
                    continue;
                }
                parts.add(new Part(ch, ch.size()));
                length += ch.size();
            }
        } catch (IOException e) {
            new ArchiveView(base, end, length, parts).close();
            throw e;
        }
        return new ArchiveView(base, end, length, List.copyOf(parts));
    }

    /** The files laid end to end, each up to its size; closing it closes the view. */
    public InputStream stream() {
        return new Parts();
    }

    /**
     * Reads a stream of journals and hands every command after {@code after} to {@code commands},
     * each position once and in increasing order; returns the last position handed over ({@code
     * after} if none). A torn record ends the stream.
     */
    public static long replay(InputStream in, long after, Commands commands) throws Exception {
        long[] last = {after};
        try {
            JournalRecords.read(in, (type, position, body) -> {
                if (position <= last[0]) {
                    return; // before the replay's start, or a redelivery recorded twice
                }
                boolean duplicate;
                if (type == JournalRecords.INTENT) {
                    duplicate = false;
                } else if (type == JournalRecords.DUPLICATE) {
                    duplicate = true;
                } else {
                    return; // answers are this replica's own business
                }
                Command command = JournalRecords.readMeta(body, !duplicate);
                try {
                    commands.command(position, command, duplicate);
                } catch (Exception e) {
                    throw new Stopped(e);
                }
                last[0] = position;
            });
        } catch (Stopped s) {
            throw (Exception) s.getCause();
        }
        return last[0];
    }

    /** Carries a receiver's failure out of the reader. */
    private static final class Stopped extends IOException {
        Stopped(Exception cause) {
            super(cause);
        }
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (Part p : parts) {
            try {
                p.channel().close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * The parts read in turn, each from offset 0 up to its size. A read fills its buffer across
     * parts, and {@link #available()} counts every byte left, so a chunked writer sends full chunks.
     */
    private final class Parts extends InputStream {
        private int part;
        private long at;
        private long left = length;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = 0;
            while (n < len && part < parts.size()) {
                Part p = parts.get(part);
                if (at >= p.size()) {
                    part++;
                    at = 0;
                    continue;
                }
                int r = p.channel().read(ByteBuffer.wrap(b, off + n, (int) Math.min(len - n, p.size() - at)), at);
                if (r < 0) {
                    throw new IOException("a journal shrank while it was sent");
                }
                at += r;
                n += r;
                left -= r;
            }
            return n == 0 && len > 0 ? -1 : n;
        }

        @Override
        public int available() {
            return (int) Math.min(Integer.MAX_VALUE, left);
        }

        @Override
        public void close() throws IOException {
            ArchiveView.this.close();
        }
    }
}
