package io.koordinator.loadtest.check;

import io.koordinator.loadtest.load.HttpConnection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * What one replica's app holds, read straight from the app (not through its proxy).
 *
 * @param name the replica's name in reports
 * @param digest {@code /digest} digest
 * @param applied {@code /digest} applied
 * @param outOfOrder {@code /digest} outOfOrder (writes whose position was not increasing)
 * @param appliedIds {@code /applied}, in apply order
 * @param values the workload keys' values; an absent key maps to null
 */
public record ReplicaState(
        String name,
        String digest,
        long applied,
        long outOfOrder,
        List<String> appliedIds,
        Map<String, String> values) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public ReplicaState {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(digest, "digest");
        appliedIds = List.copyOf(appliedIds);
        values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** Reads {@code /digest}, {@code /applied} and every key in {@code keys} from the app at {@code app}. */
    public static ReplicaState fetch(String name, InetSocketAddress app, Collection<String> keys) throws IOException {
        try (HttpConnection c = new HttpConnection(app, Duration.ofSeconds(30))) {
            JsonNode d = JSON.readTree(ok(c.send("GET", "/digest", null), "/digest"));
            String applied = ok(c.send("GET", "/applied", null), "/applied");
            List<String> ids = new ArrayList<>();
            for (String line : applied.split("\n")) {
                if (!line.isEmpty()) {
                    ids.add(line);
                }
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (String key : keys) {
                HttpConnection.Response r = c.send("GET", "/kv/" + key, null);
                if (r.status() == 200) {
                    values.put(key, r.body());
                } else if (r.status() == 404) {
                    values.put(key, null);
                } else {
                    throw new IOException(name + ": GET /kv/" + key + " answered " + r.status());
                }
            }
            return new ReplicaState(
                    name,
                    d.get("digest").asString(),
                    d.get("applied").asLong(),
                    d.path("outOfOrder").asLong(0),
                    ids,
                    values);
        }
    }

    private static String ok(HttpConnection.Response r, String what) throws IOException {
        if (r.status() != 200) {
            throw new IOException(what + " answered " + r.status() + ": " + r.body());
        }
        return r.body();
    }
}
