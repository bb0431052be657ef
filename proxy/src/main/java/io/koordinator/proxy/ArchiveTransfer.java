package io.koordinator.proxy;

import io.koordinator.proxy.state.ArchiveView;
import io.koordinator.proxy.state.StateStore;
import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.ReplicaInfo;
import io.koordinator.sequencer.Sequencer;
import io.netty.handler.codec.http.HttpResponseStatus;
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
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * State transfer between peers in archive mode, for apps without snapshot endpoints: a peer sends
 * the commands its {@link io.koordinator.proxy.state.LogArchive archive} and journals hold after a
 * position, and the joiner replays them into its app ({@link ArchiveReplay}) before it follows
 * ZooKeeper from where they end. A replica whose app lost its state can do the same from its own
 * archive, with no peer at all.
 *
 * <p>{@code GET /transfer/archive?after=<position>} on the admin port, with {@code Authorization:
 * Bearer <group token>}: 200 with the journals laid end to end, and the headers {@value #BASE},
 * {@value #END} and {@value #LOG}; 404 when the replica keeps no archive; 409 when its archive
 * starts after {@code after}.
 *
 * <p>Threading: serving runs on the admin port's blocking executor, fetching on the control thread.
 */
final class ArchiveTransfer {
    private static final Logger log = LoggerFactory.getLogger(ArchiveTransfer.class);
    static final String PATH = "/transfer/archive";
    static final String BASE = "X-Koordinator-Archive-Base";
    static final String END = "X-Koordinator-Archive-End";
    static final String LOG = "X-Koordinator-Log";
    private static final Duration TIMEOUT = Duration.ofMinutes(30);

    /** A refusal to serve, with its HTTP status. */
    static final class Refused extends Exception {
        final HttpResponseStatus status;
        final String error;

        Refused(HttpResponseStatus status, String error, String message) {
            super(message);
            this.status = status;
            this.error = error;
        }
    }

    /** An archive on this replica's disk, ready to replay: {@code commands} after the start, up to {@code last}. */
    record Fetched(Path file, long commands, long last, String from) {}

    private final ProxyConfig config;
    private final Sequencer sequencer;
    private final ProxyMetrics metrics;
    private final HttpClient http;
    private final Callable<String> token;

    ArchiveTransfer(ProxyConfig config, Sequencer sequencer, ProxyMetrics metrics, Callable<String> token) {
        this.config = config;
        this.sequencer = sequencer;
        this.metrics = metrics;
        this.token = token;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    // ---- the peer that serves ----

    /** The archive, opened for a peer that replays everything after {@code after}. */
    static ArchiveView serve(StateStore store, String uri) throws Refused, IOException {
        long after = after(uri);
        Optional<ArchiveView> view = store.archiveView();
        if (view.isEmpty()) {
            throw new Refused(
                    HttpResponseStatus.NOT_FOUND,
                    "no_archive",
                    "this replica keeps no log archive (its app has snapshot endpoints, or "
                            + ProxyConfigKeys.Key.ARCHIVE_MAX_BYTES.flag() + " is 0)");
        }
        ArchiveView v = view.get();
        if (after < v.base()) {
            v.close();
            throw new Refused(
                    HttpResponseStatus.CONFLICT,
                    "archive_starts_later",
                    "this replica's archive starts after " + Positions.format(v.base()) + ", not at "
                            + Positions.format(after));
        }
        return v;
    }

    private static long after(String uri) throws Refused {
        int q = uri.indexOf("?after=");
        if (q < 0) {
            return Positions.NONE;
        }
        try {
            return Long.parseLong(uri.substring(q + "?after=".length()));
        } catch (NumberFormatException e) {
            throw new Refused(HttpResponseStatus.BAD_REQUEST, "bad_position", "after= takes a position (a number)");
        }
    }

    // ---- the joiner ----

    /** A peer's archive of everything after {@code after}, stored in {@code dir}. */
    Fetched fromPeer(Path dir, long after) throws Exception {
        return Peers.first(sequencer, config, "an archive", peer -> fetch(peer, dir, after));
    }

    private Fetched fetch(ReplicaInfo peer, Path dir, long after) throws Exception {
        long started = System.nanoTime();
        Files.createDirectories(dir);
        Path file = dir.resolve("received.archive");
        HttpResponse<InputStream> r = http.send(
                HttpRequest.newBuilder(URI.create("http://" + peer.address() + PATH + "?after=" + after))
                        .timeout(TIMEOUT)
                        .header("Authorization", "Bearer " + token.call())
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            if (r.statusCode() != 200) {
                String body = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
                throw new IOException("peer " + peer.replicaId() + " answered " + r.statusCode() + ": " + body);
            }
            String theirs = r.headers().firstValue(LOG).orElse("");
            String mine = sequencer.logIdentity().orElse("");
            if (!theirs.equals(mine)) {
                throw new IOException("peer " + peer.replicaId() + " follows another log (" + theirs + ", this replica "
                        + mine + ")");
            }
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        Fetched f = check(file, after, "peer " + peer.replicaId() + "'s log archive");
        log.info(
                "{} received {} bytes of log archive from {} in {} ms: {} commands up to {}",
                config.logId(),
                Files.size(file),
                peer.replicaId(),
                (System.nanoTime() - started) / 1_000_000,
                f.commands(),
                Positions.format(f.last()));
        metrics.transferServed("archive_received");
        return f;
    }

    /** This replica's own archive of everything after {@code after}, copied into {@code dir}, if it holds it. */
    Optional<Fetched> fromOwn(StateStore store, Path dir, long after) throws Exception {
        Optional<ArchiveView> view = store.archiveView();
        if (view.isEmpty() || view.get().base() > after) {
            view.ifPresent(v -> {
                try {
                    v.close();
                } catch (IOException e) {
                    // read-only files
                }
            });
            return Optional.empty();
        }
        Files.createDirectories(dir);
        Path file = dir.resolve("own.archive");
        try (InputStream in = view.get().stream()) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        try {
            return Optional.of(check(file, after, "this replica's own log archive"));
        } catch (IOException e) {
            log.info("{} cannot rebuild from its own archive: {}", config.logId(), e.getMessage());
            Files.deleteIfExists(file);
            return Optional.empty();
        }
    }

    /** Counts the commands in {@code file} and checks that the log still holds what follows them. */
    private Fetched check(Path file, long after, String from) throws Exception {
        long[] commands = {0};
        long last;
        try (InputStream in = Files.newInputStream(file)) {
            last = ArchiveView.replay(in, after, (position, command, duplicate) -> commands[0]++);
        }
        long floor = sequencer.compactionFloor();
        if (!Positions.followableAfter(last, floor)) {
            Files.deleteIfExists(file);
            throw new IOException(from + " ends at " + Positions.format(last) + ", before the compaction floor "
                    + Positions.format(floor));
        }
        return new Fetched(file, commands[0], last, from);
    }
}
