package io.koordinator.loadtest.kv;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AttributeKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the key-value API on top of one {@link KvStore}.
 *
 * <table>
 *   <caption>Routes</caption>
 *   <tr><th>request</th><th>reply</th></tr>
 *   <tr><td>{@code PUT /kv/{key}}</td><td>201 created / 200 replaced; body = value</td></tr>
 *   <tr><td>{@code POST /kv/{key}/append}</td><td>200 with the new value</td></tr>
 *   <tr><td>{@code DELETE /kv/{key}}</td><td>200 deleted / 404 absent (both applied)</td></tr>
 *   <tr><td>{@code GET /kv/{key}}</td><td>200 value / 404</td></tr>
 *   <tr><td>{@code GET /digest}</td><td>{@code {"digest","applied","lastPosition","outOfOrder"}}</td></tr>
 *   <tr><td>{@code GET /applied}</td><td>request id of each applied write, one per line</td></tr>
 *   <tr><td>{@code GET /stats}</td><td>{@code {"requests","rejected"}}</td></tr>
 *   <tr><td>{@code GET /healthz}</td><td>200</td></tr>
 *   <tr><td>{@code GET /snapshot}</td><td>200, the whole state (state transfer), fixed before the
 *       headers: they carry {@code X-Koordinator-Snapshot-Position} (the request's position) and the
 *       body follows from a copy, serialised off the store's thread; the connection then closes</td></tr>
 *   <tr><td>{@code PUT /snapshot}</td><td>204, the state replaced by the body; 400 if it is not a snapshot</td></tr>
 * </table>
 *
 * <table>
 *   <caption>Local replies to bad input (JSON {@code {"error","detail"}}, counted as rejected)</caption>
 *   <tr><td>400</td><td>key not made of {@code [A-Za-z0-9._~-]}, 1-200 characters</td></tr>
 *   <tr><td>404</td><td>unknown path</td></tr>
 *   <tr><td>405</td><td>method not allowed on the path</td></tr>
 * </table>
 *
 * <p>Sharable, but all of its channels must live on the one event loop that owns the store.
 */
@ChannelHandler.Sharable
final class KvHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(KvHandler.class);
    private static final Pattern KV_PATH = Pattern.compile("/kv/([^/]*)(/append)?");
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._~-]{1,200}");

    static final String POSITION = "X-Koordinator-Position";
    static final String SNAPSHOT_POSITION = "X-Koordinator-Snapshot-Position";
    /** Set on a connection whose snapshot is being sent: requests after it on that connection are not served. */
    private static final AttributeKey<Boolean> SENDING_SNAPSHOT = AttributeKey.valueOf("kv-sending-snapshot");

    static final String REQUEST_ID = "X-Koordinator-Request-Id";

    private final String identity;
    private final KvStore store;
    private final KvDurability durability;
    // Read by other threads for stats; written only on the store's event loop.
    private volatile long requests;
    private volatile long rejected;

    private final Executor serialiser;

    /** @param serialiser where snapshots are serialised, from a copy, off the store's thread */
    KvHandler(String identity, KvStore store, KvDurability durability, Executor serialiser) {
        this.identity = identity;
        this.store = store;
        this.durability = durability;
        this.serialiser = serialiser;
    }

    long requests() {
        return requests;
    }

    long rejected() {
        return rejected;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        requests++;
        if (!req.decoderResult().isSuccess()) {
            reply(ctx, req, error(HttpResponseStatus.BAD_REQUEST, "malformed request", "" + req.decoderResult()));
            return;
        }
        if (ctx.channel().hasAttr(SENDING_SNAPSHOT)) {
            return; // pipelined behind a snapshot, which closes the connection: not served (RFC 9112 9.6)
        }
        String uri = req.uri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        if (path.equals("/snapshot") && req.method().equals(HttpMethod.GET)) {
            sendSnapshot(ctx, req);
            return;
        }
        reply(ctx, req, route(req, path));
    }

    /**
     * Answers {@code GET /snapshot}: the state is copied here, between two writes, and the headers
     * go at once, saying so; the copy is serialised and sent on {@link #serialiser} while this thread
     * applies the writes that follow.
     */
    private void sendSnapshot(ChannelHandlerContext ctx, FullHttpRequest req) {
        KvStore fixed = store.copy();
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
        HttpUtil.setTransferEncodingChunked(head, true);
        HttpUtil.setKeepAlive(head, false);
        String asked = req.headers().get(POSITION);
        if (asked != null) {
            head.headers().set(SNAPSHOT_POSITION, asked);
        }
        ctx.channel().attr(SENDING_SNAPSHOT).set(Boolean.TRUE);
        ctx.writeAndFlush(head);
        try {
            serialiser.execute(
                    () -> ctx.writeAndFlush(new DefaultLastHttpContent(Unpooled.wrappedBuffer(fixed.snapshot())))
                            .addListener(ChannelFutureListener.CLOSE));
        } catch (RejectedExecutionException e) {
            ctx.close(); // the app is closing
        }
    }

    private FullHttpResponse route(FullHttpRequest req, String path) {
        HttpMethod m = req.method();
        switch (path) {
            case "/healthz":
                return text(HttpResponseStatus.OK, "ok\n");
            case "/digest":
                return m.equals(HttpMethod.GET) ? json(HttpResponseStatus.OK, digestJson()) : notAllowed("GET");
            case "/applied":
                return m.equals(HttpMethod.GET) ? text(HttpResponseStatus.OK, appliedText()) : notAllowed("GET");
            case "/snapshot":
                if (m.equals(HttpMethod.PUT)) {
                    try {
                        store.restore(ByteBufUtil.getBytes(req.content()));
                    } catch (IOException e) {
                        return error(HttpResponseStatus.BAD_REQUEST, "bad snapshot", e.getMessage());
                    }
                    durability.restored(store);
                    log.info("{} state restored from a snapshot: {} writes applied", identity, store.applied());
                    return bytes(HttpResponseStatus.NO_CONTENT, new byte[0]);
                }
                return notAllowed("GET, PUT");
            case "/stats":
                return m.equals(HttpMethod.GET)
                        ? json(HttpResponseStatus.OK, "{\"requests\":" + requests + ",\"rejected\":" + rejected + "}")
                        : notAllowed("GET");
            default:
                break;
        }
        Matcher km = KV_PATH.matcher(path);
        if (!km.matches()) {
            return error(HttpResponseStatus.NOT_FOUND, "no such path", path);
        }
        String key = km.group(1);
        if (!KEY.matcher(key).matches()) {
            return error(HttpResponseStatus.BAD_REQUEST, "bad key", "a key is 1-200 characters of [A-Za-z0-9._~-]");
        }
        if (req.content().readableBytes() > KvApp.MAX_BODY_BYTES) {
            return error(
                    HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "body too large",
                    "at most " + KvApp.MAX_BODY_BYTES + " bytes");
        }
        String requestId = req.headers().get(REQUEST_ID);
        long position = positionOf(req);
        byte[] body = ByteBufUtil.getBytes(req.content());
        if (m.equals(HttpMethod.GET) && km.group(2) == null) {
            byte[] v = store.get(key);
            return v == null
                    ? error(HttpResponseStatus.NOT_FOUND, "no such key", key)
                    : bytes(HttpResponseStatus.OK, v);
        }
        var again = durability.alreadyApplied(store, position);
        if (again.isPresent()) {
            log.info("{} position {} was applied already: answering as then", identity, position);
            return bytes(
                    HttpResponseStatus.valueOf(again.get().status()),
                    again.get().body());
        }
        FullHttpResponse r = write(m, km.group(2) != null, key, body, requestId, position);
        if (r.status().code() != HttpResponseStatus.METHOD_NOT_ALLOWED.code()) {
            durability.applied(store, position, r.status().code(), ByteBufUtil.getBytes(r.content()));
        }
        return r;
    }

    private FullHttpResponse write(
            HttpMethod m, boolean append, String key, byte[] body, String requestId, long position) {
        if (append) {
            if (!m.equals(HttpMethod.POST)) {
                return notAllowed("POST");
            }
            return bytes(HttpResponseStatus.OK, store.append(key, body, requestId, position));
        }
        if (m.equals(HttpMethod.PUT)) {
            boolean created = store.put(key, body, requestId, position);
            return bytes(created ? HttpResponseStatus.CREATED : HttpResponseStatus.OK, body);
        } else if (m.equals(HttpMethod.DELETE)) {
            return store.delete(key, requestId, position)
                    ? text(HttpResponseStatus.OK, "deleted\n")
                    : text(HttpResponseStatus.NOT_FOUND, "absent\n");
        }
        return notAllowed("GET, PUT, DELETE");
    }

    private long positionOf(FullHttpRequest req) {
        String p = req.headers().get(POSITION);
        if (p == null) {
            return -1;
        }
        try {
            return Long.parseLong(p.trim());
        } catch (NumberFormatException e) {
            log.warn("{} ignoring unparsable {} header: {}", identity, POSITION, p);
            return -1;
        }
    }

    private String digestJson() {
        return "{\"digest\":\"" + store.digestHex() + "\",\"applied\":" + store.applied() + ",\"lastPosition\":"
                + store.lastPosition() + ",\"outOfOrder\":" + store.outOfOrder() + "}";
    }

    private String appliedText() {
        StringBuilder sb = new StringBuilder();
        for (String id : store.appliedIds()) {
            sb.append(id).append('\n');
        }
        return sb.toString();
    }

    private FullHttpResponse notAllowed(String allow) {
        FullHttpResponse r = error(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed", "allowed: " + allow);
        r.headers().set(HttpHeaderNames.ALLOW, allow);
        return r;
    }

    private FullHttpResponse error(HttpResponseStatus status, String error, String detail) {
        rejected++;
        return json(status, "{\"error\":" + quote(error) + ",\"detail\":" + quote(detail) + "}");
    }

    private static FullHttpResponse json(HttpResponseStatus status, String body) {
        FullHttpResponse r = text(status, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        return r;
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body) {
        FullHttpResponse r = bytes(status, body.getBytes(StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        return r;
    }

    private static FullHttpResponse bytes(HttpResponseStatus status, byte[] body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return r;
    }

    private static void reply(ChannelHandlerContext ctx, FullHttpRequest req, FullHttpResponse resp) {
        HttpUtil.setKeepAlive(resp, HttpUtil.isKeepAlive(req));
        ctx.writeAndFlush(resp);
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{} closing {}: {}", identity, ctx.channel(), cause.toString());
        ctx.close();
    }
}
