package io.koordinator.proxy;

import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One downstream connection: aggregates each request's body (bounded), runs the first filters
 * (limits, validation), hands complete requests to the {@link FilterChain}, and writes responses
 * in request order (HTTP/1.1 pipelining), whatever order they are answered in.
 *
 * <p>Local replies (each a JSON body {@code {"error", "detail"}} and a count in {@code
 * koordinator_proxy_local_replies_total}):
 *
 * <table>
 *   <caption>Local replies</caption>
 *   <tr><th>status</th><th>error</th><th>when</th></tr>
 *   <tr><td>400</td><td>bad_request</td><td>malformed HTTP, request smuggling shapes (both
 *       Content-Length and Transfer-Encoding, repeated or conflicting Content-Length, obs-fold,
 *       a transfer coding other than chunked), missing or repeated Host; the connection closes</td></tr>
 *   <tr><td>400</td><td>bad_request</td><td>a control byte (NUL, CR, DEL, ...) in the request
 *       target, before ordering; the connection closes</td></tr>
 *   <tr><td>408</td><td>header_timeout</td><td>no complete request head within {@code
 *       --header-read-timeout} ({@link HeaderReadTimeout}); the connection closes</td></tr>
 *   <tr><td>408</td><td>body_timeout</td><td>the client sent nothing for the idle timeout ({@value
 *       DownstreamInitializer#IDLE_SECONDS} s) in the middle of a request body; nothing was ordered;
 *       the connection closes</td></tr>
 *   <tr><td>409</td><td>duplicate</td><td>the log already holds this request id or idempotency key</td></tr>
 *   <tr><td>413</td><td>payload_too_large</td><td>body over {@code --max-body-bytes}, announced
 *       or streamed; the connection closes</td></tr>
 *   <tr><td>414</td><td>uri_too_long</td><td>request line over {@code --max-request-line-bytes};
 *       the connection closes</td></tr>
 *   <tr><td>417</td><td>expectation_failed</td><td>an {@code Expect} other than 100-continue</td></tr>
 *   <tr><td>431</td><td>header_fields_too_large</td><td>header fields over {@code
 *       --max-header-bytes}; the connection closes</td></tr>
 *   <tr><td>502</td><td>app_unreachable</td><td>the app refused, reset or garbled the request
 *       this replica was delivering for its client</td></tr>
 *   <tr><td>503</td><td>ordering_unavailable</td><td>ZooKeeper is unreachable; at once, with
 *       {@code Retry-After}</td></tr>
 *   <tr><td>503</td><td>overloaded</td><td>{@code --max-ordered-in-flight} (or its bytes twin)
 *       ordered requests are in flight here ({@link OrderedInFlightLimit}); with {@code
 *       Retry-After}, nothing appended</td></tr>
 *   <tr><td>503</td><td>replica_not_delivering</td><td>delivery to the app stopped on this
 *       replica, or it is shutting down; with {@code Retry-After}</td></tr>
 *   <tr><td>504</td><td>timeout</td><td>ordering or delivery ran past {@code --request-timeout}
 *       (an ordered request may still be applied later, once)</td></tr>
 * </table>
 *
 * <p>Backpressure: at most {@value #MAX_PIPELINED} requests per connection are in progress;
 * beyond that the connection stops reading until responses are written.
 */
final class DownstreamHandler extends ChannelInboundHandlerAdapter {
    static final int MAX_PIPELINED = 32;

    /** How long a connection closed by a local reply keeps draining the client's input. */
    static final long LINGER_MILLIS = 2000;

    private static final Logger log = LoggerFactory.getLogger(DownstreamHandler.class);

    private final FilterChain chain;
    private final int maxBodyBytes;

    // Event loop only.
    private final ArrayDeque<ResponseSlot> slots = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private HttpRequest head;
    private CompositeByteBuf body;
    private ResponseSlot current;
    private boolean closing;

    DownstreamHandler(FilterChain chain) {
        this.chain = chain;
        this.maxBodyBytes = chain.config().maxBodyBytes();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (closing) {
                return;
            }
            if (msg instanceof HttpRequest request) {
                onHead(request);
            }
            if (msg instanceof HttpContent content && current != null) {
                onContent(content);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onHead(HttpRequest request) {
        ResponseSlot slot = new ResponseSlot(
                ctx.channel().eventLoop(),
                this::onAnswer,
                request.method(),
                request.uri(),
                HttpUtil.isKeepAlive(request),
                request.protocolVersion().minorVersion() == 0);
        slots.addLast(slot);
        chain.requestStarted();
        if (slots.size() >= MAX_PIPELINED) {
            ctx.channel().config().setAutoRead(false);
        }
        if (request.decoderResult().isFailure()) {
            reject(slot, decodingFailure(request.decoderResult().cause()));
            return;
        }
        String problem = RequestValidator.check(request);
        if (problem != null) {
            reject(slot, LocalReplies.badRequest(problem));
            return;
        }
        String expect = request.headers().get(HttpHeaderNames.EXPECT);
        // HTTP/1.0 predates Expect: ignore it there (RFC 9110 section 10.1.1).
        if (expect != null
                && request.protocolVersion().minorVersion() >= 1
                && !HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect.trim())) {
            reject(slot, LocalReplies.expectationFailed(expect));
            return;
        }
        if (HttpUtil.getContentLength(request, 0L) > maxBodyBytes) {
            reject(slot, LocalReplies.tooLarge(maxBodyBytes));
            return;
        }
        slot.needsContinue = HttpUtil.is100ContinueExpected(request);
        head = request;
        body = ctx.alloc().compositeBuffer(64);
        current = slot;
        writeReady();
    }

    private void onContent(HttpContent content) {
        if (content.decoderResult().isFailure()) {
            ResponseSlot slot = current;
            dropAggregation();
            reject(
                    slot,
                    LocalReplies.badRequest(describe(content.decoderResult().cause())));
            return;
        }
        if (body.readableBytes() + content.content().readableBytes() > maxBodyBytes) {
            ResponseSlot slot = current;
            dropAggregation();
            reject(slot, LocalReplies.tooLarge(maxBodyBytes));
            return;
        }
        if (content.content().isReadable()) {
            body.addComponent(true, content.content().retain());
        }
        if (content instanceof LastHttpContent) {
            FullHttpRequest full = new DefaultFullHttpRequest(
                    head.protocolVersion(),
                    head.method(),
                    head.uri(),
                    body,
                    head.headers(),
                    ((LastHttpContent) content).trailingHeaders());
            ResponseSlot slot = current;
            head = null;
            body = null;
            current = null;
            slot.needsContinue = false;
            slot.timeout = ctx.executor()
                    .schedule(
                            () -> slot.complete(timeoutReply(slot)),
                            chain.config().requestTimeout().toNanos(),
                            TimeUnit.NANOSECONDS);
            chain.dispatch(ctx.channel().eventLoop(), slot, full);
        }
    }

    /** 504 at the request timeout; for an ordered request its command may still be applied. */
    private Reply timeoutReply(ResponseSlot slot) {
        String waited = "no response within " + chain.config().requestTimeout().toMillis() + " ms";
        return "ordered".equals(slot.requestClass)
                ? LocalReplies.outcomeUnknown(waited + " (the command may be in the log)")
                : LocalReplies.timeout(waited);
    }

    /** A local reply that ends the connection: the input after it cannot be framed reliably. */
    private void reject(ResponseSlot slot, Reply reply) {
        slot.closeAfter = true;
        closing = true;
        slot.complete(reply);
    }

    private void onAnswer(ResponseSlot slot) {
        if (!ctx.channel().isActive()) {
            slot.abandon();
            return;
        }
        writeReady();
    }

    /** Writes every answered response at the head of the queue, in order. */
    private void writeReady() {
        boolean wrote = false;
        while (!slots.isEmpty() && slots.peekFirst().reply != null) {
            ResponseSlot slot = slots.removeFirst();
            wrote = true;
            if (write(slot)) {
                abandonAll();
                break;
            }
        }
        ResponseSlot first = slots.peekFirst();
        if (first != null && first.needsContinue && first == current) {
            first.needsContinue = false;
            ctx.write(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
            wrote = true;
        }
        if (wrote) {
            ctx.flush();
        }
        if (!closing && slots.size() < MAX_PIPELINED && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        }
    }

    /** Writes one response; returns true if the connection closes after it. */
    private boolean write(ResponseSlot slot) {
        Reply reply = slot.reply;
        slot.reply = null;
        FullHttpResponse r = reply.response();
        if (!reply.isLocal()) {
            HeaderRules.stripHopByHop(r.headers());
        }
        int status = r.status().code();
        if (HttpMethod.HEAD.equals(slot.method)) {
            if (r.content().isReadable()) {
                r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
                r = r.replace(Unpooled.EMPTY_BUFFER);
                reply.release();
            }
        } else if (status == 204 || status == 304 || status < 200) {
            r.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
        } else {
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        }
        boolean close = slot.closeAfter || !slot.keepAlive || chain.isDraining();
        r.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (close) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (slot.http10) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        chain.requestFinished(slot, reply);
        if (AccessLog.enabled()) {
            AccessLog.write(chain.config().replicaId(), slot, ctx.channel().remoteAddress(), status);
        }
        if (close) {
            closing = true;
            ChannelFutureListener then =
                    slot.closeAfter ? DownstreamHandler::lingerThenClose : ChannelFutureListener.CLOSE;
            ctx.write(r).addListener(then);
            return true;
        }
        ctx.write(r);
        return false;
    }

    /**
     * After a local reply that cut a request short (413, 400), the client may still be sending its body. Closing
     * with unread input makes the kernel answer with a reset, and a client still writing then fails on its write
     * and never reads the reply. So half-close instead (RFC 9112 section 9.6): send FIN after the reply, discard
     * what still arrives, and close when the client does or after {@value #LINGER_MILLIS} ms.
     */
    static void lingerThenClose(ChannelFuture written) {
        Channel ch = written.channel();
        if (!written.isSuccess() || !(ch instanceof DuplexChannel duplex) || !ch.isActive()) {
            ch.close();
            return;
        }
        duplex.shutdownOutput();
        ch.eventLoop().schedule(() -> ch.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
        ch.config().setAutoRead(true);
        ch.read();
    }

    private void abandonAll() {
        dropAggregation();
        ResponseSlot s;
        while ((s = slots.pollFirst()) != null) {
            s.abandon();
            chain.requestAbandoned();
        }
    }

    private void dropAggregation() {
        if (body != null) {
            body.release();
        }
        body = null;
        head = null;
        current = null;
    }

    /**
     * Closes a keep-alive connection that stayed idle with nothing in progress, and one whose client
     * stopped in the middle of a request body (408): that request was not ordered, and without this
     * the connection would wait for the rest of it forever.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (slots.isEmpty()) {
                ctx.close();
                return;
            }
            if (current != null) {
                ResponseSlot slot = current;
                dropAggregation();
                chain.limitHit(Limit.BODY_IDLE_TIMEOUT, "a request body stalled for the idle timeout; answering 408");
                reject(slot, LocalReplies.bodyTimeout(DownstreamInitializer.IDLE_SECONDS));
                return;
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        abandonAll();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            log.debug(
                    "{} downstream {} failed",
                    chain.config().logId(),
                    ctx.channel().remoteAddress(),
                    cause);
        }
        ctx.close();
    }

    /** 414 and 431 for the two size limits of a head (as Envoy and nginx answer), else 400. */
    private Reply decodingFailure(Throwable cause) {
        ProxyConfig.Limits limits = chain.config().limits();
        if (cause instanceof TooLongHttpLineException) {
            chain.limitHit(Limit.MAX_REQUEST_LINE_BYTES, "a request line over the limit; answering 414");
            return LocalReplies.requestLineTooLong(limits.maxRequestLineBytes());
        }
        if (cause instanceof TooLongHttpHeaderException) {
            chain.limitHit(Limit.MAX_HEADER_BYTES, "request headers over the limit; answering 431");
            return LocalReplies.headersTooLarge(limits.maxHeaderBytes());
        }
        return LocalReplies.badRequest(describe(cause));
    }

    /** True while some request of this connection waits for its response. */
    boolean hasRequestsInProgress() {
        return !slots.isEmpty();
    }

    private static String describe(Throwable cause) {
        String m = cause == null ? null : cause.getMessage();
        return m == null ? "malformed request" : m;
    }
}
