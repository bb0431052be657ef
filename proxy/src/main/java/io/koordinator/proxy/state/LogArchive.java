package io.koordinator.proxy.state;

import io.koordinator.sequencer.Positions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log this replica has applied, kept on its own disk for an app without snapshot endpoints:
 * the journals a full checkpoint replaced, moved here instead of deleted. Together with the
 * journals still in use they hold every command from {@link #base()} on, so a peer (or this
 * replica, after its app lost its state) can rebuild an app from the start of the log after
 * ZooKeeper compacted it.
 *
 * <pre>
 *   archive/base         the position before the first archived command (-1: the start of the log)
 *   archive/end          the last position of the archived journals
 *   archive/full         present once the bound was reached: the archive ends at archive/end
 *   archive/journal-&lt;n&gt;  journals, as {@link StateStore} wrote them
 * </pre>
 *
 * <p>Bounded by {@code maxBytes}: the journal that would pass it is deleted, and the archive stops
 * at the position before it. It is never pruned from the front, because without a snapshot nothing
 * else can stand in for the commands at its start.
 *
 * <p>Threading: called by {@link StateStore} under its lock.
 */
final class LogArchive {
    private static final Logger log = LoggerFactory.getLogger(LogArchive.class);

    private final Path dir;
    private final long maxBytes;
    private long base = Positions.NONE;
    /** The last position of the archived journals ({@link #base} while there are none). */
    private long end = Positions.NONE;

    private boolean full;
    private long bytes;

    LogArchive(Path stateDir, long maxBytes) {
        this.dir = stateDir.resolve("archive");
        this.maxBytes = maxBytes;
    }

    /** Reads what is there; an archive without its base starts at {@code baseIfMissing}. */
    void open(long baseIfMissing) throws IOException {
        Files.createDirectories(dir);
        Path b = dir.resolve("base");
        if (Files.exists(b)) {
            base = Long.parseLong(Files.readString(b, StandardCharsets.US_ASCII).trim());
        } else {
            clear(baseIfMissing);
            return;
        }
        Path e = dir.resolve("end");
        end = Files.exists(e)
                ? Long.parseLong(Files.readString(e, StandardCharsets.US_ASCII).trim())
                : base;
        full = Files.exists(dir.resolve("full"));
        bytes = 0;
        for (Path p : journals()) {
            bytes += Files.size(p);
        }
    }

    /** Drops everything: the archive starts again after {@code newBase}. */
    void clear(long newBase) throws IOException {
        Files.createDirectories(dir);
        for (Path p : journals()) {
            Files.deleteIfExists(p);
        }
        Files.deleteIfExists(dir.resolve("full"));
        Files.deleteIfExists(dir.resolve("end"));
        write("base", newBase);
        base = newBase;
        end = newBase;
        full = false;
        bytes = 0;
    }

    /**
     * Keeps {@code replaced}, journals a checkpoint at {@code upTo} now covers, or deletes them once
     * the archive is full. Their commands are all at or before {@code upTo}.
     */
    void keep(List<Path> replaced, long upTo) throws IOException {
        long size = 0;
        for (Path p : replaced) {
            size += Files.size(p);
        }
        if (!full && bytes + size > maxBytes) {
            full = true;
            write("full", end);
            log.warn(
                    "the log archive in {} reached its bound of {} bytes: it ends at {}; a replica that needs"
                            + " later compacted commands cannot be rebuilt from it",
                    dir,
                    maxBytes,
                    Positions.format(end));
        }
        for (Path p : replaced) {
            if (!full && Files.size(p) > 0) {
                Files.move(p, dir.resolve(p.getFileName()), StandardCopyOption.ATOMIC_MOVE);
            } else {
                Files.deleteIfExists(p);
            }
        }
        if (!full) {
            bytes += size;
            end = upTo;
            write("end", end);
        }
    }

    long base() {
        return base;
    }

    /** Whether the bound was reached: then the journals in use are not part of the archive. */
    boolean full() {
        return full;
    }

    /** The last position of the archived journals. */
    long end() {
        return end;
    }

    long bytes() {
        return bytes;
    }

    /** The archived journals, oldest first. */
    List<Path> journals() throws IOException {
        return StateStore.journalsIn(dir);
    }

    private void write(String name, long position) throws IOException {
        Path tmp = dir.resolve(name + ".tmp");
        Files.writeString(tmp, Long.toString(position), StandardCharsets.US_ASCII);
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
