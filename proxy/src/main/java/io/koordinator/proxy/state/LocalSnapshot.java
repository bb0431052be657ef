package io.koordinator.proxy.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * A replica's own local snapshot, the file {@code snapshot} in its state directory: the length of
 * the replica's checkpoint (4 bytes), the checkpoint, then the app's snapshot as the app gave it.
 * Written to {@code snapshot.tmp}, synced and renamed, so a crash leaves the previous one whole.
 *
 * <p>Threading: {@link #write} and {@link #read} are called on the replica's control thread
 * only (its {@code Checkpointer}), so they never overlap.
 */
public final class LocalSnapshot {
    private final Path dir;

    LocalSnapshot(Path dir) {
        this.dir = dir;
    }

    /**
     * Keeps {@code appSnapshot} (the app's snapshot, taken between two deliveries) with {@code
     * checkpoint} (the replica's state at that moment) as this replica's own local snapshot,
     * replacing the previous one atomically. A replica recovers from it when no peer can serve.
     */
    public void write(ReplicaCheckpoint checkpoint, Path appSnapshot) throws IOException {
        Path tmp = dir.resolve("snapshot.tmp");
        try (FileChannel out = FileChannel.open(
                        tmp,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE);
                FileChannel in = FileChannel.open(appSnapshot, StandardOpenOption.READ)) {
            out.position(4); // the checkpoint's length goes first, once it is known
            checkpoint.writeTo(StateStore.buffered(out));
            long head = out.position() - 4;
            if (head > Integer.MAX_VALUE) {
                throw new IOException("checkpoint of " + head + " bytes is too large for a local snapshot");
            }
            ByteBuffer length = ByteBuffer.allocate(4).putInt((int) head).flip();
            while (length.hasRemaining()) {
                out.write(length, length.position());
            }
            long size = in.size();
            for (long done = 0; done < size; ) {
                done += in.transferTo(done, size - done, out);
            }
            out.force(true);
        }
        Files.move(tmp, dir.resolve("snapshot"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        StateStore.syncDirectory(dir);
    }

    /** This replica's own local snapshot: its checkpoint, and the app's snapshot copied to {@code into}. */
    public Optional<ReplicaCheckpoint> read(Path into) throws IOException {
        Path file = dir.resolve("snapshot");
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
                FileChannel out = FileChannel.open(
                        into,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE)) {
            ByteBuffer len = ByteBuffer.allocate(4);
            while (len.hasRemaining() && in.read(len) >= 0) {}
            int n = len.flip().getInt();
            if (n < 0 || n > in.size() - 4) {
                throw new IOException("local snapshot " + file + " is corrupt (checkpoint of " + n + " bytes)");
            }
            ByteBuffer head = ByteBuffer.allocate(n);
            while (head.hasRemaining() && in.read(head) >= 0) {}
            ReplicaCheckpoint checkpoint = ReplicaCheckpoint.fromBytes(head.array());
            long size = in.size();
            for (long at = 4L + n; at < size; ) {
                at += in.transferTo(at, size - at, out);
            }
            return Optional.of(checkpoint);
        }
    }
}
