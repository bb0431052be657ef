package io.koordinator.proxy;

import io.koordinator.sequencer.Positions;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * Builds the proxy's own replies: a short JSON body {@code {"error": ..., "detail": ...}}. The
 * table of which status means what is in {@link DownstreamHandler}.
 */
public final class LocalReplies {
    static final JsonMapper JSON = JsonMapper.builder().build();

    /** Seconds a client should wait before retrying a 503. */
    static final String RETRY_AFTER_SECONDS = "1";

    private LocalReplies() {}

    /**
     * Builds and drops one reply of each shape, so the first real one (often the answer to an
     * outage, which must be fast) does not pay for loading the JSON machinery.
     */
    static void warmUp() {
        unavailable("warm_up", "warm-up").release();
        duplicate(0, 0).release();
    }

    public static Reply badRequest(String detail) {
        return of(HttpResponseStatus.BAD_REQUEST, "bad_request", detail);
    }

    public static Reply tooLarge(long limit) {
        return overLimit(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "payload_too_large", "request body", limit);
    }

    public static Reply bodyTimeout(int idleSeconds) {
        return of(
                HttpResponseStatus.REQUEST_TIMEOUT,
                "body_timeout",
                "nothing more of the request body for " + idleSeconds + " s; the request was not ordered");
    }

    public static Reply headerTimeout(Duration timeout) {
        return of(
                HttpResponseStatus.REQUEST_TIMEOUT,
                "header_timeout",
                "no complete request head within " + timeout.toMillis() + " ms");
    }

    public static Reply requestLineTooLong(int limit) {
        return overLimit(HttpResponseStatus.REQUEST_URI_TOO_LONG, "uri_too_long", "request line", limit);
    }

    public static Reply headersTooLarge(int limit) {
        return overLimit(
                HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                "header_fields_too_large",
                "request header fields",
                limit);
    }

    private static Reply overLimit(HttpResponseStatus status, String error, String what, long limit) {
        return of(status, error, what + " exceeds the limit of " + limit + " bytes");
    }

    public static Reply expectationFailed(String expect) {
        return of(HttpResponseStatus.EXPECTATION_FAILED, "expectation_failed", "unsupported Expect: " + expect);
    }

    public static Reply appUnreachable(String detail) {
        return of(HttpResponseStatus.BAD_GATEWAY, "app_unreachable", detail);
    }

    public static Reply unavailable(String error, String detail) {
        Reply r = of(HttpResponseStatus.SERVICE_UNAVAILABLE, error, detail);
        r.response().headers().set(HttpHeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
        return r;
    }

    public static Reply timeout(String detail) {
        return of(HttpResponseStatus.GATEWAY_TIMEOUT, "timeout", detail);
    }

    /**
     * 504 for an ordered request whose command is (or may be) in the log but whose response this
     * replica cannot give: the command may still be applied, exactly once.
     */
    public static Reply outcomeUnknown(String detail) {
        return of(
                HttpResponseStatus.GATEWAY_TIMEOUT,
                "outcome_unknown",
                detail + "; it may still be applied,"
                        + " exactly once: retry with the same Idempotency-Key to learn its result");
    }

    /**
     * 504 for an ordered request whose command the group applied at {@code position} while this
     * replica was recovering: it took the group's state past the command, so the app's response is
     * not known here.
     */
    public static Reply appliedWithoutResponse(long position) {
        return of(
                HttpResponseStatus.GATEWAY_TIMEOUT,
                "outcome_unknown",
                "the group applied the command at " + Positions.format(position) + " while this replica"
                        + " recovered, so its response is not known here: retry with the same"
                        + " Idempotency-Key to learn its result");
    }

    public static Reply duplicate(long position, long originalPosition) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("position", position);
        extra.put("originalPosition", originalPosition);
        return of(
                HttpResponseStatus.CONFLICT,
                "duplicate",
                "this request repeats the one applied at position " + originalPosition,
                extra);
    }

    public static Reply of(HttpResponseStatus status, String error, String detail) {
        return of(status, error, detail, Map.of());
    }

    public static Reply of(HttpResponseStatus status, String error, String detail, Map<String, Object> extra) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("detail", detail);
        body.putAll(extra);
        return new Reply(json(status, body), error);
    }

    /** A JSON response with {@code body} serialized. */
    public static FullHttpResponse json(HttpResponseStatus status, Object body) {
        byte[] bytes = JSON.writeValueAsBytes(body);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        return r;
    }
}
