package io.koordinator.proxy.health;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code GET /app-health/<container>/<kind>} on the admin port by running the app's original probe.
 *
 * <table>
 *   <caption>Answers</caption>
 *   <tr><th>status</th><th>when</th></tr>
 *   <tr><td>200</td><td>the original probe succeeded; body: what it saw ("HTTP 204 from HTTP /healthz")</td></tr>
 *   <tr><td>503</td><td>it failed (refused, timed out, a status of 400 or more, not SERVING); body: why</td></tr>
 *   <tr><td>404</td><td>no probe is registered under that path</td></tr>
 *   <tr><td>405</td><td>another method than GET or HEAD</td></tr>
 * </table>
 *
 * <p>The connection closes after each answer (the kubelet opens one per probe anyway), so answers never overtake
 * each other on a pipelined connection. Failures are logged at DEBUG: the kubelet already records them as events.
 */
public final class AppHealth {

    private static final Logger log = LoggerFactory.getLogger(AppHealth.class);

    private final Map<String, AppProbe> probes;
    private final AppProber prober;

    /**
     * @param probes by admin path, from {@link AppProbe#parseAll}
     * @param appHost the app's address (127.0.0.1 in a pod)
     */
    public AppHealth(Map<String, AppProbe> probes, String appHost) {
        this.probes = Map.copyOf(Objects.requireNonNull(probes, "probes"));
        this.prober = new AppProber(appHost);
    }

    /** Whether {@code uri} is one of ours: it starts with {@value AppProbe#PREFIX}. */
    public static boolean handles(String uri) {
        return uri.startsWith(AppProbe.PREFIX);
    }

    /** Answers {@code request} on {@code ctx}'s channel, later; reads nothing more from that channel. */
    public void serve(ChannelHandlerContext ctx, HttpRequest request) {
        String uri = request.uri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        boolean head = HttpMethod.HEAD.equals(request.method());
        if (!HttpMethod.GET.equals(request.method()) && !head) {
            answer(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "use GET\n", head);
            return;
        }
        AppProbe probe = probes.get(path);
        if (probe == null) {
            answer(ctx, HttpResponseStatus.NOT_FOUND, "no app probe at " + path + "\n", head);
            return;
        }
        ctx.channel().config().setAutoRead(false);
        prober.run(ctx.channel().eventLoop(), AppProber.clientChannelFor(ctx.channel()), probe)
                .addListener(f -> {
                    ProbeResult r = (ProbeResult) f.getNow();
                    if (!r.healthy()) {
                        log.debug("app probe {} failed: {}", path, r.detail());
                    }
                    answer(
                            ctx,
                            r.healthy() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                            r.detail() + "\n",
                            head);
                });
    }

    private static void answer(ChannelHandlerContext ctx, HttpResponseStatus status, String body, boolean head) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, status, head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }
}
