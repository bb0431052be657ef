package io.koordinator.loadtest.kv;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * How the sample app keeps its state across its own restarts, for the app kinds of the README's
 * contract: in memory only (the default), in a data file rewritten after every write (durable,
 * like json-server's {@code db.json}), and position-aware: durable, and it records the last
 * {@code X-Koordinator-Position} it applied with its answer, so a redelivered position gets that
 * answer again instead of being applied twice.
 *
 * <p>The file holds the store's snapshot, then the last write's position, status and body; it is
 * written to a temporary file and renamed, so a crash leaves the old or the new state, never half.
 *
 * <p>Not thread-safe: used on the store's one event loop.
 */
final class KvDurability {
    /** The answer to the last write, replayed to a redelivery of its position. */
    record LastReply(long position, int status, byte[] body) {}

    private final Path file;
    private final boolean positionAware;
    private LastReply last;

    private KvDurability(Path file, boolean positionAware) {
        this.file = file;
        this.positionAware = positionAware;
    }

    static KvDurability memory() {
        return new KvDurability(null, false);
    }

    static KvDurability file(Path file, boolean positionAware) {
        return new KvDurability(file, positionAware);
    }

    /** Restores {@code store} from the data file, if there is one. */
    void load(KvStore store) throws IOException {
        if (file == null || !Files.exists(file)) {
            return;
        }
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            byte[] snapshot = in.readNBytes(in.readInt());
            store.restore(snapshot);
            long position = in.readLong();
            int status = in.readUnsignedShort();
            byte[] body = in.readNBytes(in.readInt());
            last = position < 0 ? null : new LastReply(position, status, body);
        }
    }

    /** For a position-aware app: the answer already given at {@code position}, if it was applied. */
    Optional<LastReply> alreadyApplied(KvStore store, long position) {
        if (!positionAware || position < 0 || position > store.lastPosition()) {
            return Optional.empty();
        }
        if (last != null && last.position() == position) {
            return Optional.of(last);
        }
        return Optional.of(
                new LastReply(position, 409, "already applied\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** Records the write just applied at {@code position} and its answer. */
    void applied(KvStore store, long position, int status, byte[] body) {
        if (file == null) {
            return;
        }
        last = new LastReply(position, status, body);
        try {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(buffer);
            byte[] snapshot = store.snapshot();
            out.writeInt(snapshot.length);
            out.write(snapshot);
            out.writeLong(position);
            out.writeShort(status);
            out.writeInt(body.length);
            out.write(body);
            out.flush();
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, buffer.toByteArray());
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** After a snapshot was restored into the store: the file follows it. */
    void restored(KvStore store) {
        applied(store, -1, 0, new byte[0]);
        last = null;
    }
}
