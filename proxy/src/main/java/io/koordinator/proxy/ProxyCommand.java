package io.koordinator.proxy;

import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.Sequencer;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code koordinator proxy}: the sidecar. Every option has a {@code KOORD_*} environment twin and
 * a default, listed in {@link ProxyConfigKeys}; values are validated into a {@link ProxyConfig}
 * before anything starts, and a bad one exits with status 2 and one sentence naming it.
 */
@Command(
        name = "proxy",
        mixinStandardHelpOptions = true,
        defaultValueProvider = ProxyConfigKeys.EnvDefaults.class,
        description = "Runs the sidecar: orders inbound HTTP requests through ZooKeeper and delivers them to the app.")
public final class ProxyCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ProxyCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--group", paramLabel = "NAME", description = "Group name (required). Env KOORD_GROUP.")
    String group;

    @Option(
            names = "--namespace",
            paramLabel = "NS",
            description = "Namespace; the group id becomes <namespace>.<group>. Env KOORD_NAMESPACE.")
    String namespace;

    @Option(
            names = "--replica-id",
            paramLabel = "ID",
            description = "This replica's id. Default: the host name. Env KOORD_REPLICA_ID.")
    String replicaId;

    @Option(
            names = "--zookeeper",
            paramLabel = "HOSTS",
            description = "ZooKeeper connect string (required). Env KOORD_ZOOKEEPER.")
    String zookeeper;

    @Option(
            names = "--zk-root",
            paramLabel = "PATH",
            description = "ZooKeeper root of all groups. Default: ${DEFAULT-VALUE}. Env KOORD_ZK_ROOT.")
    String zkRoot;

    @Option(
            names = "--zk-credentials-file",
            paramLabel = "FILE",
            description = "File holding the group's ZooKeeper digest credentials, user:password; the group's"
                    + " subtree is then theirs alone. Default: none (open). Env KOORD_ZK_CREDENTIALS_FILE.")
    String zkCredentialsFile;

    @Option(
            names = "--zk-tls-cert-file",
            paramLabel = "FILE",
            description = "PEM certificate chain presented to ZooKeeper's secure client port; with --zk-tls-key-file"
                    + " and --zk-tls-ca-file. Default: none (plain TCP). Env KOORD_ZK_TLS_CERT_FILE.")
    String zkTlsCertFile;

    @Option(
            names = "--zk-tls-key-file",
            paramLabel = "FILE",
            description = "PEM private key of --zk-tls-cert-file. Env KOORD_ZK_TLS_KEY_FILE.")
    String zkTlsKeyFile;

    @Option(
            names = "--zk-tls-ca-file",
            paramLabel = "FILE",
            description = "PEM CA certificates that sign ZooKeeper's server certificates. Env KOORD_ZK_TLS_CA_FILE.")
    String zkTlsCaFile;

    @Option(names = "--app-port", paramLabel = "PORT", description = "The app's port (required). Env KOORD_APP_PORT.")
    String appPort;

    @Option(
            names = "--app-host",
            paramLabel = "HOST",
            description = "The app's host. Default: ${DEFAULT-VALUE}. Env KOORD_APP_HOST.")
    String appHost;

    @Option(
            names = "--listen-address",
            paramLabel = "ADDR",
            description =
                    "Address of the inbound and admin listeners. Default: ${DEFAULT-VALUE}. Env KOORD_LISTEN_ADDRESS.")
    String listenAddress;

    @Option(
            names = "--listen-port",
            paramLabel = "PORT",
            description = "Inbound port. Default: ${DEFAULT-VALUE}. Env KOORD_LISTEN_PORT.")
    String listenPort;

    @Option(
            names = "--admin-port",
            paramLabel = "PORT",
            description = "Admin port. Default: ${DEFAULT-VALUE}. Env KOORD_ADMIN_PORT.")
    String adminPort;

    @Option(
            names = "--advertise-address",
            paramLabel = "HOST",
            description = "Address published for peers. Default: the host name. Env KOORD_ADVERTISE_ADDRESS.")
    String advertiseAddress;

    @Option(
            names = "--read-policy",
            paramLabel = "POLICY",
            description = "GET/HEAD: ordered or local. Default: ${DEFAULT-VALUE}. Env KOORD_READ_POLICY.")
    String readPolicy;

    @Option(
            names = "--pass-through",
            paramLabel = "PREFIXES",
            description = "Comma-separated path prefixes that bypass ordering. Env KOORD_PASS_THROUGH.")
    String passThrough;

    @Option(
            names = "--max-body-bytes",
            paramLabel = "BYTES",
            description = "Largest request body. Default: ${DEFAULT-VALUE}. Env KOORD_MAX_BODY_BYTES.")
    String maxBodyBytes;

    @Option(
            names = "--request-timeout",
            paramLabel = "DURATION",
            description = "Time to answer a request. Default: ${DEFAULT-VALUE}. Env KOORD_REQUEST_TIMEOUT.")
    String requestTimeout;

    @Option(
            names = "--batch-max-commands",
            paramLabel = "N",
            description = "Most commands per log entry. Default: ${DEFAULT-VALUE}. Env KOORD_BATCH_MAX_COMMANDS.")
    String batchMaxCommands;

    @Option(
            names = "--batch-max-bytes",
            paramLabel = "BYTES",
            description = "Largest log entry. Default: ${DEFAULT-VALUE}. Env KOORD_BATCH_MAX_BYTES.")
    String batchMaxBytes;

    @Option(
            names = "--batch-max-delay",
            paramLabel = "DURATION",
            description = "Wait for a batch to fill. Default: ${DEFAULT-VALUE}. Env KOORD_BATCH_MAX_DELAY.")
    String batchMaxDelay;

    @Option(
            names = "--max-appends-in-flight",
            paramLabel = "N",
            description = "Entries appended at once. Default: ${DEFAULT-VALUE}. Env KOORD_MAX_APPENDS_IN_FLIGHT.")
    String maxAppendsInFlight;

    @Option(
            names = "--compaction-interval",
            paramLabel = "DURATION",
            description = "How often the group's log is compacted; 0 disables."
                    + " Default: ${DEFAULT-VALUE}. Env KOORD_COMPACTION_INTERVAL.")
    String compactionInterval;

    @Option(
            names = "--compaction-retain-entries",
            paramLabel = "ENTRIES",
            description = "Entries kept below what every live replica made durable."
                    + " Default: ${DEFAULT-VALUE}. Env KOORD_COMPACTION_RETAIN_ENTRIES.")
    String compactionRetainEntries;

    @Option(
            names = "--compaction-retain-age",
            paramLabel = "DURATION",
            description = "Entries younger than this are kept; 0 for no age bound."
                    + " Default: ${DEFAULT-VALUE}. Env KOORD_COMPACTION_RETAIN_AGE.")
    String compactionRetainAge;

    @Option(
            names = "--ready-max-lag",
            paramLabel = "ENTRIES",
            description = "Most lag at which the replica is ready. Default: ${DEFAULT-VALUE}. Env KOORD_READY_MAX_LAG.")
    String readyMaxLag;

    @Option(
            names = "--snapshot-path",
            paramLabel = "PATH",
            description = "The app's snapshot path, for state transfer. Env KOORD_SNAPSHOT_PATH.")
    String snapshotPath;

    @Option(
            names = "--drain-timeout",
            paramLabel = "DURATION",
            description =
                    "Shutdown waits this long for requests in flight. Default: ${DEFAULT-VALUE}. Env KOORD_DRAIN_TIMEOUT.")
    String drainTimeout;

    @Option(
            names = "--state-dir",
            paramLabel = "DIR",
            description = "Directory of the durable checkpoint; 'none' for none. Default: under the temporary"
                    + " directory, per group and replica. Env KOORD_STATE_DIR.")
    String stateDir;

    @Option(
            names = "--app-kind",
            paramLabel = "KIND",
            description = "How the app keeps its state: memory, durable or position-aware."
                    + " Default: ${DEFAULT-VALUE}. Env KOORD_APP_KIND.")
    String appKind;

    @Option(
            names = "--transfer-token",
            paramLabel = "TOKEN",
            description = "The group's token for state transfer between peers. Default: one generated in the"
                    + " group's ZooKeeper subtree. Env KOORD_TRANSFER_TOKEN.")
    String transferToken;

    @Option(
            names = "--on-divergence",
            paramLabel = "ACTION",
            description = "report, or resync a diverged minority replica. Default: ${DEFAULT-VALUE}."
                    + " Env KOORD_ON_DIVERGENCE.")
    String onDivergence;

    @Option(
            names = "--digest-interval",
            paramLabel = "COMMANDS",
            description = "Deliveries between published digests. Default: ${DEFAULT-VALUE}. Env KOORD_DIGEST_INTERVAL.")
    String digestInterval;

    @Option(
            names = "--response-cache-entries",
            paramLabel = "ENTRIES",
            description = "Responses to Idempotency-Key commands kept for retries. Default: ${DEFAULT-VALUE}."
                    + " Env KOORD_RESPONSE_CACHE_ENTRIES.")
    String responseCacheEntries;

    @Option(
            names = "--state-sync-interval",
            paramLabel = "DURATION",
            description = "How often the journal is synced to disk. Default: ${DEFAULT-VALUE}."
                    + " Env KOORD_STATE_SYNC_INTERVAL.")
    String stateSyncInterval;

    @Option(
            names = "--checkpoint-interval",
            paramLabel = "DURATION",
            description = "How often a full checkpoint replaces the journal. Default: ${DEFAULT-VALUE}."
                    + " Env KOORD_CHECKPOINT_INTERVAL.")
    String checkpointInterval;

    @Option(
            names = "--archive-max-bytes",
            paramLabel = "BYTES",
            description = "Bound of the log archive kept for an app without snapshot endpoints, from which"
                    + " replicas are rebuilt after compaction; 0 keeps none. Default: ${DEFAULT-VALUE}."
                    + " Env KOORD_ARCHIVE_MAX_BYTES.")
    String archiveMaxBytes;

    @Option(
            names = "--header-read-timeout",
            paramLabel = "DURATION",
            description =
                    "Time a client has to send a request head. Default: ${DEFAULT-VALUE}. Env KOORD_HEADER_READ_TIMEOUT.")
    String headerReadTimeout;

    @Option(
            names = "--max-request-line-bytes",
            paramLabel = "BYTES",
            description = "Longest request line (414). Default: ${DEFAULT-VALUE}. Env KOORD_MAX_REQUEST_LINE_BYTES.")
    String maxRequestLineBytes;

    @Option(
            names = "--max-header-bytes",
            paramLabel = "BYTES",
            description = "Largest request header block (431). Default: ${DEFAULT-VALUE}. Env KOORD_MAX_HEADER_BYTES.")
    String maxHeaderBytes;

    @Option(
            names = "--max-connections",
            paramLabel = "N",
            description = "Most downstream connections. Default: ${DEFAULT-VALUE}. Env KOORD_MAX_CONNECTIONS.")
    String maxConnections;

    @Option(
            names = "--max-ordered-in-flight",
            paramLabel = "N",
            description =
                    "Most ordered requests in flight (503). Default: ${DEFAULT-VALUE}. Env KOORD_MAX_ORDERED_IN_FLIGHT.")
    String maxOrderedInFlight;

    @Option(
            names = "--max-ordered-in-flight-bytes",
            paramLabel = "BYTES",
            description =
                    "Most body bytes in flight (503). Default: ${DEFAULT-VALUE}. Env KOORD_MAX_ORDERED_IN_FLIGHT_BYTES.")
    String maxOrderedInFlightBytes;

    @Option(
            names = "--log-format",
            paramLabel = "FORMAT",
            description = "Log layout: text or json. Default: ${DEFAULT-VALUE}. Env KOORD_LOG_FORMAT.")
    String logFormat;

    @Option(
            names = "--access-log",
            paramLabel = "on|off",
            description = "One line per request on stdout. Default: ${DEFAULT-VALUE}. Env KOORD_ACCESS_LOG.")
    String accessLog;

    @Option(
            names = "--app-probers",
            paramLabel = "JSON",
            description = "The app's original probes by /app-health/ path, set by the injector. Env KOORD_APP_PROBERS.")
    String appProbers;

    /** The validated settings of this command line (flags over environment over defaults). */
    public ProxyConfig config() {
        return ProxyConfig.parse(this::raw);
    }

    private String raw(Key key) {
        return spec.findOption(key.flag()).getValue();
    }

    @Override
    public Integer call() throws Exception {
        ProxyConfig config;
        try {
            config = config();
        } catch (ConfigException e) {
            System.err.println("proxy: " + e.getMessage());
            return 2;
        }
        LogSettings.apply(config.logFormat(), config.accessLog());
        Sequencer sequencer;
        try {
            sequencer = SequencerFactory.zooKeeper(config.sequencerConfig());
        } catch (RuntimeException e) {
            System.err.println("proxy: " + e.getMessage());
            return 2;
        }
        ProxyServer server = new ProxyServer(config, sequencer);
        Thread hook = new Thread(server::close, "koord-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            server.start();
        } catch (Exception e) {
            log.error("{} cannot start: {}", config.logId(), e.toString());
            return 1;
        }
        server.awaitStopped();
        return 0;
    }
}
