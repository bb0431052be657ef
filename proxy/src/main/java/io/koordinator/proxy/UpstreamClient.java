package io.koordinator.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * HTTP/1.1 exchanges with the app over pooled keep-alive connections. Each event loop has its own
 * pool, so an upstream connection lives on the event loop of whoever uses it (the downstream
 * connection for pass-through, the delivery loop's own event loop for ordered requests). One
 * request per connection at a time; a connection goes back to its pool after a complete
 * keep-alive response.
 *
 * <p>Threading: {@link #send} may be called from any thread; everything else runs on the given
 * event loop. Each pool is touched only by its event loop.
 */
final class UpstreamClient implements AutoCloseable {
    /** Largest response body the proxy buffers. */
    static final int MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

    private static final AttributeKey<Exchange> EXCHANGE = AttributeKey.valueOf("koordinator.exchange");

    private final InetSocketAddress address;
    private final Class<? extends Channel> channelClass;
    private final int connectTimeoutMillis;
    private final Map<EventLoop, ArrayDeque<Channel>> idle = new ConcurrentHashMap<>();
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    /** The delivery loop's blocking connection; replaced with each new delivery loop. */
    private final AtomicReference<DeliveryConnection> delivery = new AtomicReference<>();

    private final AppAcks acks;

    UpstreamClient(InetSocketAddress address, Class<? extends Channel> channelClass, int connectTimeoutMillis) {
        this.address = address;
        this.channelClass = channelClass;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.acks = new AppAcks(address);
    }

    /**
     * Sends {@code request} (whose reference this takes) on {@code loop}. The future completes
     * with the response (the caller releases it) or fails with an {@link UpstreamException}.
     */
    CompletableFuture<FullHttpResponse> send(EventLoop loop, FullHttpRequest request, long timeoutMillis) {
        return send(loop, request, timeoutMillis, null);
    }

    /**
     * As {@link #send(EventLoop, FullHttpRequest, long)}; if a new connection must be opened,
     * {@code newConnectionVeto} is asked first, on {@code loop}, once connected and before
     * anything is written: a non-null answer closes the connection and fails the exchange with
     * {@link UpstreamException.Kind#VETOED} (the app saw nothing). A pooled connection needs no
     * check: a TCP connection does not outlive the app process that accepted it.
     */
    CompletableFuture<FullHttpResponse> send(
            EventLoop loop, FullHttpRequest request, long timeoutMillis, Supplier<String> newConnectionVeto) {
        Exchange ex = new Exchange(request);
        ex.veto = newConnectionVeto;
        if (loop.inEventLoop()) {
            start(loop, ex, timeoutMillis);
        } else {
            try {
                loop.execute(() -> start(loop, ex, timeoutMillis));
            } catch (RejectedExecutionException e) {
                ex.fail(new UpstreamException(UpstreamException.Kind.CONNECT, "proxy is shutting down", e));
            }
        }
        return ex.future;
    }

    private void start(EventLoop loop, Exchange ex, long timeoutMillis) {
        ex.timeout = loop.schedule(
                () -> {
                    if (ex.fail(new UpstreamException(
                            UpstreamException.Kind.TIMEOUT, "no response within " + timeoutMillis + " ms", null))) {
                        if (ex.channel != null) {
                            ex.channel.close();
                        }
                    }
                },
                timeoutMillis,
                TimeUnit.MILLISECONDS);
        ArrayDeque<Channel> pool = idle.computeIfAbsent(loop, l -> new ArrayDeque<>());
        Channel ch;
        while ((ch = pool.pollLast()) != null) {
            if (ch.isActive()) {
                write(ch, ex, true);
                return;
            }
        }
        new Bootstrap()
                .group(loop)
                .channel(channelClass)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline()
                                .addLast("bytes", new FirstByteMarker())
                                .addLast("codec", new HttpClientCodec())
                                .addLast("held", new HeldBodyWatch(acks))
                                .addLast("aggregator", new HttpObjectAggregator(MAX_RESPONSE_BYTES))
                                .addLast("exchange", new ExchangeHandler(pool));
                    }
                })
                .connect(address)
                .addListener((ChannelFuture f) -> {
                    if (f.isSuccess()) {
                        channels.add(f.channel());
                        String veto = ex.veto == null ? null : ex.veto.get();
                        if (veto != null) {
                            f.channel().close();
                            ex.fail(new UpstreamException(UpstreamException.Kind.VETOED, veto, null));
                            return;
                        }
                        write(f.channel(), ex, false);
                    } else {
                        ex.fail(new UpstreamException(
                                UpstreamException.Kind.CONNECT,
                                "cannot connect to the app at " + address + ": " + f.cause(),
                                f.cause()));
                    }
                });
    }

    private void write(Channel ch, Exchange ex, boolean reused) {
        FullHttpRequest request = ex.takeRequest();
        if (request == null) { // timed out while connecting
            idle.get(ch.eventLoop()).addLast(ch);
            return;
        }
        ex.channel = ch;
        ex.reused = reused;
        ch.attr(EXCHANGE).set(ex);
        ch.writeAndFlush(request).addListener(f -> {
            if (f.isSuccess()) {
                if (acks.atOnce()) {
                    Transports.ackAtOnce(ch);
                }
            } else {
                ex.fail(new UpstreamException(
                        reused ? UpstreamException.Kind.STALE : UpstreamException.Kind.RESET,
                        "cannot send to the app: " + f.cause(),
                        f.cause()));
                ch.close();
            }
        });
    }

    /** Whether the app's answers are acknowledged at once, for every connection to it. */
    AppAcks acks() {
        return acks;
    }

    /**
     * A new blocking connection for a delivery loop (see {@link DeliveryConnection}); the previous
     * delivery loop's connection, if any, is closed: one delivery loop runs at a time.
     */
    DeliveryConnection newDeliveryConnection() {
        DeliveryConnection next = new DeliveryConnection(address, connectTimeoutMillis, acks);
        DeliveryConnection previous = delivery.getAndSet(next);
        if (previous != null) {
            previous.close();
        }
        return next;
    }

    /** Closes every upstream connection; idempotent. */
    @Override
    public void close() {
        channels.close();
        DeliveryConnection d = delivery.get();
        if (d != null) {
            d.close();
        }
    }

    /** One request and its response. */
    private static final class Exchange {
        final CompletableFuture<FullHttpResponse> future = new CompletableFuture<>();
        private FullHttpRequest request; // until written; event loop only
        ScheduledFuture<?> timeout;
        Supplier<String> veto;
        Channel channel;
        boolean reused;
        boolean bytesReceived;

        Exchange(FullHttpRequest request) {
            this.request = request;
        }

        FullHttpRequest takeRequest() {
            FullHttpRequest r = request;
            request = null;
            return future.isDone() ? release(r) : r;
        }

        boolean complete(FullHttpResponse response) {
            if (!future.complete(response)) {
                return false;
            }
            cancelTimeout();
            return true;
        }

        boolean fail(UpstreamException e) {
            if (!future.completeExceptionally(e)) {
                return false;
            }
            cancelTimeout();
            release(request);
            request = null;
            return true;
        }

        private void cancelTimeout() {
            if (timeout != null) {
                timeout.cancel(false);
            }
        }

        private static FullHttpRequest release(FullHttpRequest r) {
            if (r != null) {
                ReferenceCountUtil.release(r);
            }
            return null;
        }
    }

    /** Notes that the current exchange received a byte (so it can no longer be retried). */
    private static final class FirstByteMarker extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Exchange ex = ctx.channel().attr(EXCHANGE).get();
            if (ex != null) {
                ex.bytesReceived = true;
            }
            ctx.fireChannelRead(msg);
        }
    }

    /**
     * Tells {@link AppAcks} when a read of the app's bytes ends inside a response's body (its
     * headers came, its end did not), and acknowledges at once, so the rest comes now. A large body
     * read in several pieces counts too: the cost of a wrong guess is only the ACKs.
     */
    private static final class HeldBodyWatch extends ChannelInboundHandlerAdapter {
        private final AppAcks acks;
        private boolean inBody;

        HeldBodyWatch(AppAcks acks) {
            this.acks = acks;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpResponse r && r.status().code() >= 200) {
                inBody = true;
            }
            if (msg instanceof LastHttpContent) {
                inBody = false;
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (inBody && !acks.atOnce()) {
                acks.bodyHeldBack();
                Transports.ackAtOnce(ctx.channel());
            }
            ctx.fireChannelReadComplete();
        }
    }

    /** Completes the channel's current exchange and returns the channel to its pool. */
    private static final class ExchangeHandler extends ChannelInboundHandlerAdapter {
        private final ArrayDeque<Channel> pool;

        ExchangeHandler(ArrayDeque<Channel> pool) {
            this.pool = pool;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Exchange ex = ctx.channel().attr(EXCHANGE).getAndSet(null);
            if (!(msg instanceof FullHttpResponse response) || ex == null) {
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
            boolean keepAlive = HttpUtil.isKeepAlive(response);
            if (!ex.complete(response)) {
                response.release();
                ctx.close();
                return;
            }
            if (keepAlive) {
                pool.addLast(ctx.channel());
            } else {
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            pool.remove(ctx.channel());
            Exchange ex = ctx.channel().attr(EXCHANGE).getAndSet(null);
            if (ex != null) {
                boolean stale = ex.reused && !ex.bytesReceived;
                ex.fail(new UpstreamException(
                        stale ? UpstreamException.Kind.STALE : UpstreamException.Kind.RESET,
                        "the app closed the connection before responding",
                        null));
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof IOException) {
                ctx.close(); // reported by channelInactive
                return;
            }
            Exchange ex = ctx.channel().attr(EXCHANGE).getAndSet(null);
            if (ex != null) {
                ex.fail(new UpstreamException(
                        UpstreamException.Kind.PROTOCOL, "bad response from the app: " + cause, cause));
            }
            ctx.close();
        }
    }
}
