package io.koordinator.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which headers cross the proxy. Hop-by-hop headers (RFC 9110 §7.6.1: {@code Connection} and the
 * fields it names, {@code Keep-Alive}, {@code TE}, {@code Trailer}, {@code Transfer-Encoding},
 * {@code Upgrade}, and {@code Proxy-*}) belong to one connection and are dropped; client-sent
 * {@code X-Koordinator-*} headers are dropped so only the proxy can set them.
 */
public final class HeaderRules {
    /** Prefix of the headers the proxy adds on delivery, lower case. */
    public static final String KOORDINATOR_PREFIX = "x-koordinator-";

    public static final String POSITION = "X-Koordinator-Position";
    public static final String TIME = "X-Koordinator-Time";
    public static final String REQUEST_ID = "X-Koordinator-Request-Id";
    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    /** On a delivery: the app may have applied this position already (position-aware apps skip it). */
    public static final String REDELIVERY = "X-Koordinator-Redelivery";
    /**
     * On the app's answer to {@code GET <snapshot-path>}: the {@link #POSITION} of that request,
     * by which the app says that the body that follows is its state as of then, fixed before these
     * headers were sent, so delivery may go on while the body streams.
     */
    public static final String SNAPSHOT_POSITION = "X-Koordinator-Snapshot-Position";
    /** On a response to a retried {@code Idempotency-Key}: the position whose original response this is. */
    public static final String REPLAYED_FROM = "X-Koordinator-Replayed-From";

    private static final List<String> HOP_BY_HOP =
            List.of("connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade");

    private HeaderRules() {}

    /** Removes every hop-by-hop header, including the ones {@code Connection} names. */
    public static void stripHopByHop(HttpHeaders headers) {
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : value.split(",")) {
                String name = token.trim();
                if (!name.isEmpty()) {
                    headers.remove(name);
                }
            }
        }
        for (String name : HOP_BY_HOP) {
            headers.remove(name);
        }
        removeByPrefix(headers, "proxy-");
    }

    /** Removes every {@code X-Koordinator-*} header. */
    public static void stripKoordinator(HttpHeaders headers) {
        removeByPrefix(headers, KOORDINATOR_PREFIX);
    }

    /**
     * Prepares a downstream request's headers to go upstream: no hop-by-hop headers, no
     * client-sent {@code X-Koordinator-*}, no {@code Expect} (the proxy answered it already), and
     * no framing headers (the caller sets {@code Content-Length}).
     */
    public static void forUpstream(HttpHeaders headers) {
        stripHopByHop(headers);
        stripKoordinator(headers);
        headers.remove(HttpHeaderNames.EXPECT);
        headers.remove(HttpHeaderNames.CONTENT_LENGTH);
    }

    /** The headers as an ordered list of name/value pairs. */
    public static List<Map.Entry<String, String>> toList(HttpHeaders headers) {
        List<Map.Entry<String, String>> out = new ArrayList<>(headers.size());
        for (Map.Entry<String, String> h : headers) {
            out.add(new SimpleImmutableEntry<>(h.getKey(), h.getValue()));
        }
        return out;
    }

    private static void removeByPrefix(HttpHeaders headers, String lowerPrefix) {
        List<String> names = new ArrayList<>();
        for (String name : headers.names()) {
            if (name.toLowerCase(Locale.ROOT).startsWith(lowerPrefix)) {
                names.add(name);
            }
        }
        names.forEach(headers::remove);
    }
}
