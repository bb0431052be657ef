package io.koordinator.proxy;

import io.netty.handler.codec.http.FullHttpResponse;
import java.util.Objects;

/**
 * A response for one downstream request: either the app's, or a local reply the proxy made up.
 *
 * @param response the response; whoever holds the reply owns one reference
 * @param localError the {@code error} of a local reply, {@code null} for the app's response
 */
public record Reply(FullHttpResponse response, String localError) {
    public Reply {
        Objects.requireNonNull(response, "response");
    }

    public static Reply fromApp(FullHttpResponse response) {
        return new Reply(response, null);
    }

    public boolean isLocal() {
        return localError != null;
    }

    public int status() {
        return response.status().code();
    }

    public void release() {
        response.release();
    }
}
