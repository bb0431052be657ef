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

/**
 * The admin port's routes. GET and HEAD only.
 *
 * <table>
 *   <caption>routes</caption>
 *   <tr><th>path</th><th>token</th><th>what</th></tr>
 *   <tr><td>{@code /live}</td><td>open</td><td>liveness</td></tr>
 *   <tr><td>{@code /ready}</td><td>open</td><td>readiness, with the reason when not ready</td></tr>
 *   <tr><td>{@code /metrics}</td><td>open</td><td>Prometheus text format</td></tr>
 *   <tr><td>{@code /app-health/...}</td><td>open</td><td>the app's rewritten probes ({@link AppHealth})</td></tr>
 *   <tr><td>{@code /status}</td><td>the group's</td><td>the replica's state, positions and counts (JSON)</td></tr>
 *   <tr><td>{@code /transfer/snapshot}</td><td>the group's</td><td>state transfer to a peer (GET only)</td></tr>
 *   <tr><td>{@code /transfer/archive}</td><td>the group's</td><td>the log archive for a peer (GET only)</td></tr>
 * </table>
 *
 * <table>
 *   <caption>replies of the routes that need the group's token ({@link AdminAuth})</caption>
 *   <tr><th>status</th><th>when</th></tr>
 *   <tr><td>200</td><td>the status document; the checkpoint and the app's snapshot; or the archive's journals</td></tr>
 *   <tr><td>401</td><td>no {@code Authorization: Bearer} token</td></tr>
 *   <tr><td>403</td><td>a wrong token</td></tr>
 *   <tr><td>404</td><td>an archive was asked of a replica that keeps none</td></tr>
 *   <tr><td>409</td><td>the archive starts after the position asked for</td></tr>
 *   <tr><td>503</td><td>the generated token cannot be read (ZooKeeper unreachable), or this replica cannot
 *       serve a snapshot now (not delivering, no snapshot endpoints)</td></tr>
 * </table>
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    static final String STATUS_PATH = "/status";

    private final ProxyServer server;

    AdminHandler(ProxyServer server) {
        this.server = server;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        String uri = request.uri();
        String path = pathOf(uri);
        boolean get = HttpMethod.GET.equals(request.method());
        boolean head = HttpMethod.HEAD.equals(request.method());
        boolean transfer = get && (uri.equals(SnapshotTransfer.PATH) || uri.startsWith(ArchiveTransfer.PATH));
        if (request.decoderResult().isSuccess() && (transfer || (get || head) && path.equals(STATUS_PATH))) {
            serveProtected(
                    ctx,
                    uri,
                    request.method() + " " + path,
                    request.headers().get(HttpHeaderNames.AUTHORIZATION),
                    head,
                    HttpUtil.isKeepAlive(request));
            return;
        }
        if (AppHealth.handles(uri) && request.decoderResult().isSuccess()) {
            new AppHealth(server.config().appProbers(), server.config().appHost()).serve(ctx, request);
            return;
        }
        boolean keepAlive =
                HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
        send(ctx, route(request, path), head, keepAlive);
    }

    private static String pathOf(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    private static void send(ChannelHandlerContext ctx, FullHttpResponse response, boolean head, boolean keepAlive) {
        HttpUtil.setContentLength(response, response.content().readableBytes());
        if (head) {
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

    /**
     * Checks the token, then answers {@code /status} or prepares the transfer and streams it back.
     * A transfer, and a check that still has to read the generated token from ZooKeeper, run on
     * the blocking executor; {@code /status} with the token known runs on the event loop, so it is
     * never queued behind transfers.
     */
    private void serveProtected(
            ChannelHandlerContext ctx, String uri, String what, String authorization, boolean head, boolean keepAlive) {
        SnapshotTransfer transfer = server.transfer();
        AdminAuth auth = transfer.auth();
        boolean status = what.endsWith(STATUS_PATH);
        Runnable work = () -> {
            FullHttpResponse refusal = null;
            FullHttpResponse document = null;
            Outgoing outgoing = null;
            AdminAuth.Verdict verdict = null;
            try {
                verdict = auth.check(authorization, what);
            } catch (Exception e) {
                server.metrics().adminRefused("token_unavailable");
                refusal = refuse(
                        HttpResponseStatus.SERVICE_UNAVAILABLE,
                        "token_unavailable",
                        "the group's token cannot be read now: " + e.getMessage());
            }
            if (verdict == AdminAuth.Verdict.MISSING) {
                refusal = refuse(HttpResponseStatus.UNAUTHORIZED, "unauthorized", "the group's token is required");
                refusal.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"koordinator\"");
            } else if (verdict == AdminAuth.Verdict.WRONG) {
                refusal = refuse(HttpResponseStatus.FORBIDDEN, "forbidden", "wrong token for this group");
            } else if (verdict == AdminAuth.Verdict.ALLOWED && status) {
                document = LocalReplies.json(HttpResponseStatus.OK, server.status());
            } else if (verdict == AdminAuth.Verdict.ALLOWED) {
                try {
                    outgoing = uri.equals(SnapshotTransfer.PATH) ? snapshot(ctx, transfer) : archive(uri);
                } catch (ArchiveTransfer.Refused e) {
                    server.metrics().adminRefused(e.error);
                    refusal = refuse(e.status, e.error, e.getMessage());
                } catch (Exception e) {
                    server.metrics().adminRefused("not_ready");
                    refusal = refuse(HttpResponseStatus.SERVICE_UNAVAILABLE, "cannot_transfer", e.getMessage());
                }
            }
            FullHttpResponse failed = refusal;
            FullHttpResponse answer = document;
            Outgoing result = outgoing;
            ctx.executor().execute(() -> {
                if (failed != null) {
                    send(ctx, failed, head, false);
                } else if (answer != null) {
                    send(ctx, answer, head, keepAlive);
                } else {
                    stream(ctx, result);
                }
            });
        };
        if (status && auth.tokenKnown()) {
            work.run();
        } else {
            server.adminBlocking().execute(work);
        }
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
            byte[] checkpoint = taken.checkpoint().toBytes();
            HttpUtil.setContentLength(head, 4L + checkpoint.length + file.length());
            ByteBuf prefix = ctx.alloc().buffer(4 + checkpoint.length);
            prefix.writeInt(checkpoint.length).writeBytes(checkpoint);
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

    private FullHttpResponse route(FullHttpRequest request, String path) {
        if (request.decoderResult().isFailure()) {
            return LocalReplies.badRequest("malformed request").response();
        }
        if (!HttpMethod.GET.equals(request.method()) && !HttpMethod.HEAD.equals(request.method())) {
            return LocalReplies.of(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed", "use GET")
                    .response();
        }
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
