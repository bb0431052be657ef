package io.koordinator.proxy;

import io.koordinator.proxy.health.AppHealth;
import io.koordinator.proxy.state.ArchiveView;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.stream.ChunkedFile;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin port's routes: {@code /live}, {@code /ready}, {@code /status} (JSON), {@code
 * /metrics} (Prometheus text format), the app's rewritten probes under {@code /app-health/}
 * ({@link AppHealth}), and {@code /transfer/snapshot} and {@code /transfer/archive} (state
 * transfer to a peer, with the group's token). GET and HEAD only.
 *
 * <table>
 *   <caption>state transfer replies</caption>
 *   <tr><th>status</th><th>when</th></tr>
 *   <tr><td>200</td><td>the checkpoint and the app's snapshot follow, or the archive's journals</td></tr>
 *   <tr><td>401</td><td>no {@code Authorization: Bearer} token</td></tr>
 *   <tr><td>403</td><td>a wrong token</td></tr>
 *   <tr><td>404</td><td>an archive was asked of a replica that keeps none</td></tr>
 *   <tr><td>409</td><td>the archive starts after the position asked for</td></tr>
 *   <tr><td>503</td><td>this replica cannot serve a snapshot now (not delivering, no snapshot endpoints)</td></tr>
 * </table>
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);
    private static volatile boolean wrongTokenLogged;

    private final ProxyServer server;

    AdminHandler(ProxyServer server) {
        this.server = server;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (request.decoderResult().isSuccess()
                && HttpMethod.GET.equals(request.method())
                && (request.uri().equals(SnapshotTransfer.PATH) || request.uri().startsWith(ArchiveTransfer.PATH))) {
            serveTransfer(ctx, request.uri(), request.headers().get(HttpHeaderNames.AUTHORIZATION));
            return;
        }
        if (AppHealth.handles(request.uri()) && request.decoderResult().isSuccess()) {
            new AppHealth(server.config().appProbers(), server.config().appHost()).serve(ctx, request);
            return;
        }
        FullHttpResponse response = route(request);
        boolean keepAlive =
                HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
        HttpUtil.setContentLength(response, response.content().readableBytes());
        if (HttpMethod.HEAD.equals(request.method())) {
            response = response.replace(Unpooled.EMPTY_BUFFER);
        }
        if (keepAlive) {
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** What a state transfer streams: the head, an optional prefix, then the body to its end. */
    private record Outgoing(HttpResponse head, ByteBuf prefix, ChunkedInput<ByteBuf> body, AutoCloseable cleanup) {}

    /** Checks the token, prepares the transfer off the event loop, streams it back. */
    private void serveTransfer(ChannelHandlerContext ctx, String uri, String authorization) {
        ExecutorService blocking = server.adminBlocking();
        SnapshotTransfer transfer = server.transfer();
        blocking.execute(() -> {
            Outgoing outgoing = null;
            FullHttpResponse refusal = null;
            try {
                if (authorization == null) {
                    server.metrics().adminRefused("no_token");
                    refusal = refuse(HttpResponseStatus.UNAUTHORIZED, "unauthorized", "the group's token is required");
                } else if (!transfer.authorized(authorization)) {
                    server.metrics().adminRefused("bad_token");
                    if (!wrongTokenLogged) {
                        wrongTokenLogged = true;
                        log.warn(
                                "{} refused a state transfer with a wrong token (further ones are counted only)",
                                server.config().logId());
                    }
                    refusal = refuse(HttpResponseStatus.FORBIDDEN, "forbidden", "wrong token for this group");
                } else {
                    outgoing = uri.equals(SnapshotTransfer.PATH) ? snapshot(ctx, transfer) : archive(uri);
                }
            } catch (ArchiveTransfer.Refused e) {
                server.metrics().adminRefused(e.error);
                refusal = refuse(e.status, e.error, e.getMessage());
            } catch (Exception e) {
                server.metrics().adminRefused("not_ready");
                refusal = refuse(HttpResponseStatus.SERVICE_UNAVAILABLE, "cannot_transfer", e.getMessage());
            }
            Outgoing result = outgoing;
            FullHttpResponse failed = refusal;
            ctx.executor().execute(() -> {
                if (failed != null) {
                    HttpUtil.setContentLength(failed, failed.content().readableBytes());
                    ctx.writeAndFlush(failed).addListener(ChannelFutureListener.CLOSE);
                } else {
                    stream(ctx, result);
                }
            });
        });
    }

    private static FullHttpResponse refuse(HttpResponseStatus status, String error, String detail) {
        return LocalReplies.of(status, error, detail).response();
    }

    /** The checkpoint's length and bytes, then the app's snapshot (see {@link SnapshotTransfer}). */
    private Outgoing snapshot(ChannelHandlerContext ctx, SnapshotTransfer transfer) throws Exception {
        SnapshotTransfer.Taken taken = transfer.takeSnapshot(server.replicaState());
        try {
            RandomAccessFile file = new RandomAccessFile(taken.snapshot().toFile(), "r");
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            HttpUtil.setContentLength(head, 4L + taken.checkpoint().length + file.length());
            ByteBuf prefix = ctx.alloc().buffer(4 + taken.checkpoint().length);
            prefix.writeInt(taken.checkpoint().length).writeBytes(taken.checkpoint());
            return new Outgoing(
                    head,
                    prefix,
                    new ChunkedFile(file, 0, file.length(), 64 * 1024),
                    () -> Files.deleteIfExists(taken.snapshot()));
        } catch (IOException e) {
            Files.deleteIfExists(taken.snapshot());
            throw e;
        }
    }

    /** The journals of the archive laid end to end (see {@link ArchiveTransfer}). */
    private Outgoing archive(String uri) throws Exception {
        ArchiveView view = ArchiveTransfer.serve(server.stateStore(), uri);
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        HttpUtil.setContentLength(head, view.length());
        head.headers()
                .set(ArchiveTransfer.BASE, view.base())
                .set(ArchiveTransfer.END, view.end())
                .set(ArchiveTransfer.LOG, server.logIdentity());
        return new Outgoing(head, null, new ChunkedStream(view.stream(), 64 * 1024), view);
    }

    private void stream(ChannelHandlerContext ctx, Outgoing out) {
        out.head().headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
        ctx.write(out.head());
        if (out.prefix() != null) {
            ctx.write(new DefaultHttpContent(out.prefix()));
        }
        ctx.writeAndFlush(new HttpChunkedInput(out.body())).addListener(f -> {
            server.metrics().transferServed(f.isSuccess() ? "served" : "failed");
            out.cleanup().close();
            ctx.close();
        });
    }

    private FullHttpResponse route(FullHttpRequest request) {
        if (request.decoderResult().isFailure()) {
            return LocalReplies.badRequest("malformed request").response();
        }
        if (!HttpMethod.GET.equals(request.method()) && !HttpMethod.HEAD.equals(request.method())) {
            return LocalReplies.of(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed", "use GET")
                    .response();
        }
        String uri = request.uri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        switch (path) {
            case "/live":
                return LocalReplies.json(HttpResponseStatus.OK, Map.of("live", true));
            case "/ready": {
                Optional<String> problem = server.notReadyReason();
                return problem.isEmpty()
                        ? LocalReplies.json(HttpResponseStatus.OK, Map.of("ready", true))
                        : LocalReplies.json(
                                HttpResponseStatus.SERVICE_UNAVAILABLE,
                                Map.of("ready", false, "reason", problem.get()));
            }
            case "/status":
                return LocalReplies.json(HttpResponseStatus.OK, server.status());
            case "/metrics": {
                FullHttpResponse r = new DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1,
                        HttpResponseStatus.OK,
                        Unpooled.wrappedBuffer(server.metrics().scrape()));
                r.headers().set(HttpHeaderNames.CONTENT_TYPE, ProxyMetrics.contentType());
                return r;
            }
            default:
                return LocalReplies.of(HttpResponseStatus.NOT_FOUND, "not_found", "no admin route " + path)
                        .response();
        }
    }
}
