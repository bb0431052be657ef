package io.koordinator.proxy.state;

import io.koordinator.Directories;
import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.Positions;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replica's durable checkpoint in its state directory: a full {@link ReplicaCheckpoint} now and
 * then, and between two of them a journal of what was delivered, record by record.
 *
 * <pre>
 *   checkpoint        the last full checkpoint (written to a temporary file, synced, renamed)
 *   journal-&lt;n&gt;       records after it, in order: INTENT before a command goes to the app,
 *                     DONE once the app answered (status, digest, cached response), DUPLICATE
 *                     for a command skipped by deduplication
 *   snapshot          this replica's own local snapshot ({@link LocalSnapshot})
 * </pre>
 *
 * A record is {@code length, CRC-32C, body} ({@link JournalRecords} has the format); a torn record
 * at the end of the last journal (a crash mid-write) is cut off on load. Journal writes go to the
 * page cache at once, so a crash of the proxy process loses nothing; {@link #sync()} (group
 * commit, on a timer) makes them survive a crash of the node too, and only then are they counted
 * in {@link #durablePosition()}.
 *
 * <p>An INTENT without its DONE at the end of the journal is the one command in doubt: it may have
 * reached the app without its answer being recorded. {@link #load} reports it.
 *
 * <p>Threading: {@link #intent}, {@link #done} and {@link #duplicate} are called by the delivery
 * thread only; {@link #rotate} while delivery is paused between two commands; {@link #sync} and
 * {@link #writeCheckpoint} from the timer thread. {@code sync} and {@code rotate} lock the store.
 */
public final class StateStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StateStore.class);

    /** The command that may have reached the app without its answer being recorded. */
    public record InDoubt(long position, Command command) {}

    /** What {@link #load} found. {@code fresh}: there was no state at all. */
    public record Loaded(ReplicaCheckpoint checkpoint, Optional<InDoubt> inDoubt, boolean fresh) {}

    private final Path dir;
    private final Duration dedupWindow;
    /** The archive of replaced journals, or {@code null} when none is kept. Guarded by this. */
    private final LogArchive archive;

    private final LocalSnapshot localSnapshot;

    private volatile FileChannel journal; // replaced by rotate(), under the delivery pause
    private int journalIndex;
    private volatile long written = Positions.NONE; // delivery thread writes
    private volatile long durable = Positions.NONE;
    private long bytesSinceCheckpoint; // delivery thread

    /** The directory is deleted on {@link #close()}: state that lives only as long as the process. */
    private final boolean temporary;

    private StateStore(Path dir, Duration dedupWindow, long archiveMaxBytes, boolean temporary) {
        this.dir = dir;
        this.temporary = temporary;
        this.dedupWindow = dedupWindow;
        this.archive = archiveMaxBytes > 0 ? new LogArchive(dir, archiveMaxBytes) : null;
        this.localSnapshot = new LocalSnapshot(dir);
    }

    /** A store in {@code dir} (created if missing) that keeps no archive. */
    public static StateStore in(Path dir, Duration dedupWindow) {
        return in(dir, dedupWindow, 0);
    }

    /**
     * A store in {@code dir} that keeps the journals a checkpoint replaced in a {@link LogArchive}
     * of at most {@code archiveMaxBytes} (0: none).
     */
    public static StateStore in(Path dir, Duration dedupWindow, long archiveMaxBytes) {
        return new StateStore(java.util.Objects.requireNonNull(dir, "dir"), dedupWindow, archiveMaxBytes, false);
    }

    /**
     * A store in a new temporary directory that {@link #close()} deletes ({@code --state-dir
     * none}): the state lives only as long as the process.
     */
    public static StateStore temporary(Duration dedupWindow, long archiveMaxBytes) throws IOException {
        return new StateStore(Files.createTempDirectory("koordinator-state-"), dedupWindow, archiveMaxBytes, true);
    }

    public Path directory() {
        return dir;
    }

    /**
     * Reads the checkpoint and replays the journal after it, then opens a new journal for
     * writing. Throws {@link IOException} when the state is corrupt beyond a torn last record.
     */
    public Loaded load() throws IOException {
        Files.createDirectories(dir);
        closeJournal();
        Path checkpointFile = dir.resolve("checkpoint");
        List<Path> journals = journals();
        boolean fresh = !Files.exists(checkpointFile) && journals.isEmpty();
        ReplicaCheckpoint base =
                Files.exists(checkpointFile) ? ReplicaCheckpoint.fromBytes(Files.readAllBytes(checkpointFile)) : null;
        JournalReplay replay = new JournalReplay(base == null ? ReplicaCheckpoint.START : base, dedupWindow);
        for (int i = 0; i < journals.size(); i++) {
            replay.file(journals.get(i), i == journals.size() - 1);
        }
        ReplicaCheckpoint loaded = replay.result();
        journalIndex = journals.isEmpty() ? 0 : index(journals.get(journals.size() - 1)) + 1;
        if (archive != null) {
            synchronized (this) {
                archive.open(base == null ? Positions.NONE : base.position());
            }
        }
        openJournal();
        written = loaded.position();
        durable = loaded.position();
        return new Loaded(loaded, replay.inDoubt(), fresh);
    }

    /** Records that the command at {@code position} is about to go to the app. */
    public void intent(long position, Command command) {
        record(JournalRecords.INTENT, position, out -> {
            JournalRecords.writeMeta(out, command);
            out.writeInt(command.payload().length);
            out.write(command.payload());
        });
    }

    /** Records that the app answered the command at {@code position}. */
    public void done(long position, int status, StateDigest digest, CachedResponse cached) {
        record(JournalRecords.DONE, position, out -> {
            out.writeShort(status);
            out.write(digest.bytes());
            out.writeBoolean(cached != null);
            if (cached != null) {
                cached.writeTo(out);
            }
        });
        written = position;
    }

    /** Records that the command at {@code position} was skipped as a duplicate. */
    public void duplicate(long position, Command command) {
        record(JournalRecords.DUPLICATE, position, out -> JournalRecords.writeMeta(out, command));
        written = position;
    }

    /** Makes every record written so far survive a crash of the node (group commit). */
    public synchronized void sync() {
        FileChannel j = journal;
        if (j == null) {
            return;
        }
        long upTo = written;
        try {
            j.force(false);
            durable = Math.max(durable, upTo);
        } catch (IOException e) {
            log.warn("syncing the journal in {} failed: {}", dir, e.toString());
        }
    }

    /** Bytes journalled since the last full checkpoint. */
    public long journalBytes() {
        return bytesSinceCheckpoint;
    }

    /**
     * A buffered stream that writes at {@code ch}'s position, for a checkpoint streamed to a file
     * ({@link ReplicaCheckpoint#writeTo}); flushing it writes through, closing it closes {@code ch}.
     */
    static OutputStream buffered(FileChannel ch) {
        return new BufferedOutputStream(Channels.newOutputStream(ch), 64 * 1024);
    }

    /**
     * Starts a new journal file; call while delivery is paused, with the checkpoint as of now.
     * Returns the index of the new file: {@link #writeCheckpoint} then drops the older ones.
     */
    public synchronized int rotate() {
        closeJournal();
        journalIndex++;
        openJournal();
        bytesSinceCheckpoint = 0;
        return journalIndex;
    }

    /**
     * Writes {@code checkpoint} as the new base (temporary file, fsync, rename, fsync of the
     * directory) and deletes the journals before {@code firstJournalAfter}.
     */
    public void writeCheckpoint(ReplicaCheckpoint checkpoint, int firstJournalAfter) throws IOException {
        writeCheckpoint(checkpoint, firstJournalAfter, true);
    }

    private void writeCheckpoint(ReplicaCheckpoint checkpoint, int firstJournalAfter, boolean archiveReplaced)
            throws IOException {
        Path tmp = dir.resolve("checkpoint.tmp");
        try (FileChannel ch = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            checkpoint.writeTo(buffered(ch));
            ch.force(true);
        }
        Files.move(tmp, dir.resolve("checkpoint"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory();
        dropJournals(firstJournalAfter, checkpoint.position(), archiveReplaced);
        durable = Math.max(durable, checkpoint.position());
    }

    /** Deletes, or archives, the journals before {@code firstAfter}; {@code upTo} covers them. */
    private synchronized void dropJournals(int firstAfter, long upTo, boolean archiveReplaced) throws IOException {
        List<Path> replaced =
                journals().stream().filter(p -> index(p) < firstAfter).toList();
        if (archive != null && archiveReplaced) {
            archive.keep(replaced, upTo);
        } else {
            for (Path p : replaced) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * Replaces all state with {@code checkpoint} (after a state transfer or a rebuild): journals
     * dropped, checkpoint written, a new journal opened. Call while nothing is delivered.
     */
    public synchronized void reset(ReplicaCheckpoint checkpoint) throws IOException {
        closeJournal();
        journalIndex++;
        writeCheckpoint(checkpoint, journalIndex, false);
        if (archive != null) {
            archive.clear(checkpoint.position());
        }
        openJournal();
        bytesSinceCheckpoint = 0;
        written = checkpoint.position();
        durable = checkpoint.position();
    }

    /** This replica's own local snapshot, kept beside the checkpoint. */
    public LocalSnapshot localSnapshot() {
        return localSnapshot;
    }

    /**
     * Opens the archive and the journals in use, as they are now, for a peer to replay every
     * command after {@link ArchiveView#base()}; empty when this store keeps no archive.
     */
    public synchronized Optional<ArchiveView> archiveView() throws IOException {
        if (archive == null) {
            return Optional.empty();
        }
        List<Path> files = new java.util.ArrayList<>(archive.journals());
        if (!archive.full()) {
            files.addAll(journals());
        }
        long end = archive.full() ? archive.end() : Math.max(written, archive.end());
        return Optional.of(ArchiveView.open(archive.base(), end, files));
    }

    /** What the archive holds, for {@code /status}; empty when this store keeps no archive. */
    public synchronized Optional<ArchiveView.Summary> archiveSummary() {
        if (archive == null) {
            return Optional.empty();
        }
        return Optional.of(new ArchiveView.Summary(
                archive.base(),
                archive.full() ? archive.end() : Math.max(written, archive.end()),
                archive.bytes(),
                archive.full()));
    }

    /** The last position recorded (in the page cache at least). */
    public long writtenPosition() {
        return written;
    }

    /** The last position that survives a crash of the node. */
    public long durablePosition() {
        return durable;
    }

    @Override
    public synchronized void close() {
        if (journal != null) {
            try {
                journal.force(false);
            } catch (IOException e) {
                // closing anyway
            }
        }
        closeJournal();
        if (temporary) {
            deleteDirectory();
        }
    }

    private void deleteDirectory() {
        if (!Directories.deleteTree(dir)) {
            log.debug("cannot remove all of {}", dir);
        }
    }

    private void record(byte type, long position, JournalRecords.Body body) {
        FileChannel j = journal;
        if (j == null) {
            return;
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(JournalRecords.frame(type, position, body));
            int n = b.remaining();
            while (b.hasRemaining()) {
                j.write(b);
            }
            bytesSinceCheckpoint += n;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the journal in " + dir + ": " + e.getMessage(), e);
        }
    }

    private List<Path> journals() throws IOException {
        return journalsIn(dir);
    }

    /** The journal files in {@code directory}, oldest first (none if it does not exist). */
    static List<Path> journalsIn(Path directory) throws IOException {
        try (Stream<Path> s = Files.list(directory)) {
            return s.filter(p -> p.getFileName().toString().matches("journal-\\d{10}"))
                    .sorted()
                    .toList();
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }

    private static int index(Path journal) {
        return Integer.parseInt(journal.getFileName().toString().substring("journal-".length()));
    }

    private void openJournal() {
        try {
            journal = FileChannel.open(
                    dir.resolve(String.format("journal-%010d", journalIndex)),
                    StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
            syncDirectory();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a journal in " + dir + ": " + e.getMessage(), e);
        }
    }

    private void closeJournal() {
        FileChannel j = journal;
        journal = null;
        if (j != null) {
            try {
                j.close();
            } catch (IOException e) {
                // nothing to do
            }
        }
    }

    private void syncDirectory() throws IOException {
        syncDirectory(dir);
    }

    /** Makes a rename in {@code dir} durable, where the file system can sync a directory. */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some file systems cannot sync a directory; the rename is still atomic
        }
    }
}
