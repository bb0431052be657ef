package io.koordinator.proxy.health;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * Runs one {@link AppProbe} against the app, the way the kubelet would, on the event loop it is given. Each run
 * opens its own connection and closes it; the result promise completes exactly once, at the latest after the probe's
 * timeout.
 */
final class AppProber {

    /** The kubelet does not verify the app's certificate for an HTTPS probe; neither do we. */
    private static final SslContext INSECURE_TLS;

    static {
        try {
            INSECURE_TLS = SslContextBuilder.forClient()
                    .trustManager(InsecureTrustManagerFactory.INSTANCE)
                    .build();
        } catch (SSLException e) {
            throw new UncheckedIOException(e);
        }
    }

    private final String host;

    /** @param host the app's address, normally 127.0.0.1 */
    AppProber(String host) {
        this.host = host;
    }

    Promise<ProbeResult> run(EventLoop loop, Class<? extends Channel> channelClass, AppProbe probe) {
        Promise<ProbeResult> result = loop.newPromise();
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(channelClass)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        probe.timeout().toMillis());
        ChannelFuture connect;
        if (probe instanceof AppProbe.Tcp) {
            connect = b.handler(new io.netty.channel.ChannelInboundHandlerAdapter())
                    .connect(host, probe.port());
            connect.addListener(f -> {
                if (f.isSuccess()) {
                    result.trySuccess(ProbeResult.healthy("connected to port " + probe.port()));
                }
            });
        } else if (probe instanceof AppProbe.Http http) {
            connect = b.handler(httpPipeline(http, result)).connect(host, http.port());
            connect.addListener(f -> {
                if (f.isSuccess()) {
                    ((ChannelFuture) f).channel().writeAndFlush(request(http));
                }
            });
        } else {
            AppProbe.Grpc grpc = (AppProbe.Grpc) probe;
            connect = b.handler(GrpcHealthCheck.pipeline(grpc, host, result)).connect(host, grpc.port());
            connect.addListener(f -> {
                if (f.isSuccess()) {
                    GrpcHealthCheck.send(((ChannelFuture) f).channel(), grpc, host, result);
                }
            });
        }
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                result.trySuccess(ProbeResult.failed("cannot connect to port " + probe.port() + ": " + why(f.cause())));
            }
        });
        Channel ch = connect.channel();
        var timeout = loop.schedule(
                () -> result.trySuccess(
                        ProbeResult.failed("no answer within " + probe.timeout().toSeconds() + " s")),
                probe.timeout().toMillis(),
                TimeUnit.MILLISECONDS);
        result.addListener(f -> {
            timeout.cancel(false);
            ch.close();
        });
        return result;
    }

    /** The client channel class that fits the event loop of {@code parent}. */
    static Class<? extends Channel> clientChannelFor(Channel parent) {
        return parent instanceof EpollSocketChannel ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    private ChannelHandler httpPipeline(AppProbe.Http http, Promise<ProbeResult> result) {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (http.scheme().equals("HTTPS")) {
                    ch.pipeline().addLast("tls", INSECURE_TLS.newHandler(ch.alloc()));
                }
                ch.pipeline().addLast("codec", new HttpClientCodec());
                ch.pipeline().addLast("answer", new SimpleChannelInboundHandler<HttpObject>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
                        // The status line is all the kubelet looks at; the body is not read.
                        if (msg instanceof HttpResponse r) {
                            int code = r.status().code();
                            String detail = "HTTP " + code + " from " + http.scheme() + " " + http.path();
                            result.trySuccess(
                                    code >= 200 && code < 400
                                            ? ProbeResult.healthy(detail)
                                            : ProbeResult.failed(detail));
                        }
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        result.trySuccess(ProbeResult.failed("connection closed before an answer"));
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        result.trySuccess(ProbeResult.failed(why(cause)));
                        ctx.close();
                    }
                });
            }
        };
    }

    private FullHttpRequest request(AppProbe.Http http) {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, http.path());
        // The kubelet's defaults, which the probe's own headers may replace (a Host header included).
        r.headers().set(HttpHeaderNames.HOST, host + ":" + http.port());
        r.headers().set(HttpHeaderNames.USER_AGENT, "kube-probe/koordinator");
        r.headers().set(HttpHeaderNames.ACCEPT, "*/*");
        r.headers().set(HttpHeaderNames.CONNECTION, "close");
        for (AppProbe.Header h : http.headers()) {
            r.headers().set(h.name(), h.value());
        }
        return r;
    }

    static String why(Throwable cause) {
        if (cause == null) {
            return "unknown";
        }
        Throwable c = cause;
        while (c.getCause() != null && !(c instanceof IOException)) {
            c = c.getCause();
        }
        String m = c.getMessage();
        return m == null ? c.getClass().getSimpleName() : m;
    }
}
