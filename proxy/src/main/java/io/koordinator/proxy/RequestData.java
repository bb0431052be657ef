package io.koordinator.proxy;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An HTTP request as a command carries it: method, request target (path and query), end-to-end
 * headers in their order, and the whole body. Framing headers are not part of it: delivery sets
 * {@code Content-Length} from the body.
 */
public record RequestData(String method, String uri, List<Map.Entry<String, String>> headers, byte[] body) {
    public RequestData {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(body, "body");
        headers = List.copyOf(headers);
    }
}
