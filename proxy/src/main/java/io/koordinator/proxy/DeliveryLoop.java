package io.koordinator.proxy;

import io.koordinator.proxy.state.CachedResponse;
import io.koordinator.proxy.state.ResponseCache;
import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.LogListener;
import io.koordinator.sequencer.Positions;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the log to the app: each command, in log order, one at a time, with {@code
 * X-Koordinator-Position}, {@code -Time} and {@code -Request-Id} added. The origin's waiting client
 * gets its app's response; other replicas drop theirs, after folding it into the digest. Every
 * delivery is journalled: an intent before it is sent, its answer after ({@link ReplicaLedger}).
 *
 * <p>Failures, and what they mean for the command:
 *
 * <table>
 *   <caption>delivery failures</caption>
 *   <tr><th>failure</th><th>the app saw it?</th><th>what happens</th></tr>
 *   <tr><td>connection refused</td><td>no</td><td>retried without limit, at most a second apart; the
 *       replica waits for the app ({@link DeliveryEvents#appWaiting})</td></tr>
 *   <tr><td>pooled connection found closed</td><td>no</td><td>retried a few times</td></tr>
 *   <tr><td>a new connection reaches another app incarnation</td><td>no</td><td>stops: {@link
 *       DeliveryStopped.Cause#APP_RESTARTED}; the app's state must be recovered first</td></tr>
 *   <tr><td>reset, timeout, bad response after sending</td><td>maybe</td><td>stops: {@link
 *       DeliveryStopped.Cause#IN_DOUBT}</td></tr>
 * </table>
 *
 * A stopped delivery never skips the command; the waiting client of a command in doubt gets 504
 * (the command is in the log: the group applies it), and the other waiting clients keep waiting
 * for their commands or their timeouts.
 *
 * <p>Threading: called by the follower thread only (the {@link LogListener} contract); it blocks
 * while the app works, which is the follower's backpressure. The upstream connection is a blocking
 * {@link DeliveryConnection} used on the follower thread itself: no hand-off to an event loop and
 * back per command.
 */
final class DeliveryLoop implements LogListener {
    static final int MAX_STALE_ATTEMPTS = 5;
    static final Duration FIRST_BACKOFF = Duration.ofMillis(50);
    static final Duration MAX_WAIT_BACKOFF = Duration.ofSeconds(1);
    /** Longest the app may take for one command before delivery gives up on it. */
    static final Duration MIN_APP_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(DeliveryLoop.class);

    private final ProxyConfig config;
    private final DeliveryConnection connection;
    private final WaitingRequests waiting;
    private final ProxyMetrics metrics;
    private final ReplicaLedger ledger;
    private final DeliveryEvents events;
    private final long redeliver;
    private final long appTimeoutMillis;

    private long entry = Positions.NONE; // follower thread only
    private int commandsInEntry;

    /**
     * @param upstream gives this loop its own {@link DeliveryConnection} (closing the previous loop's)
     * @param redeliver a position the app may already have applied and is sent again, marked with
     *     {@code X-Koordinator-Redelivery: true} (position-aware apps skip it), or {@link Positions#NONE}
     */
    DeliveryLoop(
            ProxyConfig config,
            UpstreamClient upstream,
            WaitingRequests waiting,
            ProxyMetrics metrics,
            ReplicaLedger ledger,
            DeliveryEvents events,
            long redeliver) {
        this.config = config;
        this.connection = upstream.newDeliveryConnection();
        this.waiting = waiting;
        this.metrics = metrics;
        this.ledger = ledger;
        this.events = events;
        this.redeliver = redeliver;
        this.appTimeoutMillis =
                Math.max(MIN_APP_TIMEOUT.toMillis(), config.requestTimeout().toMillis() * 3);
    }

    ReplicaLedger ledger() {
        return ledger;
    }

    @Override
    public void onCommand(long position, Command command) throws Exception {
        countEntry(position);
        RequestData data;
        try {
            data = RequestCodec.decode(command.payload());
        } catch (IllegalArgumentException e) {
            throw new DeliveryStopped(
                    DeliveryStopped.Cause.CORRUPT, position, "the command is corrupt: " + e.getMessage(), e);
        }
        ledger.intent(position, command);
        FullHttpResponse response = deliver(position, command, data);
        byte[] body = ByteBufUtil.getBytes(response.content());
        ledger.delivered(position, command, response.status().code(), HeaderRules.toList(response.headers()), body);
        ResponseSlot slot = isMine(command) ? waiting.claim(command.requestId()) : null;
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
        ledger.duplicate(position, command);
        metrics.duplicate();
        ResponseSlot slot = isMine(command) ? waiting.claim(command.requestId()) : null;
        if (slot == null) {
            return;
        }
        slot.position = position;
        if (command.idempotencyKey() != null) {
            var cached = ledger.cached(command.idempotencyKey());
            if (cached.isPresent()) {
                metrics.idempotentReplay();
                slot.complete(Reply.fromApp(replay(cached.get(), originalPosition)));
                return;
            }
        }
        slot.complete(LocalReplies.duplicate(position, originalPosition));
    }

    @Override
    public void onStopped(Throwable cause) {
        flushEntryCount();
        connection.close();
        if (cause instanceof DeliveryStopped stopped && stopped.kind() == DeliveryStopped.Cause.IN_DOUBT) {
            // (the slot of the command in doubt was answered in deliver())
            log.warn("{} delivery stopped with a command in doubt: {}", config.logId(), stopped.getMessage());
        }
        events.followerStopped(cause);
    }

    /** Flushes the entry count of the last entry. */
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
        int staleAttempts = 0;
        while (true) {
            try {
                FullHttpResponse response = connection.exchange(
                        toHttp(position, command, data), appTimeoutMillis, events::newConnectionVeto);
                events.appAnswered();
                return response;
            } catch (UpstreamException u) {
                switch (u.kind()) {
                    case CONNECT -> {
                        // The app never saw it: wait for the app, however long.
                        events.appWaiting(u.getMessage());
                        Thread.sleep(backoff);
                        backoff = Math.min(backoff * 2, MAX_WAIT_BACKOFF.toMillis());
                    }
                    case STALE -> {
                        if (++staleAttempts > MAX_STALE_ATTEMPTS) {
                            throw inDoubt(position, command, u);
                        }
                        log.debug("{} retrying {}: {}", config.logId(), Positions.format(position), u.getMessage());
                    }
                    case VETOED ->
                        throw new DeliveryStopped(DeliveryStopped.Cause.APP_RESTARTED, position, u.getMessage(), u);
                    default -> throw inDoubt(position, command, u);
                }
            }
        }
    }

    private DeliveryStopped inDoubt(long position, Command command, UpstreamException cause) {
        ResponseSlot slot = isMine(command) ? waiting.claim(command.requestId()) : null;
        if (slot != null) {
            slot.complete(LocalReplies.outcomeUnknown("the app failed while handling the command (" + cause.getMessage()
                    + "); the command is in the log and is applied by the group"));
        }
        return new DeliveryStopped(
                DeliveryStopped.Cause.IN_DOUBT,
                position,
                "the app failed while handling a command: " + cause.getMessage(),
                cause);
    }

    private boolean isMine(Command command) {
        return command.requestId().origin().equals(config.replicaId());
    }

    private static FullHttpResponse replay(ResponseCache.Entry cached, long originalPosition) {
        CachedResponse r = cached.response();
        FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()), Unpooled.wrappedBuffer(r.body()));
        for (Map.Entry<String, String> h : r.headers()) {
            response.headers().add(h.getKey(), h.getValue());
        }
        HeaderRules.stripHopByHop(response.headers());
        response.headers().set(HeaderRules.REPLAYED_FROM, Long.toString(originalPosition));
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
        return response;
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
        if (position == redeliver) {
            h.set(HeaderRules.REDELIVERY, "true");
        }
        return r;
    }
}
