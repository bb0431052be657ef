package io.koordinator.proxy.state;

import io.koordinator.sequencer.DedupTable;
import io.koordinator.sequencer.LogCheckpoint;
import io.koordinator.sequencer.Positions;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays {@link StateStore}'s journal records over a base checkpoint with the same
 * deduplication table, so the result is exactly the state delivery produced; an INTENT without
 * its DONE at the end is the command in doubt. Used once per load, on the loading thread.
 */
final class JournalReplay {
    private static final Logger log = LoggerFactory.getLogger(JournalReplay.class);

    private final ReplicaCheckpoint base;
    private final DedupTable dedup;
    private final ResponseCache responses;
    private StateDigest digest;
    private long delivered;
    private long position;
    private StateStore.InDoubt pending;

    JournalReplay(ReplicaCheckpoint base, Duration window) {
        this.base = base;
        this.dedup = new DedupTable(
                window, DedupTable.DEFAULT_MAX_ENTRIES, base.log().dedup());
        this.responses = new ResponseCache(Integer.MAX_VALUE, base.responses());
        this.digest = base.digest();
        this.delivered = base.delivered();
        this.position = base.position();
    }

    void file(Path file, boolean last) throws IOException {
        JournalRecords.Result r = JournalRecords.read(file, this::apply);
        if (r.torn()) {
            torn(file, r.tornAt(), last, r.what());
        }
    }

    private void torn(Path file, long offset, boolean last, String what) throws IOException {
        if (!last) {
            throw new IOException(file + " is corrupt at byte " + offset + ": " + what);
        }
        log.warn("{} ends in a torn record at byte {} ({}): cutting it off", file, offset, what);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(offset);
        }
    }

    private void apply(byte type, long at, DataInputStream in) throws IOException {
        if (at <= position) {
            return; // covered by the checkpoint already
        }
        switch (type) {
            case JournalRecords.INTENT -> {
                if (pending != null) {
                    throw new IOException("two intents without an answer: " + Positions.format(pending.position())
                            + " and " + Positions.format(at));
                }
                pending = new StateStore.InDoubt(at, JournalRecords.readMeta(in, true));
            }
            case JournalRecords.DONE -> {
                if (pending == null || pending.position() != at) {
                    throw new IOException("an answer at " + Positions.format(at) + " without its intent");
                }
                int status = in.readUnsignedShort();
                StateDigest d = StateDigest.of(in.readNBytes(StateDigest.LENGTH));
                CachedResponse cached = in.readBoolean() ? CachedResponse.readFrom(in) : null;
                if (dedup.check(at, pending.command()).isPresent()) {
                    throw new IOException("journal delivered a duplicate at " + Positions.format(at));
                }
                if (cached != null && pending.command().idempotencyKey() != null) {
                    responses.put(at, pending.command().idempotencyKey(), cached);
                }
                digest = d;
                delivered++;
                position = at;
                pending = null;
                if (status < 0) {
                    throw new IOException("bad status " + status);
                }
            }
            case JournalRecords.DUPLICATE -> {
                if (pending != null) {
                    throw new IOException("a duplicate at " + Positions.format(at) + " while "
                            + Positions.format(pending.position()) + " is in doubt");
                }
                if (dedup.check(at, JournalRecords.readMeta(in, false)).isEmpty()) {
                    throw new IOException("journal skipped a non-duplicate at " + Positions.format(at));
                }
                position = at;
            }
            default -> throw new IOException("unknown journal record type " + type);
        }
    }

    ReplicaCheckpoint result() {
        return new ReplicaCheckpoint(
                new LogCheckpoint(position, dedup.snapshot()),
                digest,
                delivered,
                responses.entries(),
                base.appIncarnation(),
                base.logIdentity());
    }

    Optional<StateStore.InDoubt> inDoubt() {
        return Optional.ofNullable(pending);
    }
}
