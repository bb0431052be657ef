package io.koordinator.proxy;

import io.koordinator.proxy.health.AppHealth;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Map;
import java.util.Optional;

/**
 * The admin port's routes: {@code /live}, {@code /ready}, {@code /status} (JSON), {@code
 * /metrics} (Prometheus text format) and the app's rewritten probes under {@code /app-health/}
 * ({@link AppHealth}). GET and HEAD only.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final ProxyServer server;

    AdminHandler(ProxyServer server) {
        this.server = server;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
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
