package io.koordinator.proxy;

import io.koordinator.Durations;
import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.proxy.health.AppProbe;
import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.SequencerConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Validated settings of one proxy; see {@link ProxyConfigKeys} for each one's flag, variable and
 * default. Built by {@link #parse}, which rejects a bad value with a {@link ConfigException}.
 *
 * @param namespace Kubernetes namespace or {@code null}
 * @param snapshotPath the app's snapshot path or {@code null}
 * @param appProbers the app's original probes by admin path (empty: none), see {@link AppProbe}
 */
public record ProxyConfig(
        String group,
        String namespace,
        String replicaId,
        String zookeeper,
        String zkRoot,
        int appPort,
        String appHost,
        String listenAddress,
        int listenPort,
        int adminPort,
        String advertiseAddress,
        ReadPolicy readPolicy,
        List<String> passThrough,
        int maxBodyBytes,
        Duration requestTimeout,
        int batchMaxCommands,
        int batchMaxBytes,
        Duration batchMaxDelay,
        int maxAppendsInFlight,
        long readyMaxLag,
        String snapshotPath,
        Duration drainTimeout,
        Map<String, AppProbe> appProbers) {

    /** Room left in an entry for a command's method, target and headers beyond its body. */
    static final int HEAD_ROOM_BYTES = 32 * 1024;

    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    public ProxyConfig {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(replicaId, "replicaId");
        Objects.requireNonNull(zookeeper, "zookeeper");
        Objects.requireNonNull(readPolicy, "readPolicy");
        passThrough = List.copyOf(passThrough);
        appProbers = appProbers == null ? Map.of() : Map.copyOf(appProbers);
    }

    /** The group's id in ZooKeeper: {@code <namespace>.<group>}, or {@code <group>} without a namespace. */
    public String groupId() {
        return namespace == null ? group : namespace + "." + group;
    }

    /** {@code <replicaId>/<groupId>}, the prefix of every log line. */
    public String logId() {
        return replicaId + "/" + groupId();
    }

    /** The sequencer settings these flags imply. */
    public SequencerConfig sequencerConfig() {
        return SequencerConfig.defaults(zookeeper, groupId(), replicaId)
                .withRoot(zkRoot)
                .withBatching(maxAppendsInFlight, batchMaxBytes, batchMaxCommands, batchMaxDelay);
    }

    /** Parses and validates; {@code raw} gives each key's value ({@code null}: use the default). */
    public static ProxyConfig parse(Function<Key, String> raw) {
        Map<Key, String> v = new EnumMap<>(Key.class);
        for (Key k : Key.values()) {
            String s = raw.apply(k);
            if (s == null) {
                s = k.defaultValue();
            }
            if (s != null) {
                s = s.trim();
            }
            v.put(k, s == null || s.isEmpty() ? null : s);
        }
        String group = required(v, Key.GROUP);
        segment(Key.GROUP, group);
        String namespace = v.get(Key.NAMESPACE);
        if (namespace != null) {
            segment(Key.NAMESPACE, namespace);
        }
        String replicaId = v.get(Key.REPLICA_ID) != null ? v.get(Key.REPLICA_ID) : hostname();
        segment(Key.REPLICA_ID, replicaId);
        String zkRoot = v.get(Key.ZK_ROOT);
        if (zkRoot == null || !zkRoot.startsWith("/") || zkRoot.endsWith("/") || zkRoot.contains("//")) {
            throw bad(Key.ZK_ROOT, "must be an absolute ZooKeeper path without a trailing '/'", zkRoot);
        }
        String policy = v.get(Key.READ_POLICY).toLowerCase(Locale.ROOT);
        ReadPolicy readPolicy = switch (policy) {
            case "ordered" -> ReadPolicy.ORDERED;
            case "local" -> ReadPolicy.LOCAL;
            case "linearizable" ->
                throw new ConfigException(Key.READ_POLICY.describe()
                        + ": 'linearizable' is not available in this version; use 'ordered' or 'local'.");
            default -> throw bad(Key.READ_POLICY, "must be 'ordered' or 'local'", policy);
        };
        List<String> passThrough = v.get(Key.PASS_THROUGH) == null
                ? List.of()
                : Arrays.stream(v.get(Key.PASS_THROUGH).split(","))
                        .map(String::trim)
                        .filter(s -> !s.isEmpty())
                        .toList();
        for (String prefix : passThrough) {
            if (!prefix.startsWith("/")) {
                throw bad(Key.PASS_THROUGH, "every prefix must start with '/'", prefix);
            }
        }
        int batchMaxBytes = integer(v, Key.BATCH_MAX_BYTES, 1024, 1_000_000);
        int maxBodyBytes = integer(v, Key.MAX_BODY_BYTES, 0, Integer.MAX_VALUE);
        if ((long) maxBodyBytes + HEAD_ROOM_BYTES > batchMaxBytes) {
            throw new ConfigException(Key.MAX_BODY_BYTES.describe() + ": " + maxBodyBytes + " does not fit in one log"
                    + " entry; it must be at most " + Key.BATCH_MAX_BYTES.flag() + " minus " + HEAD_ROOM_BYTES + ".");
        }
        Duration requestTimeout = duration(v, Key.REQUEST_TIMEOUT);
        if (requestTimeout.isZero()) {
            throw bad(Key.REQUEST_TIMEOUT, "must be positive", v.get(Key.REQUEST_TIMEOUT));
        }
        return new ProxyConfig(
                group,
                namespace,
                replicaId,
                required(v, Key.ZOOKEEPER),
                zkRoot,
                integer(v, Key.APP_PORT, 1, 65535),
                required(v, Key.APP_HOST),
                required(v, Key.LISTEN_ADDRESS),
                integer(v, Key.LISTEN_PORT, 0, 65535),
                integer(v, Key.ADMIN_PORT, 0, 65535),
                v.get(Key.ADVERTISE_ADDRESS) != null ? v.get(Key.ADVERTISE_ADDRESS) : hostname(),
                readPolicy,
                passThrough,
                maxBodyBytes,
                requestTimeout,
                integer(v, Key.BATCH_MAX_COMMANDS, 1, Positions.MAX_INDEX + 1),
                batchMaxBytes,
                duration(v, Key.BATCH_MAX_DELAY),
                integer(v, Key.MAX_APPENDS_IN_FLIGHT, 1, 1024),
                integer(v, Key.READY_MAX_LAG, 0, Integer.MAX_VALUE),
                v.get(Key.SNAPSHOT_PATH),
                duration(v, Key.DRAIN_TIMEOUT),
                appProbers(v));
    }

    private static Map<String, AppProbe> appProbers(Map<Key, String> v) {
        try {
            return AppProbe.parseAll(v.get(Key.APP_PROBERS));
        } catch (IllegalArgumentException e) {
            throw bad(Key.APP_PROBERS, e.getMessage(), v.get(Key.APP_PROBERS));
        }
    }

    /** Parses {@code overrides} over the built-in defaults (no environment): for tests and embedding. */
    public static ProxyConfig of(Map<Key, String> overrides) {
        return parse(overrides::get);
    }

    /** {@code 500ms}, {@code 10s}, {@code 1m}, {@code 2h}; a bare {@code 0} is zero ({@link Durations}). */
    static Duration parseDuration(String s) {
        return Durations.parse(s);
    }

    private static String required(Map<Key, String> v, Key k) {
        String s = v.get(k);
        if (s == null) {
            throw new ConfigException(k.describe() + " is required.");
        }
        return s;
    }

    private static void segment(Key k, String s) {
        if (!SEGMENT.matcher(s).matches()) {
            throw bad(k, "must be letters, digits, '.', '_' or '-', starting with a letter or digit", s);
        }
    }

    private static int integer(Map<Key, String> v, Key k, int min, int max) {
        String s = required(v, k);
        try {
            int n = Integer.parseInt(s);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(k, "must be an integer in [" + min + ", " + max + "]", s);
    }

    private static Duration duration(Map<Key, String> v, Key k) {
        String s = required(v, k);
        try {
            return parseDuration(s);
        } catch (IllegalArgumentException e) {
            throw bad(k, "must be a duration like 500ms, 10s or 1m", s);
        }
    }

    private static ConfigException bad(Key k, String rule, String value) {
        return new ConfigException(k.describe() + " " + rule + ", got '" + value + "'.");
    }

    private static String hostname() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
