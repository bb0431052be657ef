package io.koordinator.proxy;

import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.LogListener;
import io.koordinator.sequencer.Positions;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the log to the app: each command, in log order, one at a time, with {@code
 * X-Koordinator-Position}, {@code -Time} and {@code -Request-Id} added. The origin's waiting client
 * gets its app's response; other replicas drop theirs.
 *
 * <p>Until the app has answered once, a refused connection only means the app is still starting
 * (in a pod the proxy starts first): the command, which the app never saw, is retried without
 * limit, at most a second apart, and the replica stays not ready ({@link #waitingForApp()}).
 *
 * <p>Once the app has answered, if it cannot take a command (refused, reset, timeout), the
 * command is retried a few times when that cannot apply it twice ({@link
 * UpstreamException#retryable()}); then delivery stops for good: the command is never skipped,
 * the replica turns not ready, its waiting clients get 502 (the failed command) or 503 (the
 * rest), and the exception stops the follower.
 *
 * <p>Threading: called by the follower thread only (the {@link LogListener} contract); it blocks
 * while the app works, which is the follower's backpressure. The upstream connection lives on a
 * dedicated event loop.
 */
final class DeliveryLoop implements LogListener {
    static final int MAX_ATTEMPTS = 5;
    static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    static final Duration MAX_STARTUP_BACKOFF = Duration.ofSeconds(1);
    /** Longest the app may take for one command before delivery gives up on it. */
    static final Duration MIN_APP_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(DeliveryLoop.class);

    private final ProxyConfig config;
    private final UpstreamClient upstream;
    private final EventLoop upstreamLoop;
    private final OrderedPath ordered;
    private final ProxyMetrics metrics;
    private final long appTimeoutMillis;

    private volatile String broken; // written by the follower thread, read anywhere
    private volatile String waitingForApp; // written by the follower thread, read anywhere
    private boolean appAnswered; // follower thread only
    private volatile long appliedPosition = Positions.NONE;
    private long entry = Positions.NONE; // follower thread only
    private int commandsInEntry;

    DeliveryLoop(
            ProxyConfig config,
            UpstreamClient upstream,
            EventLoop upstreamLoop,
            OrderedPath ordered,
            ProxyMetrics metrics) {
        this.config = config;
        this.upstream = upstream;
        this.upstreamLoop = upstreamLoop;
        this.ordered = ordered;
        this.metrics = metrics;
        this.appTimeoutMillis =
                Math.max(MIN_APP_TIMEOUT.toMillis(), config.requestTimeout().toMillis() * 3);
    }

    /** Why delivery stopped, or {@code null} while it works. */
    String broken() {
        return broken;
    }

    /** Why delivery waits for the app to start, or {@code null} once it has answered. */
    String waitingForApp() {
        return waitingForApp;
    }

    /** Position of the last command delivered (or skipped as a duplicate). */
    long appliedPosition() {
        return appliedPosition;
    }

    @Override
    public void onCommand(long position, Command command) throws Exception {
        countEntry(position);
        RequestData data;
        try {
            data = RequestCodec.decode(command.payload());
        } catch (IllegalArgumentException e) {
            throw stop(
                    position,
                    command,
                    "command at " + Positions.format(position) + " is corrupt: " + e.getMessage(),
                    e);
        }
        FullHttpResponse response = deliver(position, command, data);
        appliedPosition = position;
        ResponseSlot slot = isMine(command) ? ordered.claim(command.requestId()) : null;
        metrics.delivered(slot == null ? -1 : System.nanoTime() - slot.acceptNanos);
        if (slot != null) {
            slot.position = position;
            slot.complete(Reply.fromApp(response));
        } else {
            response.release();
        }
    }

    @Override
    public void onDuplicate(long position, Command command, long originalPosition) {
        countEntry(position);
        appliedPosition = position;
        metrics.duplicate();
        ResponseSlot slot = isMine(command) ? ordered.claim(command.requestId()) : null;
        if (slot != null) {
            slot.position = position;
            slot.complete(LocalReplies.duplicate(position, originalPosition));
        }
    }

    /** Flushes the entry count of the last entry; call when the follower stops. */
    void flushEntryCount() {
        if (commandsInEntry > 0) {
            metrics.entryDelivered(commandsInEntry);
            commandsInEntry = 0;
        }
    }

    private void countEntry(long position) {
        long e = Positions.entryOf(position);
        if (e != entry) {
            flushEntryCount();
            entry = e;
        }
        commandsInEntry++;
    }

    private FullHttpResponse deliver(long position, Command command, RequestData data) throws Exception {
        long backoff = FIRST_BACKOFF.toMillis();
        for (int attempt = 1; ; attempt++) {
            try {
                FullHttpResponse response = upstream.send(
                                upstreamLoop, toHttp(position, command, data), appTimeoutMillis)
                        .get();
                if (!appAnswered) {
                    appAnswered = true;
                    waitingForApp = null;
                }
                return response;
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (!appAnswered
                        && cause instanceof UpstreamException u
                        && u.kind() == UpstreamException.Kind.CONNECT) {
                    if (waitingForApp == null) {
                        waitingForApp = "waiting for the app at " + config.appHost() + ":" + config.appPort()
                                + " to accept connections";
                        log.info("{} {}", config.logId(), waitingForApp);
                    }
                    Thread.sleep(Math.min(backoff, MAX_STARTUP_BACKOFF.toMillis()));
                    backoff = Math.min(backoff * 2, MAX_STARTUP_BACKOFF.toMillis());
                    attempt = 0;
                    continue;
                }
                boolean retry = cause instanceof UpstreamException u && u.retryable() && attempt < MAX_ATTEMPTS;
                if (!retry) {
                    throw stop(
                            position,
                            command,
                            "cannot deliver " + Positions.format(position) + " to the app after " + attempt
                                    + " attempt(s): " + cause.getMessage(),
                            cause);
                }
                log.debug("{} retrying {} in {} ms: {}", config.logId(), position, backoff, cause.getMessage());
                Thread.sleep(backoff);
                backoff *= 2;
            }
        }
    }

    /** Stops delivery for good; returns the exception that stops the follower. */
    private Exception stop(long position, Command command, String reason, Throwable cause) {
        broken = reason;
        log.error("{} delivery stopped, replica not ready: {}", config.logId(), reason);
        ResponseSlot slot = isMine(command) ? ordered.claim(command.requestId()) : null;
        if (slot != null) {
            slot.complete(LocalReplies.appUnreachable(reason));
        }
        ordered.failAll(() -> LocalReplies.unavailable("replica_not_delivering", "delivery stopped: " + reason));
        return new IllegalStateException(reason, cause);
    }

    private boolean isMine(Command command) {
        return command.requestId().origin().equals(config.replicaId());
    }

    private FullHttpRequest toHttp(long position, Command command, RequestData data) {
        FullHttpRequest r = new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1,
                HttpMethod.valueOf(data.method()),
                data.uri(),
                Unpooled.wrappedBuffer(data.body()));
        HttpHeaders h = r.headers();
        for (Map.Entry<String, String> e : data.headers()) {
            h.add(e.getKey(), e.getValue());
        }
        HeaderRules.forUpstream(h);
        if (!h.contains(HttpHeaderNames.HOST)) {
            h.set(HttpHeaderNames.HOST, config.appHost() + ":" + config.appPort());
        }
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, data.body().length);
        h.set(HeaderRules.POSITION, Long.toString(position));
        h.set(HeaderRules.TIME, Long.toString(command.originTimeMillis()));
        h.set(HeaderRules.REQUEST_ID, command.requestId().toString());
        return r;
    }
}
