package io.koordinator.proxy;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.util.function.Supplier;

/**
 * Pass-through: a plain reverse proxy to the app, no ordering. The upstream connection comes from
 * the pool of the downstream connection's event loop. A request that met a pooled connection the
 * app had already closed (no response byte came back) is sent once more on a fresh connection,
 * as apps close idle keep-alive connections whenever they like, but only a request that is safe to
 * repeat ({@code GET}, {@code HEAD}, {@code OPTIONS}, {@code TRACE}): the app may have read and
 * acted on any other before it closed, and it gets an error instead (Go's HTTP transport keeps
 * the same rule).
 */
final class PassThroughPath {
    private final UpstreamClient upstream;
    private final ProxyConfig config;

    PassThroughPath(UpstreamClient upstream, ProxyConfig config) {
        this.upstream = upstream;
        this.config = config;
    }

    void forward(EventLoop loop, ResponseSlot slot, FullHttpRequest request) {
        forward(loop, slot, request, null);
    }

    /**
     * As {@link #forward(EventLoop, ResponseSlot, FullHttpRequest)}; a new upstream connection is
     * first put to {@code newConnectionVeto} (see {@link UpstreamClient#send(EventLoop,
     * FullHttpRequest, long, Supplier)}); a veto answers 503 {@code replica_not_delivering}.
     */
    void forward(EventLoop loop, ResponseSlot slot, FullHttpRequest request, Supplier<String> newConnectionVeto) {
        HeaderRules.forUpstream(request.headers());
        request.headers()
                .setInt(HttpHeaderNames.CONTENT_LENGTH, request.content().readableBytes());
        if (!request.headers().contains(HttpHeaderNames.HOST)) {
            request.headers().set(HttpHeaderNames.HOST, config.appHost() + ":" + config.appPort());
        }
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
        send(loop, slot, request, safeToRepeat(request.method()), newConnectionVeto);
    }

    private static boolean safeToRepeat(HttpMethod method) {
        return HttpMethod.GET.equals(method)
                || HttpMethod.HEAD.equals(method)
                || HttpMethod.OPTIONS.equals(method)
                || HttpMethod.TRACE.equals(method);
    }

    private void send(
            EventLoop loop,
            ResponseSlot slot,
            FullHttpRequest request,
            boolean mayRetry,
            Supplier<String> newConnectionVeto) {
        FullHttpRequest spare = mayRetry ? request.retainedDuplicate() : null;
        long timeout = config.requestTimeout().toMillis();
        upstream.send(loop, request, timeout, newConnectionVeto).whenComplete((response, error) -> {
            if (spare != null
                    && error instanceof UpstreamException u
                    && u.kind() == UpstreamException.Kind.STALE
                    && !slot.isAnswered()) {
                send(loop, slot, spare, false, newConnectionVeto);
                return;
            }
            if (spare != null) {
                spare.release();
            }
            if (error == null) {
                slot.complete(Reply.fromApp(response));
            } else if (error instanceof UpstreamException u && u.kind() == UpstreamException.Kind.VETOED) {
                slot.complete(LocalReplies.unavailable("replica_not_delivering", u.getMessage()));
            } else if (error instanceof UpstreamException u && u.kind() == UpstreamException.Kind.TIMEOUT) {
                slot.complete(LocalReplies.timeout(u.getMessage()));
            } else {
                slot.complete(LocalReplies.appUnreachable(error.getMessage()));
            }
        });
    }
}
