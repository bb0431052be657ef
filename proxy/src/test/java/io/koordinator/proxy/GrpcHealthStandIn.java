package io.koordinator.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrame;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A stand-in for a gRPC server's health service on cleartext HTTP/2, speaking the wire format of grpc/grpc
 * {@code doc/health-checking.md}: service "" and "orders" are SERVING, "draining" is NOT_SERVING, any other is
 * unknown (trailers-only answer with grpc-status 5, NOT_FOUND), as grpc-java's HealthStatusManager does.
 */
final class GrpcHealthStandIn implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;

    GrpcHealthStandIn() throws InterruptedException {
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build());
                        ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                            @Override
                            protected void initChannel(Http2StreamChannel stream) {
                                stream.pipeline().addLast(new Call());
                            }
                        }));
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static final class Call extends SimpleChannelInboundHandler<Http2StreamFrame> {
        private String path;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame frame) {
            if (frame instanceof Http2HeadersFrame h) {
                path = h.headers().path().toString();
                return;
            }
            if (!(frame instanceof Http2DataFrame d) || !d.isEndStream()) {
                return;
            }
            String service = service(d.content());
            if (!path.equals("/grpc.health.v1.Health/Check")) {
                trailersOnly(ctx, 12);
                return;
            }
            int status = switch (service) {
                case "", "orders" -> 1;
                case "draining" -> 2;
                default -> -1;
            };
            if (status < 0) {
                trailersOnly(ctx, 5);
                return;
            }
            ctx.write(new DefaultHttp2HeadersFrame(
                    new DefaultHttp2Headers().status("200").set("content-type", "application/grpc")));
            ByteBuf msg = ctx.alloc().buffer();
            msg.writeByte(0).writeInt(2).writeByte(0x08).writeByte(status);
            ctx.write(new DefaultHttp2DataFrame(msg));
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().set("grpc-status", "0"), true));
        }

        private static void trailersOnly(ChannelHandlerContext ctx, int grpcStatus) {
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(
                    new DefaultHttp2Headers()
                            .status("200")
                            .set("content-type", "application/grpc")
                            .set("grpc-status", Integer.toString(grpcStatus)),
                    true));
        }

        /** Field 1 of a HealthCheckRequest in one gRPC message (lengths below 128 are enough here). */
        private static String service(ByteBuf in) {
            in.skipBytes(5);
            if (!in.isReadable() || in.readByte() != 0x0a) {
                return "";
            }
            int len = in.readByte();
            return in.readCharSequence(len, StandardCharsets.UTF_8).toString();
        }
    }
}
