package io.koordinator.proxy;

import io.koordinator.sequencer.AppendOutcomeUnknownException;
import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.RequestId;
import io.koordinator.sequencer.Sequencer;
import io.koordinator.sequencer.SequencerUnavailableException;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.FullHttpRequest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ordering filter: turns a request into a command, appends it to the log, and parks the
 * request in {@link WaitingRequests} until this replica's delivery loop reaches the command's
 * position. Like Envoy's {@code StopIteration}: the request goes no further until it has its
 * position.
 *
 * <p>Outcomes are told truthfully: 503 {@code ordering_unavailable} only when nothing was written
 * (the replica refused, or the sequencer could not send the append); an append whose outcome is
 * unknown ({@link AppendOutcomeUnknownException}) keeps its request waiting for its position or
 * its timeout (504, "may still be applied").
 *
 * <p>Threading: {@link #submit} runs on a downstream event loop and never blocks; append
 * completions run on a sequencer thread.
 */
final class OrderedPath {
    private static final Logger log = LoggerFactory.getLogger(OrderedPath.class);

    private final ProxyConfig config;
    private final Sequencer sequencer;
    private final Supplier<String> deliveryRefusal;
    private final WaitingRequests waiting;
    private final ProxyMetrics metrics;
    /** Starts at the wall clock in microseconds so it never repeats across restarts of one replica. */
    private final AtomicLong counter = new AtomicLong(ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now()));

    private volatile boolean unavailableLogged;

    /**
     * @param deliveryRefusal why this replica cannot deliver now, or {@code null} when it can
     */
    OrderedPath(
            ProxyConfig config,
            Sequencer sequencer,
            WaitingRequests waiting,
            ProxyMetrics metrics,
            Supplier<String> deliveryRefusal) {
        this.config = config;
        this.sequencer = sequencer;
        this.waiting = waiting;
        this.metrics = metrics;
        this.deliveryRefusal = deliveryRefusal;
    }

    void submit(ResponseSlot slot, FullHttpRequest request) {
        Command command;
        try {
            String refusal = deliveryRefusal.get();
            if (refusal != null) {
                slot.complete(LocalReplies.unavailable("replica_not_delivering", refusal));
                return;
            }
            HeaderRules.forUpstream(request.headers());
            String idempotencyKey = request.headers().get(HeaderRules.IDEMPOTENCY_KEY);
            RequestData data = new RequestData(
                    request.method().name(),
                    request.uri(),
                    HeaderRules.toList(request.headers()),
                    ByteBufUtil.getBytes(request.content()));
            RequestId id = new RequestId(config.replicaId(), counter.getAndIncrement());
            command = new Command(id, System.currentTimeMillis(), idempotencyKey, RequestCodec.encode(data));
        } finally {
            request.release();
        }
        slot.requestId = command.requestId();
        waiting.park(command.requestId(), slot);
        sequencer.append(command).whenComplete((position, error) -> {
            if (error != null) {
                onAppendFailed(slot, error);
                return;
            }
            slot.appendedAt = position;
            metrics.appended(System.nanoTime() - slot.acceptNanos);
            if (unavailableLogged) {
                unavailableLogged = false;
                log.info("{} appends succeed again", config.logId());
            }
        });
    }

    private void onAppendFailed(ResponseSlot slot, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof AppendOutcomeUnknownException) {
            // It may be in the log: the request keeps waiting for its position, or its timeout.
            log.debug("{} append outcome unknown, waiting for delivery: {}", config.logId(), cause.getMessage());
            return;
        }
        if (!unavailableLogged) {
            unavailableLogged = true;
            log.warn("{} cannot append to the log: {}", config.logId(), cause.toString());
        }
        String detail = cause instanceof SequencerUnavailableException
                ? "the ordering service (ZooKeeper) is unreachable: " + cause.getMessage()
                : "append failed: " + cause;
        slot.complete(LocalReplies.unavailable("ordering_unavailable", detail));
    }
}
