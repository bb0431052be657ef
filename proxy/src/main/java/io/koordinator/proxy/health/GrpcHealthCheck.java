package io.koordinator.proxy.health;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.concurrent.Promise;
import java.nio.charset.StandardCharsets;

/**
 * The kubelet's gRPC probe: one unary call of {@code grpc.health.v1.Health/Check} over cleartext HTTP/2 (prior
 * knowledge), which must answer {@code SERVING}. The two messages are tiny protobufs, written and read here by hand:
 * {@code HealthCheckRequest{string service = 1}} and {@code HealthCheckResponse{ServingStatus status = 1}} (see
 * grpc/grpc {@code doc/health-checking.md}).
 */
final class GrpcHealthCheck {

    private static final String PATH = "/grpc.health.v1.Health/Check";

    private static final String[] STATUS = {"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"};

    private GrpcHealthCheck() {}

    static ChannelHandler pipeline(AppProbe.Grpc probe, String host, Promise<ProbeResult> result) {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast("h2", Http2FrameCodecBuilder.forClient().build());
                ch.pipeline().addLast("streams", new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                ch.pipeline().addLast("failures", new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        result.trySuccess(ProbeResult.failed("connection closed before an answer"));
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        result.trySuccess(ProbeResult.failed("HTTP/2: " + AppProber.why(cause)));
                        ctx.close();
                    }
                });
            }
        };
    }

    /** Opens the stream and sends the call, once connected. */
    static void send(Channel connection, AppProbe.Grpc probe, String host, Promise<ProbeResult> result) {
        new Http2StreamChannelBootstrap(connection)
                .handler(new Answer(result))
                .open()
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        result.trySuccess(
                                ProbeResult.failed("cannot open an HTTP/2 stream: " + AppProber.why(f.cause())));
                        return;
                    }
                    Http2StreamChannel stream = (Http2StreamChannel) f.getNow();
                    Http2Headers headers = new DefaultHttp2Headers()
                            .method("POST")
                            .scheme("http")
                            .path(PATH)
                            .authority(host + ":" + probe.port())
                            .set("content-type", "application/grpc")
                            .set("te", "trailers")
                            .set("user-agent", "kube-probe/koordinator");
                    stream.write(new DefaultHttp2HeadersFrame(headers, false));
                    stream.writeAndFlush(new DefaultHttp2DataFrame(request(stream, probe.service()), true));
                });
    }

    /** A gRPC message: uncompressed flag, 4-byte length, {@code HealthCheckRequest}. */
    private static ByteBuf request(Channel ch, String service) {
        byte[] name = service.getBytes(StandardCharsets.UTF_8);
        ByteBuf body = ch.alloc().buffer();
        if (name.length > 0) {
            body.writeByte(0x0a); // field 1, length-delimited
            writeVarint(body, name.length);
            body.writeBytes(name);
        }
        ByteBuf msg = ch.alloc().buffer(5 + body.readableBytes());
        msg.writeByte(0).writeInt(body.readableBytes()).writeBytes(body);
        body.release();
        return msg;
    }

    private static void writeVarint(ByteBuf out, int v) {
        while ((v & ~0x7f) != 0) {
            out.writeByte((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.writeByte(v);
    }

    /** Reads the stream: headers, the response message, trailers with grpc-status. */
    private static final class Answer extends SimpleChannelInboundHandler<Http2StreamFrame> {
        private final Promise<ProbeResult> result;
        private CompositeByteBuf data;

        Answer(Promise<ProbeResult> result) {
            this.result = result;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame frame) {
            if (frame instanceof Http2DataFrame d) {
                if (data == null) {
                    data = ctx.alloc().compositeBuffer();
                }
                data.addComponent(true, d.content().retain());
                if (d.isEndStream()) {
                    finish(null);
                }
            } else if (frame instanceof Http2HeadersFrame h) {
                CharSequence status = h.headers().status();
                if (status != null && !"200".contentEquals(status)) {
                    finish("HTTP/2 status " + status);
                } else if (h.headers().contains("grpc-status") || h.isEndStream()) {
                    CharSequence grpcStatus = h.headers().get("grpc-status");
                    if (grpcStatus != null && !"0".contentEquals(grpcStatus)) {
                        CharSequence message = h.headers().get("grpc-message");
                        finish("grpc-status " + grpcStatus + (message == null ? "" : " " + message));
                    } else if (h.isEndStream()) {
                        finish(null);
                    }
                }
            }
        }

        /** Completes from what was read; {@code error} if the call failed. */
        private void finish(String error) {
            try {
                if (error != null) {
                    result.trySuccess(ProbeResult.failed(error));
                    return;
                }
                int status = data == null ? -1 : servingStatus(data);
                String name = status >= 0 && status < STATUS.length ? STATUS[status] : "no status (" + status + ")";
                result.trySuccess(status == 1 ? ProbeResult.healthy(name) : ProbeResult.failed(name));
            } finally {
                if (data != null) {
                    data.release();
                    data = null;
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (data != null) {
                data.release();
                data = null;
            }
            result.trySuccess(ProbeResult.failed("stream closed before an answer"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.trySuccess(ProbeResult.failed("gRPC: " + AppProber.why(cause)));
            ctx.close();
        }
    }

    /** Field 1 (varint) of the {@code HealthCheckResponse} in one gRPC message; 0 (UNKNOWN) if absent. */
    static int servingStatus(ByteBuf msg) {
        if (msg.readableBytes() < 5 || msg.readByte() != 0) {
            return -1;
        }
        int length = msg.readInt();
        int end = msg.readerIndex() + Math.min(length, msg.readableBytes());
        int status = 0;
        while (msg.readerIndex() < end) {
            int tag = readVarint(msg);
            int wire = tag & 7;
            if (tag >>> 3 == 1 && wire == 0) {
                status = readVarint(msg);
            } else if (wire == 0) {
                readVarint(msg);
            } else if (wire == 2) {
                msg.skipBytes(readVarint(msg));
            } else {
                return -1;
            }
        }
        return status;
    }

    private static int readVarint(ByteBuf in) {
        int v = 0;
        for (int shift = 0; shift < 35 && in.isReadable(); shift += 7) {
            byte b = in.readByte();
            v |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        return v;
    }
}
