package io.koordinator.proxy;

import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;

/**
 * Every setting of the {@code proxy} subcommand in one place: flag, environment variable twin,
 * default and unit. The flag names and environment variables are a contract (the injector sets the
 * variables; scripts pass the flags), so they never change meaning.
 *
 * <p>A flag given on the command line wins over its environment variable, which wins over the
 * default. {@link ProxyConfig#parse} validates every value and names the flag in its error.
 *
 * <p>The operator subcommands {@code status} and {@code log} share {@code --zookeeper}, {@code
 * --zk-root}, {@code --group} and {@code --namespace} (same variables) and add {@code
 * --zk-credentials} ({@code KOORD_ZK_CREDENTIALS}), {@code --zk-credentials-file} ({@code
 * KOORD_ZK_CREDENTIALS_FILE}), the three {@code --zk-tls-*-file} (same variables) and {@code --connect-timeout} ({@code KOORD_CONNECT_TIMEOUT},
 * default 5 s); see {@code io.koordinator.cli.GroupOptions}.
 */
public final class ProxyConfigKeys {

    /** One setting. {@code defaultValue} is {@code null} when the setting has no fixed default. */
    public enum Key {
        /** Group name, one path segment; required. */
        GROUP("--group", "KOORD_GROUP", null, ""),
        /** Kubernetes namespace; when set the group id is {@code <namespace>.<group>}. */
        NAMESPACE("--namespace", "KOORD_NAMESPACE", null, ""),
        /** This replica's id (the pod name); default: the host name. */
        REPLICA_ID("--replica-id", "KOORD_REPLICA_ID", null, ""),
        /** ZooKeeper connect string, {@code host:port[,host:port...]}; required. */
        ZOOKEEPER("--zookeeper", "KOORD_ZOOKEEPER", null, ""),
        /** ZooKeeper root of all groups. */
        ZK_ROOT("--zk-root", "KOORD_ZK_ROOT", "/koordinator/groups", ""),
        /**
         * File holding the group's ZooKeeper digest credentials, {@code user:password} (in a pod: the
         * Secret named by {@code koordinator.io/zk-credentials-secret}, mounted by the injector);
         * with them the group's subtree is readable and writable by them alone. Unset: open to every
         * client.
         */
        ZK_CREDENTIALS_FILE("--zk-credentials-file", "KOORD_ZK_CREDENTIALS_FILE", null, "path"),
        /**
         * PEM certificate chain this proxy presents to ZooKeeper's secure client port (in a pod:
         * {@code tls.crt} of the Secret named by {@code koordinator.io/zk-tls-secret}); with {@link
         * #ZK_TLS_KEY_FILE} and {@link #ZK_TLS_CA_FILE}, all three or none. Unset: plain TCP.
         */
        ZK_TLS_CERT_FILE("--zk-tls-cert-file", "KOORD_ZK_TLS_CERT_FILE", null, "path"),
        /** PEM private key of {@link #ZK_TLS_CERT_FILE} (PKCS#8, PKCS#1 or SEC1, unencrypted). */
        ZK_TLS_KEY_FILE("--zk-tls-key-file", "KOORD_ZK_TLS_KEY_FILE", null, "path"),
        /** PEM CA certificates that sign ZooKeeper's server certificates. */
        ZK_TLS_CA_FILE("--zk-tls-ca-file", "KOORD_ZK_TLS_CA_FILE", null, "path"),
        /** Port of the app (the upstream); required. */
        APP_PORT("--app-port", "KOORD_APP_PORT", null, "port"),
        /** Host of the app. */
        APP_HOST("--app-host", "KOORD_APP_HOST", "127.0.0.1", ""),
        /**
         * Address of the inbound and admin listeners. The default {@code 0.0.0.0}, like {@code ::}, binds the
         * dual-stack wildcard when the host has IPv6 (the JDK maps it), so IPv4 and IPv6 clients, and the IPv6
         * capture of {@code init}, reach the proxy; a specific address accepts its own family only.
         */
        LISTEN_ADDRESS("--listen-address", "KOORD_LISTEN_ADDRESS", "0.0.0.0", ""),
        /** Port of the inbound listener; 0 picks a free port. */
        LISTEN_PORT("--listen-port", "KOORD_LISTEN_PORT", "16001", "port"),
        /** Port of the admin listener (probes, status, metrics); 0 picks a free port. */
        ADMIN_PORT("--admin-port", "KOORD_ADMIN_PORT", "16000", "port"),
        /** Address peers use to reach this replica, published in its replica node; default: the host name. */
        ADVERTISE_ADDRESS("--advertise-address", "KOORD_ADVERTISE_ADDRESS", null, ""),
        /** How GET and HEAD are served: {@code ordered}, {@code linearizable} or {@code local} (README "Read policies"). */
        READ_POLICY("--read-policy", "KOORD_READ_POLICY", "ordered", ""),
        /** Comma-separated path prefixes that bypass ordering. */
        PASS_THROUGH("--pass-through", "KOORD_PASS_THROUGH", "", "prefixes"),
        /** Largest accepted request body. */
        MAX_BODY_BYTES("--max-body-bytes", "KOORD_MAX_BODY_BYTES", "262144", "bytes"),
        /** Time a client waits for its response before a 504. */
        REQUEST_TIMEOUT("--request-timeout", "KOORD_REQUEST_TIMEOUT", "10s", "duration"),
        /** Most commands in one log entry. */
        BATCH_MAX_COMMANDS("--batch-max-commands", "KOORD_BATCH_MAX_COMMANDS", "4096", "commands"),
        /** Largest encoded log entry. */
        BATCH_MAX_BYTES("--batch-max-bytes", "KOORD_BATCH_MAX_BYTES", "524288", "bytes"),
        /** How long a command may wait for others to join its entry when no append is in flight. */
        BATCH_MAX_DELAY("--batch-max-delay", "KOORD_BATCH_MAX_DELAY", "0ms", "duration"),
        /** Entries being appended at once. */
        MAX_APPENDS_IN_FLIGHT("--max-appends-in-flight", "KOORD_MAX_APPENDS_IN_FLIGHT", "4", "entries"),
        /** How often the group's compaction leader deletes what every live replica made durable; 0 disables. */
        COMPACTION_INTERVAL("--compaction-interval", "KOORD_COMPACTION_INTERVAL", "1s", "duration"),
        /** Entries compaction keeps below the lowest durable position of the live replicas. */
        COMPACTION_RETAIN_ENTRIES("--compaction-retain-entries", "KOORD_COMPACTION_RETAIN_ENTRIES", "10000", "entries"),
        /** Entries younger than this (by creation time) are never compacted; 0 for no age bound. */
        COMPACTION_RETAIN_AGE("--compaction-retain-age", "KOORD_COMPACTION_RETAIN_AGE", "0s", "duration"),
        /** Largest lag (entries not yet delivered) at which the replica is still ready. */
        READY_MAX_LAG("--ready-max-lag", "KOORD_READY_MAX_LAG", "100", "entries"),
        /** Where the app's snapshot endpoint lives; shown in /status, used by state transfer. */
        SNAPSHOT_PATH("--snapshot-path", "KOORD_SNAPSHOT_PATH", null, "path"),
        /** How long shutdown waits for in-flight requests. */
        DRAIN_TIMEOUT("--drain-timeout", "KOORD_DRAIN_TIMEOUT", "10s", "duration"),
        /**
         * Directory of the durable checkpoint (an emptyDir in a pod); empty: a directory under the
         * system's temporary directory named after the group and replica; {@code none}: nothing
         * survives a proxy restart.
         */
        STATE_DIR("--state-dir", "KOORD_STATE_DIR", "", "path"),
        /** How the app keeps its state: memory, durable or position-aware (see the README's app contract). */
        APP_KIND("--app-kind", "KOORD_APP_KIND", "memory", ""),
        /** The group's token for the admin port's /status and state transfer; empty: one generated in the group's ZooKeeper subtree. */
        TRANSFER_TOKEN("--transfer-token", "KOORD_TRANSFER_TOKEN", "", "secret"),
        /** What a replica does when its digest differs from the group's: report or resync. */
        ON_DIVERGENCE("--on-divergence", "KOORD_ON_DIVERGENCE", "report", ""),
        /** Deliveries between two published digests (0: never publish). */
        DIGEST_INTERVAL("--digest-interval", "KOORD_DIGEST_INTERVAL", "100", "commands"),
        /** Responses to Idempotency-Key commands kept for retries. */
        RESPONSE_CACHE_ENTRIES("--response-cache-entries", "KOORD_RESPONSE_CACHE_ENTRIES", "10000", "entries"),
        /** Group commit: how often the journal is synced to disk. */
        STATE_SYNC_INTERVAL("--state-sync-interval", "KOORD_STATE_SYNC_INTERVAL", "100ms", "duration"),
        /** How often a full checkpoint replaces the journal. */
        CHECKPOINT_INTERVAL("--checkpoint-interval", "KOORD_CHECKPOINT_INTERVAL", "30s", "duration"),
        /**
         * Bound of the log archive kept in the state directory for an app without snapshot endpoints,
         * from which a peer rebuilds its app after compaction (0: keep none).
         */
        ARCHIVE_MAX_BYTES("--archive-max-bytes", "KOORD_ARCHIVE_MAX_BYTES", "1073741824", "bytes"),
        /**
         * Longest a downstream connection may take to send a complete request head: from accept to
         * the end of its first head, and from the first byte of each later head to its end.
         */
        HEADER_READ_TIMEOUT("--header-read-timeout", "KOORD_HEADER_READ_TIMEOUT", "10s", "duration"),
        /** Longest request line (method, target, version); a longer one gets 414. */
        MAX_REQUEST_LINE_BYTES("--max-request-line-bytes", "KOORD_MAX_REQUEST_LINE_BYTES", "8192", "bytes"),
        /** Largest total of a request's header fields; more gets 431. */
        MAX_HEADER_BYTES("--max-header-bytes", "KOORD_MAX_HEADER_BYTES", "16384", "bytes"),
        /** Most downstream connections open at once; a connection past it is closed as it is accepted. */
        MAX_CONNECTIONS("--max-connections", "KOORD_MAX_CONNECTIONS", "10000", "connections"),
        /** Most ordered requests in flight on this replica; past it new ones get 503. */
        MAX_ORDERED_IN_FLIGHT("--max-ordered-in-flight", "KOORD_MAX_ORDERED_IN_FLIGHT", "1024", "requests"),
        /** Most body bytes of ordered requests in flight on this replica; past it new ones get 503. */
        MAX_ORDERED_IN_FLIGHT_BYTES(
                "--max-ordered-in-flight-bytes", "KOORD_MAX_ORDERED_IN_FLIGHT_BYTES", "67108864", "bytes"),
        /** Layout of the log lines on stderr and stdout: {@code text} or {@code json} (Log4j2 JSON template). */
        LOG_FORMAT("--log-format", "KOORD_LOG_FORMAT", "text", ""),
        /** One access log line per request on stdout (logger {@code koordinator.access}): {@code on} or {@code off}. */
        ACCESS_LOG("--access-log", "KOORD_ACCESS_LOG", "off", ""),
        /** The app's original probes by admin path {@code /app-health/...}, JSON, set by the injector; default none. */
        APP_PROBERS("--app-probers", "KOORD_APP_PROBERS", null, "JSON");

        private final String flag;
        private final String env;
        private final String defaultValue;
        private final String unit;

        Key(String flag, String env, String defaultValue, String unit) {
            this.flag = flag;
            this.env = env;
            this.defaultValue = defaultValue;
            this.unit = unit;
        }

        public String flag() {
            return flag;
        }

        public String env() {
            return env;
        }

        /** The built-in default, or {@code null}. */
        public String defaultValue() {
            return defaultValue;
        }

        public String unit() {
            return unit;
        }

        /** {@code --flag (ENV)}: how error messages name a setting. */
        public String describe() {
            return flag + " (" + env + ")";
        }

        /** The key whose flag is {@code flag}, if any. */
        public static Optional<Key> byFlag(String flag) {
            for (Key k : values()) {
                if (k.flag.equals(flag)) {
                    return Optional.of(k);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * Supplies each option's default from its environment variable, else from {@link
     * Key#defaultValue()}: the {@code KOORD_*} twin of every flag.
     */
    public static final class EnvDefaults implements CommandLine.IDefaultValueProvider {
        private final Map<String, String> env;

        public EnvDefaults() {
            this(System.getenv());
        }

        public EnvDefaults(Map<String, String> env) {
            this.env = Map.copyOf(env);
        }

        @Override
        public String defaultValue(CommandLine.Model.ArgSpec argSpec) {
            if (!(argSpec instanceof CommandLine.Model.OptionSpec option)) {
                return null;
            }
            Optional<Key> key = Key.byFlag(option.longestName());
            if (key.isEmpty()) {
                return null;
            }
            String fromEnv = env.get(key.get().env());
            return fromEnv != null ? fromEnv : key.get().defaultValue();
        }
    }

    private ProxyConfigKeys() {}
}
