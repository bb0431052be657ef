package io.koordinator.proxy;

import io.koordinator.proxy.state.AppIncarnation;
import io.koordinator.proxy.state.ReplicaCheckpoint;
import io.koordinator.sequencer.Follower;
import io.koordinator.sequencer.ReplicaInfo;
import io.koordinator.sequencer.Sequencer;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * State transfer between peers, in snapshot mode: a ready peer pauses delivery between two
 * commands, takes its app's snapshot ({@code GET <snapshot-path>}) and its own {@link
 * ReplicaCheckpoint} at that moment, and streams both; the joiner restores the snapshot into its
 * own app ({@code PUT <snapshot-path>}) and follows the log from the checkpoint.
 *
 * <p>The wire format of {@code GET /transfer/snapshot} on the admin port: a 4-byte big-endian
 * length, the checkpoint's bytes, then the snapshot's bytes to the end of the body. The request
 * carries {@code Authorization: Bearer <group token>}, checked by {@link AdminAuth}.
 *
 * <p>Threading: {@link #restoreFromPeer} runs on the control thread, {@link #takeSnapshot} on the
 * admin port's blocking executor; both block on HTTP.
 */
final class SnapshotTransfer {
    private static final Logger log = LoggerFactory.getLogger(SnapshotTransfer.class);
    static final String PATH = "/transfer/snapshot";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SNAPSHOT_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration PAUSE_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_CHECKPOINT_BYTES = 512 * 1024 * 1024;

    /**
     * A snapshot taken: the checkpoint of that moment and the app's snapshot in a file. The
     * checkpoint is serialised by whoever sends or keeps it, after the pause: with a full
     * deduplication window that is tens of megabytes, which delivery should not wait for. {@code
     * heldNanos}: how long delivery was held for it (the app's answer, or only its headers when the
     * app {@linkplain AppSnapshotClient.Answer#fixed() fixed its state before them}, and the
     * checkpoint), not counting the wait for the delivery under way when it was asked; {@code
     * tookNanos}: from then to the body's last byte.
     */
    record Taken(ReplicaCheckpoint checkpoint, Path snapshot, long heldNanos, long tookNanos) {}

    private final ProxyConfig config;
    private final Sequencer sequencer;
    private final ProxyMetrics metrics;
    private final HttpClient http;
    private final AppSnapshotClient app;
    private final AdminAuth auth;
    private volatile ReplicaControl control;

    SnapshotTransfer(ProxyConfig config, Sequencer sequencer, ProxyMetrics metrics) {
        this.config = config;
        this.sequencer = sequencer;
        this.metrics = metrics;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .build();
        this.app = config.snapshotPath() == null
                ? null
                : new AppSnapshotClient(
                        config.appHost(), config.appPort(), config.snapshotPath(), CONNECT_TIMEOUT, SNAPSHOT_TIMEOUT);
        this.auth = new AdminAuth(config, sequencer, metrics);
    }

    void serveWith(ReplicaControl control) {
        this.control = control;
    }

    /** The group's token check, shared with every protected admin route. */
    AdminAuth auth() {
        return auth;
    }

    /** The group's token, for a joiner's requests to its peers ({@link AdminAuth#token()}). */
    String token() throws Exception {
        return auth.token();
    }

    // ---- the peer that serves ----

    /**
     * Pauses delivery between two commands and takes the app's snapshot with the checkpoint as of
     * then. Refused (with the reason) unless this replica is ready and has snapshot endpoints.
     */
    Taken takeSnapshot(ReplicaState state) throws Exception {
        if (config.snapshotPath() == null) {
            throw new IllegalStateException("this replica's app has no snapshot endpoints");
        }
        if (state != ReplicaState.DELIVERING) {
            throw new IllegalStateException("this replica is " + state + ", not DELIVERING");
        }
        return take();
    }

    /**
     * Pauses delivery between two commands and takes the app's snapshot with the checkpoint as of
     * then. The pause lasts until the app's whole answer is read, or only until its headers when
     * they state that the app fixed its state before sending them ({@link
     * HeaderRules#SNAPSHOT_POSITION}): the body is then read while delivery goes on.
     */
    Taken take() throws Exception {
        ReplicaControl c = Objects.requireNonNull(control, "control");
        Follower follower = c.follower().orElseThrow(() -> new IllegalStateException("not following the log"));
        ReplicaLedger ledger = c.ledger().orElseThrow(() -> new IllegalStateException("not delivering"));
        Path file = Files.createTempFile(transferDir(), "served-", ".snapshot");
        record Opened(ReplicaCheckpoint checkpoint, AppSnapshotClient.Answer answer) {}
        try {
            long asked = System.nanoTime();
            long[] start = new long[1];
            long[] held = new long[1];
            Opened opened = follower.betweenCommands(PAUSE_TIMEOUT, logCheckpoint -> {
                start[0] = System.nanoTime();
                AppSnapshotClient.Answer answer = null;
                try {
                    answer = app().open(logCheckpoint.position());
                    if (!answer.fixed()) {
                        answer.bodyTo(file);
                    }
                    return new Opened(ledger.checkpoint(logCheckpoint, c.appIncarnation(), c.logIdentity()), answer);
                } catch (IOException | RuntimeException e) {
                    closeQuietly(answer);
                    throw e instanceof IOException io ? new java.io.UncheckedIOException(io) : (RuntimeException) e;
                } finally {
                    held[0] = System.nanoTime() - start[0];
                }
            });
            metrics.deliveryPaused("snapshot", System.nanoTime() - asked);
            try (AppSnapshotClient.Answer answer = opened.answer()) {
                if (answer.fixed()) {
                    answer.bodyTo(file);
                }
            }
            long took = System.nanoTime() - start[0];
            log.debug(
                    "{} took a snapshot: {} bytes of app state, delivery held {} ms of {} ms",
                    config.logId(),
                    Files.size(file),
                    held[0] / 1_000_000,
                    took / 1_000_000);
            return new Taken(opened.checkpoint(), file, held[0], took);
        } catch (Exception e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    private static void closeQuietly(AppSnapshotClient.Answer answer) {
        if (answer != null) {
            try {
                answer.close();
            } catch (IOException e) {
                // closing after a failure: the failure is what is reported
            }
        }
    }

    // ---- the joiner ----

    /**
     * Restores the app's state from a ready peer's snapshot and returns the checkpoint to follow
     * from, matched to the app incarnation that took the snapshot.
     */
    ReplicaCheckpoint restoreFromPeer(AppIncarnation incarnations) throws Exception {
        if (incarnations.available() && incarnations.of(config.appPort()).isEmpty()) {
            throw new Peers.NoPeerException("the app is not listening yet");
        }
        return Peers.first(sequencer, config, "a snapshot", peer -> restoreFrom(peer, incarnations));
    }

    private ReplicaCheckpoint restoreFrom(ReplicaInfo peer, AppIncarnation incarnations) throws Exception {
        long started = System.nanoTime();
        Path file = Files.createTempFile(transferDir(), "received-", ".snapshot");
        try {
            HttpResponse<InputStream> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://" + peer.address() + PATH))
                            .timeout(SNAPSHOT_TIMEOUT)
                            .header("Authorization", AdminAuth.SCHEME + auth.token())
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            ReplicaCheckpoint checkpoint;
            String mine = sequencer.logIdentity().orElse("");
            try (DataInputStream in = new DataInputStream(r.body())) {
                if (r.statusCode() != 200) {
                    String body = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
                    throw new IOException("peer " + peer.replicaId() + " answered " + r.statusCode() + ": " + body);
                }
                int length = in.readInt();
                if (length < 0 || length > MAX_CHECKPOINT_BYTES) {
                    throw new IOException("peer " + peer.replicaId() + " sent a checkpoint of " + length + " bytes");
                }
                checkpoint = ReplicaCheckpoint.fromBytes(in.readNBytes(length));
                if (!checkpoint.logIdentity().equals(mine)) {
                    throw new IOException("peer " + peer.replicaId() + " follows another log ("
                            + checkpoint.logIdentity() + ", this replica " + mine + ")");
                }
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
            putIntoApp(file, checkpoint.position());
            OptionalLong now = incarnations.of(config.appPort());
            long bytes = Files.size(file);
            log.info(
                    "{} restored {} bytes of app state from {} in {} ms: {}",
                    config.logId(),
                    bytes,
                    peer.replicaId(),
                    (System.nanoTime() - started) / 1_000_000,
                    checkpoint);
            metrics.transferServed("joined");
            return checkpoint.withAppIncarnation(now.orElse(0));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Replaces the app's state with the snapshot in {@code file} ({@code PUT <snapshot-path>}). */
    void putIntoApp(Path file, long position) throws IOException, InterruptedException {
        app().put(position, file);
    }

    private AppSnapshotClient app() {
        if (app == null) {
            throw new IllegalStateException("this replica's app has no snapshot endpoints");
        }
        return app;
    }

    private Path transferDir() throws IOException {
        ReplicaControl c = control;
        Path dir = c == null
                ? Path.of(System.getProperty("java.io.tmpdir"))
                : c.store().directory().resolve("transfer");
        Files.createDirectories(dir);
        return dir;
    }
}
