package io.koordinator.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;

/**
 * Checks a decoded request head beyond what the decoder checks. Framing shapes that could smuggle
 * a second request past another hop (RFC 9112 §6.1, §6.3) and requests without a single {@code
 * Host} (RFC 9112 §3.2) are rejected, and so is a request target holding a control byte (NUL,
 * CR, DEL, ...; RFC 3986 allows none, and an app could cut the path at it); an absolute-form
 * target is rewritten to origin-form.
 */
final class RequestValidator {
    private RequestValidator() {}

    /** Returns what is wrong with {@code request}, or {@code null} if it may pass. */
    static String check(HttpRequest request) {
        HttpVersion version = request.protocolVersion();
        if (version.majorVersion() != 1) {
            return "unsupported HTTP version " + version;
        }
        List<String> te = request.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!te.isEmpty()) {
            if (version.minorVersion() == 0) {
                return "Transfer-Encoding is not allowed in an HTTP/1.0 request";
            }
            if (te.size() != 1 || !te.get(0).trim().equalsIgnoreCase("chunked")) {
                return "unsupported Transfer-Encoding '" + String.join(", ", te) + "'; only chunked is accepted";
            }
        }
        List<String> hosts = request.headers().getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1) {
            return "more than one Host header";
        }
        if (hosts.isEmpty() && version.minorVersion() >= 1) {
            return "missing Host header";
        }
        if (HttpMethod.CONNECT.equals(request.method())) {
            return "CONNECT is not supported";
        }
        String uri = request.uri();
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return String.format("control byte 0x%02X in the request target at offset %d", (int) c, i);
            }
        }
        if (uri.equals("*")) {
            return HttpMethod.OPTIONS.equals(request.method()) ? null : "'*' is only valid with OPTIONS";
        }
        if (uri.startsWith("/")) {
            return uri.startsWith("//") ? "request target must not start with '//'" : null;
        }
        return toOriginForm(request);
    }

    private static String toOriginForm(HttpRequest request) {
        try {
            URI u = new URI(request.uri());
            String scheme = u.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
                return "request target must be origin-form ('/path') or absolute-form ('http://host/path')";
            }
            String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
            request.setUri(u.getRawQuery() == null ? path : path + "?" + u.getRawQuery());
            return null;
        } catch (URISyntaxException e) {
            return "malformed request target: " + e.getMessage();
        }
    }
}
