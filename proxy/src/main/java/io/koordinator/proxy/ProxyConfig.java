package io.koordinator.proxy;

import io.koordinator.Durations;
import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.proxy.health.AppProbe;
import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.SequencerConfig;
import io.koordinator.sequencer.ZkCredentials;
import io.koordinator.sequencer.ZkTls;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
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
 * @param zkCredentials the group's ZooKeeper digest credentials, or {@code null} (subtree open)
 * @param zkTls TLS to ZooKeeper's secure client port, or {@code null} (plain TCP)
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
        RecoveryConfig recovery,
        Compaction compaction,
        Limits limits,
        LogFormat logFormat,
        boolean accessLog,
        Map<String, AppProbe> appProbers,
        ZkCredentials zkCredentials,
        ZkTls zkTls) {

    /** Compaction settings, passed to the sequencer as they are. */
    public record Compaction(Duration interval, long retainEntries, Duration retainAge) {}

    /** How log lines are laid out. */
    public enum LogFormat {
        TEXT,
        JSON
    }

    /**
     * The limits against abuse (see {@link ProxyConfigKeys} for each one's flag).
     *
     * @param headerReadTimeout time to send a complete request head
     * @param maxRequestLineBytes longest request line (414 past it)
     * @param maxHeaderBytes largest header block (431 past it)
     * @param maxConnections most downstream connections open at once
     * @param maxOrderedInFlight most ordered requests in flight (503 past it)
     * @param maxOrderedInFlightBytes most body bytes of ordered requests in flight (503 past it)
     */
    public record Limits(
            Duration headerReadTimeout,
            int maxRequestLineBytes,
            int maxHeaderBytes,
            int maxConnections,
            int maxOrderedInFlight,
            long maxOrderedInFlightBytes) {}

    /** Room left in an entry for a command's method, target and headers beyond its body. */
    static final int HEAD_ROOM_BYTES = 32 * 1024;

    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    public ProxyConfig {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(replicaId, "replicaId");
        Objects.requireNonNull(zookeeper, "zookeeper");
        Objects.requireNonNull(readPolicy, "readPolicy");
        Objects.requireNonNull(recovery, "recovery");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(logFormat, "logFormat");
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
                .withBatching(maxAppendsInFlight, batchMaxBytes, batchMaxCommands, batchMaxDelay)
                .withCompaction(compaction.interval(), compaction.retainEntries(), compaction.retainAge())
                .withCredentials(zkCredentials)
                .withTls(zkTls);
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
            case "linearizable" -> ReadPolicy.LINEARIZABLE;
            case "local" -> ReadPolicy.LOCAL;
            default -> throw bad(Key.READ_POLICY, "must be 'ordered', 'linearizable' or 'local'", policy);
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
                snapshotPath(v),
                duration(v, Key.DRAIN_TIMEOUT),
                recovery(v, namespace == null ? group : namespace + "." + group, replicaId),
                new Compaction(
                        duration(v, Key.COMPACTION_INTERVAL),
                        integer(v, Key.COMPACTION_RETAIN_ENTRIES, 0, Integer.MAX_VALUE),
                        duration(v, Key.COMPACTION_RETAIN_AGE)),
                limits(v, maxBodyBytes),
                logFormat(v),
                accessLog(v),
                appProbers(v),
                zkCredentials(v),
                zkTls(v));
    }

    /** Read at start-up: a missing or unreadable file stops the proxy with one sentence naming its key. */
    private static ZkTls zkTls(Map<Key, String> v) {
        try {
            return ZkTlsFiles.load(
                    v.get(Key.ZK_TLS_CERT_FILE),
                    v.get(Key.ZK_TLS_KEY_FILE),
                    v.get(Key.ZK_TLS_CA_FILE),
                    Key.ZK_TLS_CERT_FILE.describe(),
                    Key.ZK_TLS_KEY_FILE.describe(),
                    Key.ZK_TLS_CA_FILE.describe());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage() + ".");
        }
    }

    /** Read at start-up: a missing or malformed file stops the proxy with one sentence naming the key. */
    private static ZkCredentials zkCredentials(Map<Key, String> v) {
        String file = v.get(Key.ZK_CREDENTIALS_FILE);
        if (file == null) {
            return null;
        }
        try {
            return ZkCredentials.read(Path.of(file));
        } catch (IOException e) {
            throw new ConfigException(Key.ZK_CREDENTIALS_FILE.describe() + ": cannot read " + file + " ("
                    + e.getClass().getSimpleName() + ").");
        } catch (IllegalArgumentException e) {
            throw new ConfigException(Key.ZK_CREDENTIALS_FILE.describe() + ": " + file + " does not hold "
                    + "'user:password' (both non-empty).");
        }
    }

    private static Map<String, AppProbe> appProbers(Map<Key, String> v) {
        try {
            return AppProbe.parseAll(v.get(Key.APP_PROBERS));
        } catch (IllegalArgumentException e) {
            throw bad(Key.APP_PROBERS, e.getMessage(), v.get(Key.APP_PROBERS));
        }
    }

    private static String snapshotPath(Map<Key, String> v) {
        String path = v.get(Key.SNAPSHOT_PATH);
        if (path != null && !path.startsWith("/")) {
            throw bad(Key.SNAPSHOT_PATH, "must start with '/'", path);
        }
        return path;
    }

    private static RecoveryConfig recovery(Map<Key, String> v, String groupId, String replicaId) {
        String dir = v.get(Key.STATE_DIR);
        Path stateDir;
        if (dir == null) {
            stateDir = Path.of(System.getProperty("java.io.tmpdir"), "koordinator-state", groupId, replicaId);
        } else if (dir.equals("none")) {
            stateDir = null;
        } else {
            try {
                stateDir = Path.of(dir);
            } catch (InvalidPathException e) {
                throw bad(Key.STATE_DIR, "must be a directory path or 'none'", dir);
            }
        }
        AppKind kind = switch (v.get(Key.APP_KIND).toLowerCase(Locale.ROOT)) {
            case "memory" -> AppKind.MEMORY;
            case "durable" -> AppKind.DURABLE;
            case "position-aware" -> AppKind.POSITION_AWARE;
            default -> throw bad(Key.APP_KIND, "must be 'memory', 'durable' or 'position-aware'", v.get(Key.APP_KIND));
        };
        boolean resync = switch (v.get(Key.ON_DIVERGENCE).toLowerCase(Locale.ROOT)) {
            case "report" -> false;
            case "resync" -> true;
            default -> throw bad(Key.ON_DIVERGENCE, "must be 'report' or 'resync'", v.get(Key.ON_DIVERGENCE));
        };
        Duration sync = duration(v, Key.STATE_SYNC_INTERVAL);
        Duration checkpoint = duration(v, Key.CHECKPOINT_INTERVAL);
        if (sync.isZero() || checkpoint.isZero()) {
            throw new ConfigException(
                    Key.STATE_SYNC_INTERVAL.flag() + " and " + Key.CHECKPOINT_INTERVAL.flag() + " must be positive.");
        }
        return new RecoveryConfig(
                stateDir,
                kind,
                v.get(Key.TRANSFER_TOKEN),
                resync,
                integer(v, Key.DIGEST_INTERVAL, 0, Integer.MAX_VALUE),
                integer(v, Key.RESPONSE_CACHE_ENTRIES, 0, 10_000_000),
                sync,
                checkpoint,
                v.get(Key.SNAPSHOT_PATH) == null || v.get(Key.SNAPSHOT_PATH).isEmpty()
                        ? longInteger(v, Key.ARCHIVE_MAX_BYTES, 0, Long.MAX_VALUE)
                        : 0);
    }

    private static Limits limits(Map<Key, String> v, int maxBodyBytes) {
        Duration headerReadTimeout = duration(v, Key.HEADER_READ_TIMEOUT);
        if (headerReadTimeout.isZero()) {
            throw bad(Key.HEADER_READ_TIMEOUT, "must be positive", v.get(Key.HEADER_READ_TIMEOUT));
        }
        int inFlightBytes = integer(v, Key.MAX_ORDERED_IN_FLIGHT_BYTES, 1, Integer.MAX_VALUE);
        if (inFlightBytes < maxBodyBytes) {
            throw new ConfigException(Key.MAX_ORDERED_IN_FLIGHT_BYTES.describe() + ": " + inFlightBytes
                    + " is smaller than one body of " + Key.MAX_BODY_BYTES.flag() + " (" + maxBodyBytes + ").");
        }
        return new Limits(
                headerReadTimeout,
                integer(v, Key.MAX_REQUEST_LINE_BYTES, 64, 1 << 20),
                integer(v, Key.MAX_HEADER_BYTES, 256, 1 << 20),
                integer(v, Key.MAX_CONNECTIONS, 1, 1 << 20),
                integer(v, Key.MAX_ORDERED_IN_FLIGHT, 1, 1 << 20),
                inFlightBytes);
    }

    private static LogFormat logFormat(Map<Key, String> v) {
        String s = required(v, Key.LOG_FORMAT).toLowerCase(Locale.ROOT);
        return switch (s) {
            case "text" -> LogFormat.TEXT;
            case "json" -> LogFormat.JSON;
            default -> throw bad(Key.LOG_FORMAT, "must be 'text' or 'json'", s);
        };
    }

    /** {@code on}/{@code off}; {@code INFO}/{@code OFF} too, the logger levels it meant before it was a flag. */
    private static boolean accessLog(Map<Key, String> v) {
        String s = required(v, Key.ACCESS_LOG).toLowerCase(Locale.ROOT);
        return switch (s) {
            case "on", "true", "info" -> true;
            case "off", "false" -> false;
            default -> throw bad(Key.ACCESS_LOG, "must be 'on' or 'off'", s);
        };
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
        return (int) longInteger(v, k, min, max);
    }

    private static long longInteger(Map<Key, String> v, Key k, long min, long max) {
        String s = required(v, k);
        try {
            long n = Long.parseLong(s);
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
