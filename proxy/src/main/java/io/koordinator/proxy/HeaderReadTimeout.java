package io.koordinator.proxy;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The header-read timeout ({@code --header-read-timeout}): a downstream connection must send a
 * complete request head within the timeout, counted from accept for its first request (like
 * nginx's {@code client_header_timeout}) and from the first byte of the head for every later one
 * (like Envoy's {@code request_headers_timeout}); the wait between keep-alive requests is the idle
 * timeout's. A connection that runs past it gets 408 and is closed, so a slowloris client holds a
 * connection for the timeout at most.
 *
 * <p>While the connection has requests in progress the client waits for the proxy, not the other
 * way round (a pipelined head may be stuck behind the proxy's own backpressure): the timer then
 * starts again instead of firing.
 *
 * <p>Sits right after the {@link StrictRequestDecoder}: a decoded {@link HttpRequest} stops the
 * timer, and after each read the decoder tells whether a head has begun. Threading: event loop only.
 */
final class HeaderReadTimeout extends ChannelInboundHandlerAdapter {
    private final long timeoutNanos;
    private final StrictRequestDecoder decoder;
    private final FilterChain chain;

    // Event loop only.
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;
    private boolean fired;

    HeaderReadTimeout(FilterChain chain, StrictRequestDecoder decoder) {
        this.timeoutNanos = chain.config().limits().headerReadTimeout().toNanos();
        this.decoder = decoder;
        this.chain = chain;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            arm();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        arm();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            disarm();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (decoder.readingHead()) {
            arm();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        disarm();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        disarm();
    }

    private void arm() {
        if (timer == null && !fired) {
            timer = ctx.executor().schedule(this::expired, timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void disarm() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expired() {
        timer = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        DownstreamHandler downstream = ctx.pipeline().get(DownstreamHandler.class);
        if (downstream != null && downstream.hasRequestsInProgress()) {
            arm();
            return;
        }
        fired = true;
        ctx.channel().config().setAutoRead(false);
        chain.limitHit(
                Limit.HEADER_READ_TIMEOUT,
                "a downstream connection did not send a complete request head within "
                        + chain.config().limits().headerReadTimeout().toMillis() + " ms; closing it with 408");
        Reply reply = LocalReplies.headerTimeout(chain.config().limits().headerReadTimeout());
        chain.metrics().answered("rejected", reply);
        FullHttpResponse r = reply.response();
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }
}
