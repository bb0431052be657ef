package io.koordinator.proxy.health;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * One of the app's original probes, as the injector wrote it into {@code KOORD_APP_PROBERS} (after Istio's {@code
 * ISTIO_KUBE_APP_PROBERS}): {@code {"/app-health/web/readyz":{"httpGet":{"path":"/healthz","port":8080,
 * "scheme":"HTTPS","httpHeaders":[{"name":"X","value":"y"}]},"timeoutSeconds":1}}}, or {@code "tcpSocket":{"port":
 * 8080}}, or {@code "grpc":{"port":8080,"service":""}}.
 */
public sealed interface AppProbe {

    /** The admin path prefix of every rewritten probe. */
    String PREFIX = "/app-health/";

    int port();

    Duration timeout();

    /** An {@code httpGet} probe: success is a status from 200 to 399. */
    record Http(String scheme, int port, String path, List<Header> headers, Duration timeout) implements AppProbe {
        public Http {
            if (!scheme.equals("HTTP") && !scheme.equals("HTTPS")) {
                throw new IllegalArgumentException("scheme must be HTTP or HTTPS, not '" + scheme + "'");
            }
            path = path.startsWith("/") ? path : "/" + path;
            headers = List.copyOf(headers);
        }
    }

    /** One request header of an {@code httpGet} probe. */
    record Header(String name, String value) {
        public Header {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }

    /** A {@code tcpSocket} probe: success is a completed connect. */
    record Tcp(int port, Duration timeout) implements AppProbe {}

    /** A {@code grpc} probe: {@code grpc.health.v1.Health/Check} must answer SERVING. */
    record Grpc(int port, String service, Duration timeout) implements AppProbe {}

    /**
     * Parses the JSON object of {@code KOORD_APP_PROBERS}; null or blank is no probes.
     *
     * @throws IllegalArgumentException naming the path and the field that is wrong
     */
    static Map<String, AppProbe> parseAll(String json) {
        Map<String, AppProbe> probes = new LinkedHashMap<>();
        if (json == null || json.isBlank()) {
            return probes;
        }
        ObjectMapper mapper = JsonMapper.builder().build();
        JsonNode root;
        try {
            root = mapper.readTree(json);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("must be a JSON object of admin path to probe");
        }
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            String path = e.getKey();
            if (!path.startsWith(PREFIX) || path.length() == PREFIX.length()) {
                throw new IllegalArgumentException("'" + path + "' does not start with " + PREFIX);
            }
            try {
                probes.put(path, parse(e.getValue()));
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException(path + ": " + bad.getMessage());
            }
        }
        return probes;
    }

    private static AppProbe parse(JsonNode p) {
        int seconds = p.path("timeoutSeconds").asInt(1);
        if (seconds < 1) {
            throw new IllegalArgumentException("timeoutSeconds must be at least 1");
        }
        Duration timeout = Duration.ofSeconds(seconds);
        if (p.has("httpGet")) {
            JsonNode h = p.get("httpGet");
            List<Header> headers = new java.util.ArrayList<>();
            for (JsonNode header : h.path("httpHeaders")) {
                headers.add(new Header(
                        header.path("name").asString(""), header.path("value").asString("")));
            }
            return new Http(
                    h.path("scheme").asString("HTTP").toUpperCase(java.util.Locale.ROOT),
                    port(h),
                    h.path("path").asString("/"),
                    headers,
                    timeout);
        }
        if (p.has("tcpSocket")) {
            return new Tcp(port(p.get("tcpSocket")), timeout);
        }
        if (p.has("grpc")) {
            return new Grpc(port(p.get("grpc")), p.get("grpc").path("service").asString(""), timeout);
        }
        throw new IllegalArgumentException("needs one of httpGet, tcpSocket, grpc");
    }

    private static int port(JsonNode action) {
        int port = action.path("port").asInt(0);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be a number from 1 to 65535, not " + action.path("port"));
        }
        return port;
    }
}
