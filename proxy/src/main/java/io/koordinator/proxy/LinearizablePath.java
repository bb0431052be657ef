package io.koordinator.proxy;

import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.SequencerUnavailableException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpRequest;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The linearizable read filter ({@code --read-policy linearizable}, GET and HEAD): nothing is
 * written to the log. The read joins the next read barrier ({@link SharedBarrier}, issued after
 * it arrived), waits until this replica has applied the barrier's position (the follower's applied
 * position moves only once the app has answered the delivery, so "read from ZooKeeper but not yet
 * delivered" does not count), then goes to the local app as a pass-through request would.
 *
 * <p>Every write that completed before the read arrived is in the log at or below the barrier, so
 * the app has applied it when it serves the read: the read never sees a state older than one a
 * client was told about. The read goes only to the app incarnation this replica's state belongs
 * to: a new upstream connection that reaches another incarnation (the app restarted and may have
 * lost its state) is vetoed.
 *
 * <table>
 *   <caption>Local replies</caption>
 *   <tr><th>status</th><th>error</th><th>when</th></tr>
 *   <tr><td>503</td><td>replica_not_delivering</td><td>the replica is not DELIVERING (catching up,
 *       transferring, quarantined, draining) when the read arrives or when its barrier is
 *       reached, or the app restarted; with {@code Retry-After}</td></tr>
 *   <tr><td>503</td><td>read_barrier_unavailable</td><td>no barrier could be obtained (ZooKeeper
 *       unreachable); nothing was written; with {@code Retry-After}</td></tr>
 *   <tr><td>504</td><td>timeout</td><td>the barrier or the wait for it ran past {@code
 *       --request-timeout} (the request timer of the connection answers)</td></tr>
 * </table>
 *
 * <p>Threading: {@link #submit} runs on the downstream event loop; barrier completions come on a
 * sequencer thread and hand over to that event loop, where the wait polls every {@value
 * #POLL_MICROS} µs until the position is applied.
 */
final class LinearizablePath {
    static final long POLL_MICROS = 250;
    private static final Logger log = LoggerFactory.getLogger(LinearizablePath.class);

    private final ProxyConfig config;
    private final SharedBarrier barriers;
    private final PassThroughPath local;
    private final Supplier<String> refusal;
    private final LongSupplier applied;
    private final Supplier<String> newConnectionVeto;
    private final ProxyMetrics metrics;
    private volatile boolean unavailableLogged;

    /**
     * @param refusal why this replica cannot serve linearizable reads now (not DELIVERING), or
     *     {@code null} when it can
     * @param applied the position this replica has applied (delivered and answered by the app)
     * @param newConnectionVeto why a new upstream connection must not be used, or {@code null}
     */
    LinearizablePath(
            ProxyConfig config,
            SharedBarrier barriers,
            PassThroughPath local,
            Supplier<String> refusal,
            LongSupplier applied,
            Supplier<String> newConnectionVeto,
            ProxyMetrics metrics) {
        this.config = config;
        this.barriers = barriers;
        this.local = local;
        this.refusal = refusal;
        this.applied = applied;
        this.newConnectionVeto = newConnectionVeto;
        this.metrics = metrics;
        metrics.readBarrierGauges(barriers::issued, barriers::joined);
    }

    void submit(EventLoop loop, ResponseSlot slot, FullHttpRequest request) {
        String refused = refusal.get();
        if (refused != null) {
            request.release();
            slot.complete(LocalReplies.unavailable("replica_not_delivering", refused));
            return;
        }
        barriers.join().whenComplete((position, error) -> {
            try {
                loop.execute(() -> afterBarrier(loop, slot, request, position, error));
            } catch (RejectedExecutionException e) {
                request.release(); // shutting down: the connection goes with the event loop
            }
        });
    }

    private void afterBarrier(
            EventLoop loop, ResponseSlot slot, FullHttpRequest request, Long position, Throwable error) {
        if (error != null) {
            request.release();
            Throwable cause =
                    error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (!unavailableLogged) {
                unavailableLogged = true;
                log.warn("{} no read barrier, linearizable reads answer 503: {}", config.logId(), cause.toString());
            }
            metrics.readBarrierFailed();
            String detail = cause instanceof SequencerUnavailableException
                    ? "no read barrier: the ordering service (ZooKeeper) is unreachable: " + cause.getMessage()
                    : "no read barrier: " + cause;
            slot.complete(LocalReplies.unavailable("read_barrier_unavailable", detail));
            return;
        }
        if (unavailableLogged) {
            unavailableLogged = false;
            log.info("{} read barriers succeed again", config.logId());
        }
        awaitApplied(loop, slot, request, position);
    }

    private void awaitApplied(EventLoop loop, ResponseSlot slot, FullHttpRequest request, long position) {
        if (slot.isAnswered()) {
            request.release(); // timed out (504) or the connection went away
            return;
        }
        String refused = refusal.get();
        if (refused != null) {
            request.release();
            slot.complete(LocalReplies.unavailable("replica_not_delivering", refused));
            return;
        }
        if (position == Positions.NONE || applied.getAsLong() >= position) {
            metrics.linearizableRead(System.nanoTime() - slot.acceptNanos);
            local.forward(loop, slot, request, newConnectionVeto);
            return;
        }
        try {
            loop.schedule(() -> awaitApplied(loop, slot, request, position), POLL_MICROS, TimeUnit.MICROSECONDS);
        } catch (RejectedExecutionException e) {
            request.release();
        }
    }
}
