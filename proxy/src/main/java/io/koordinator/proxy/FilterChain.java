package io.koordinator.proxy;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The filters after limits and validation, shared by every downstream connection: classification
 * (ordered, linearizable read or pass-through), then the ordered path (behind the {@link
 * OrderedInFlightLimit}), the linearizable read path ({@link LinearizablePath}) or the pass-through
 * path. Also keeps the count of requests in progress, which shutdown drains, and
 * counts and logs every hit of a limit ({@link #limitHit}).
 *
 * <p>A request is pass-through if its path starts with one of {@code --pass-through}'s prefixes,
 * or if it is a GET or HEAD and {@code --read-policy} is {@code local}; a GET or HEAD under {@code
 * --read-policy linearizable} is a linearizable read; every other request is ordered.
 *
 * <p>Threading: {@link #dispatch} runs on the downstream connection's event loop; the counters are
 * atomic.
 */
final class FilterChain {
    private final ProxyConfig config;
    private final ProxyMetrics metrics;
    private final OrderedPath ordered;
    private final PassThroughPath passThrough;
    private final LinearizablePath linearizable;
    private final OrderedInFlightLimit orderedLimit;
    private final LimitLog limitLog;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean draining;

    FilterChain(
            ProxyConfig config,
            ProxyMetrics metrics,
            OrderedPath ordered,
            PassThroughPath passThrough,
            LinearizablePath linearizable) {
        this.config = config;
        this.metrics = metrics;
        this.ordered = ordered;
        this.passThrough = passThrough;
        this.linearizable = linearizable;
        this.orderedLimit = new OrderedInFlightLimit(
                config.limits().maxOrderedInFlight(), config.limits().maxOrderedInFlightBytes());
        this.limitLog = new LimitLog(config.logId());
        metrics.orderedInFlightGauges(orderedLimit::requests, orderedLimit::bytes);
    }

    ProxyConfig config() {
        return config;
    }

    ProxyMetrics metrics() {
        return metrics;
    }

    void dispatch(EventLoop loop, ResponseSlot slot, FullHttpRequest request) {
        if (isPassThrough(request.method(), request.uri())) {
            slot.requestClass = "pass_through";
            passThrough.forward(loop, slot, request);
        } else if (isLinearizableRead(request.method())) {
            slot.requestClass = "linearizable";
            linearizable.submit(loop, slot, request);
        } else {
            slot.requestClass = "ordered";
            int bodyBytes = request.content().readableBytes();
            String refusal = orderedLimit.tryAcquire(bodyBytes);
            if (refusal != null) {
                request.release();
                limitHit(Limit.MAX_ORDERED_IN_FLIGHT, refusal + "; answering 503");
                slot.complete(LocalReplies.unavailable("overloaded", refusal));
                return;
            }
            slot.onCleanup(() -> orderedLimit.release(bodyBytes));
            ordered.submit(slot, request);
        }
    }

    /** Counts a hit of {@code limit} and logs it (one WARN a minute per limit at most). */
    void limitHit(Limit limit, String detail) {
        metrics.limitHit(limit);
        limitLog.hit(limit, detail);
    }

    boolean isPassThrough(HttpMethod method, String uri) {
        if (config.readPolicy() == ReadPolicy.LOCAL
                && (HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method))) {
            return true;
        }
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        List<String> prefixes = config.passThrough();
        for (String prefix : prefixes) {
            if (path.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private boolean isLinearizableRead(HttpMethod method) {
        return config.readPolicy() == ReadPolicy.LINEARIZABLE
                && (HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method));
    }

    void requestStarted() {
        inFlight.incrementAndGet();
    }

    void requestFinished(ResponseSlot slot, Reply reply) {
        inFlight.decrementAndGet();
        metrics.answered(slot.requestClass, reply);
    }

    void requestAbandoned() {
        inFlight.decrementAndGet();
    }

    int inFlight() {
        return inFlight.get();
    }

    /** From now on every response closes its connection. */
    void startDraining() {
        draining = true;
    }

    boolean isDraining() {
        return draining;
    }
}
