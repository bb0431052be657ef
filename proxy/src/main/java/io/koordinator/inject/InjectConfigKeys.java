package io.koordinator.inject;

import io.koordinator.proxy.ProxyConfigKeys.Key;
import java.util.List;

/**
 * Every key of the injector in one place: flags (with their {@code KOORD_*} environment twins), the
 * injector config file's fields, the pod annotations it reads, and the contract it writes into the pods
 * (names, ports, environment of the proxy). Defaults and units are in each line's javadoc.
 */
public final class InjectConfigKeys {

    private InjectConfigKeys() {}

    // ---- inject flags -------------------------------------------------------------------------------------

    /** {@code --port} / {@code KOORD_INJECT_PORT}: HTTPS port of the webhook; default 9443. */
    public static final String PORT_ENV = "KOORD_INJECT_PORT";

    public static final int PORT_DEFAULT = 9443;

    /** {@code --address} / {@code KOORD_INJECT_ADDRESS}: bind address; default 0.0.0.0 (every interface). */
    public static final String ADDRESS_ENV = "KOORD_INJECT_ADDRESS";

    /** {@code --tls-cert} / {@code KOORD_INJECT_TLS_CERT}: PEM certificate chain, serving cert first. */
    public static final String TLS_CERT_ENV = "KOORD_INJECT_TLS_CERT";

    /** {@code --tls-key} / {@code KOORD_INJECT_TLS_KEY}: PEM private key (PKCS#8, PKCS#1 or SEC1). */
    public static final String TLS_KEY_ENV = "KOORD_INJECT_TLS_KEY";

    /** {@code --self-signed} / {@code KOORD_INJECT_SELF_SIGNED}: generate a CA and a serving cert; default false. */
    public static final String SELF_SIGNED_ENV = "KOORD_INJECT_SELF_SIGNED";

    /** {@code --dns-names} / {@code KOORD_INJECT_DNS_NAMES}: SANs of the generated cert, comma-separated. */
    public static final String DNS_NAMES_ENV = "KOORD_INJECT_DNS_NAMES";

    public static final List<String> DNS_NAMES_DEFAULT = List.of(
            "koordinator-injector.koordinator-system.svc", "koordinator-injector.koordinator-system.svc.cluster.local");

    /** {@code --patch-webhook} / {@code KOORD_INJECT_PATCH_WEBHOOK}: MutatingWebhookConfiguration to give our CA. */
    public static final String PATCH_WEBHOOK_ENV = "KOORD_INJECT_PATCH_WEBHOOK";

    /** {@code --config} / {@code KOORD_INJECT_CONFIG}: injector defaults file (YAML or JSON); optional. */
    public static final String CONFIG_ENV = "KOORD_INJECT_CONFIG";

    /** {@code --max-body-bytes} / {@code KOORD_INJECT_MAX_BODY_BYTES}: AdmissionReview size cap; default 4 MiB. */
    public static final String MAX_REVIEW_BYTES_ENV = "KOORD_INJECT_MAX_BODY_BYTES";

    public static final int MAX_REVIEW_BYTES_DEFAULT = 4 * 1024 * 1024;

    /**
     * {@code KOORD_INJECT_POD_SECURITY_CHECK}: {@code true} | {@code false}; read each pod's namespace labels (RBAC
     * {@code get namespaces}) to refuse pods that Pod Security would reject. Default: on inside a cluster ({@code
     * KUBERNETES_SERVICE_HOST} set).
     */
    public static final String POD_SECURITY_CHECK_ENV = "KOORD_INJECT_POD_SECURITY_CHECK";

    /** HTTP path of the webhook (POST, AdmissionReview admission.k8s.io/v1). */
    public static final String MUTATE_PATH = "/mutate";

    /** HTTP path of the webhook's own health check (GET, 200 "ok"). */
    public static final String HEALTHZ_PATH = "/healthz";

    /** HTTP path of the webhook's Prometheus metrics (GET, text format). */
    public static final String METRICS_PATH = "/metrics";

    // ---- pod labels and annotations -----------------------------------------------------------------------

    public static final String PREFIX = "koordinator.io/";

    /** Label; {@code "false"} opts a pod out (the webhook's objectSelector should skip it, we skip it too). */
    public static final String INJECT_LABEL = PREFIX + "inject";

    /** Annotation written by the injector: JSON of what was injected; its presence makes injection a no-op. */
    public static final String STATUS_ANNOTATION = PREFIX + "status";

    /**
     * Port number or name of a TCP container port of the app; default: the first TCP port of the container named by
     * {@code kubectl.kubernetes.io/default-container}, else of the first container that is not a known sidecar
     * ({@link AppPort}).
     */
    public static final String APP_PORT = PREFIX + "app-port";

    /** Replicated group name; default: label app.kubernetes.io/name, then label app. */
    public static final String GROUP = PREFIX + "group";

    /** ordered | linearizable | local; default from the config file (ordered). */
    public static final String READ_POLICY = PREFIX + "read-policy";

    /** Comma-separated path prefixes served by the local app without ordering; probe paths are added. */
    public static final String PASS_THROUGH = PREFIX + "pass-through";

    /** Positive integer: most commands in one log entry; default: the proxy's. */
    public static final String BATCH_MAX_COMMANDS = PREFIX + "batch-max-commands";

    /** Positive integer, bytes: largest log entry; default: the proxy's. */
    public static final String BATCH_MAX_BYTES = PREFIX + "batch-max-bytes";

    /** Duration ({@code 2ms}, {@code 1s}): longest wait to fill a batch; default: the proxy's. */
    public static final String BATCH_MAX_DELAY = PREFIX + "batch-max-delay";

    /** Positive integer: appends in flight at once; default: the proxy's. */
    public static final String MAX_APPENDS_IN_FLIGHT = PREFIX + "max-appends-in-flight";

    /** Positive integer, bytes: largest request body the proxy accepts; default: the proxy's. */
    public static final String MAX_BODY_BYTES = PREFIX + "max-body-bytes";

    /** Duration: how long a client waits for its ordered request; default: the proxy's. */
    public static final String REQUEST_TIMEOUT = PREFIX + "request-timeout";

    /** Absolute path of the app's snapshot endpoint; default: none (catch up by replaying the log). */
    public static final String SNAPSHOT_PATH = PREFIX + "snapshot-path";

    /** ZooKeeper connect string for this group; default from the config file. */
    public static final String ZOOKEEPER = PREFIX + "zookeeper";

    /** {@code memory} | {@code durable} | {@code position-aware}: how the app keeps its state; default: the proxy's. */
    public static final String APP_KIND = PREFIX + "app-kind";

    /** {@code report} | {@code resync}: what a replica does when its digest differs; default: the proxy's (report). */
    public static final String ON_DIVERGENCE = PREFIX + "on-divergence";

    /**
     * Non-negative integer, bytes: bound of the log archive of an app without snapshot endpoints (0: none);
     * default: the proxy's (1 GiB).
     */
    public static final String ARCHIVE_MAX_BYTES = PREFIX + "archive-max-bytes";

    /**
     * Name of a volume of the pod that holds the proxy's state directory (subdirectory {@value #STATE_SUB_PATH}),
     * e.g. the app's PersistentVolumeClaim; default: the injector adds the emptyDir {@value #STATE_VOLUME_NAME}.
     */
    public static final String STATE_VOLUME = PREFIX + "state-volume";

    /**
     * Name of a Secret whose key {@value #TRANSFER_TOKEN_KEY} is the group's state-transfer token; default from the
     * config file ({@code transferTokenSecret}), else none: the proxy keeps a generated token in ZooKeeper.
     */
    public static final String TRANSFER_TOKEN_SECRET = PREFIX + "transfer-token-secret";

    /**
     * Name of a Secret whose key {@value #ZK_CREDENTIALS_KEY} holds the group's ZooKeeper digest credentials,
     * {@code user:password}; mounted read-only into the proxy, which then owns the group's subtree alone. Per group,
     * so there is no injector-wide default; none: the subtree is open to every ZooKeeper client.
     */
    public static final String ZK_CREDENTIALS_SECRET = PREFIX + "zk-credentials-secret";

    /**
     * Name of a Secret holding the proxy's TLS material for ZooKeeper's secure client port, as cert-manager and
     * {@code kubectl create secret tls} write it: {@value #ZK_TLS_CERT_KEY}, {@value #ZK_TLS_KEY_KEY} and {@value
     * #ZK_TLS_CA_KEY}; mounted read-only into the proxy. None: the proxy talks plain TCP to ZooKeeper.
     */
    public static final String ZK_TLS_SECRET = PREFIX + "zk-tls-secret";

    /** Kubernetes quantity: CPU request of the proxy; default from the config file. */
    public static final String PROXY_CPU = PREFIX + "proxy-cpu";

    /** Kubernetes quantity: memory request of the proxy; default from the config file. */
    public static final String PROXY_MEMORY = PREFIX + "proxy-memory";

    /** Duration: time a client has to send a complete request head; default: the proxy's (10s). */
    public static final String HEADER_READ_TIMEOUT = PREFIX + "header-read-timeout";

    /** Positive integer, bytes: longest request line (414 past it); default: the proxy's. */
    public static final String MAX_REQUEST_LINE_BYTES = PREFIX + "max-request-line-bytes";

    /** Positive integer, bytes: largest request header block (431 past it); default: the proxy's. */
    public static final String MAX_HEADER_BYTES = PREFIX + "max-header-bytes";

    /** Positive integer: most downstream connections of the proxy; default: the proxy's. */
    public static final String MAX_CONNECTIONS = PREFIX + "max-connections";

    /** Positive integer: most ordered requests in flight on the replica (503 past it); default: the proxy's. */
    public static final String MAX_ORDERED_IN_FLIGHT = PREFIX + "max-ordered-in-flight";

    /** Positive integer, bytes: most body bytes of ordered requests in flight; default: the proxy's. */
    public static final String MAX_ORDERED_IN_FLIGHT_BYTES = PREFIX + "max-ordered-in-flight-bytes";

    /** {@code text} | {@code json}: the proxy's log layout; default: the proxy's (text). */
    public static final String LOG_FORMAT = PREFIX + "log-format";

    /** {@code on} | {@code off}: the proxy's access log on stdout; default: the proxy's (off). */
    public static final String ACCESS_LOG = PREFIX + "access-log";

    /** Comma-separated ports the init container must never redirect; 16000 is always excluded. */
    public static final String EXCLUDE_INBOUND_PORTS = PREFIX + "exclude-inbound-ports";

    /**
     * {@code auto} | {@code on} | {@code off}: whether the init container captures IPv6 too ({@code init
     * --ipv6}); default: init's own, {@code auto} (IPv6 is captured when the pod has an IPv6 address, and init
     * fails if it cannot be).
     */
    public static final String CAPTURE_IPV6 = PREFIX + "capture-ipv6";

    /**
     * {@code "false"} leaves the app's probes alone (their paths join the pass-through list); default true: probes
     * on the app port are rewritten to the proxy's {@value #APP_HEALTH_PREFIX} routes.
     */
    public static final String REWRITE_PROBES = PREFIX + "rewrite-probes";

    /** Standard annotation naming the container kubectl exec/logs pick by default (set in fallback mode). */
    public static final String DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container";

    /** Istio's sidecar container; never the app. A pod with it is refused (docs/kubernetes.md, "Istio"). */
    public static final String ISTIO_PROXY = "istio-proxy";

    /** Istio's init container (iptables). */
    public static final String ISTIO_INIT = "istio-init";

    /** Annotation Istio's injector writes on every pod it injected. */
    public static final String ISTIO_STATUS_ANNOTATION = "sidecar.istio.io/status";

    /** Namespace label of Pod Security Admission: privileged | baseline | restricted. */
    public static final String POD_SECURITY_ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";

    // ---- what the injector writes into a pod --------------------------------------------------------------

    public static final String INIT_CONTAINER_NAME = "koordinator-init";
    public static final String PROXY_CONTAINER_NAME = "koordinator-proxy";

    /** Proxy inbound port (captured traffic is redirected here). */
    public static final int INBOUND_PORT = 16001;

    /** Proxy admin port: /ready, /live, /status, /metrics. */
    public static final int ADMIN_PORT = 16000;

    /** The emptyDir volume the injector adds for the proxy's state directory (unless {@link #STATE_VOLUME} is set). */
    public static final String STATE_VOLUME_NAME = "koordinator-state";

    /** Where the proxy container mounts its state volume; also its {@code KOORD_STATE_DIR}. */
    public static final String STATE_MOUNT_PATH = "/var/run/koordinator/state";

    /** Subdirectory of a volume named by {@link #STATE_VOLUME}, so the proxy's files stay apart from the app's. */
    public static final String STATE_SUB_PATH = "koordinator";

    /** Key of the ZooKeeper credentials Secret that holds {@code user:password}. */
    public static final String ZK_CREDENTIALS_KEY = "credentials";

    /** The Secret volume the injector adds for {@link #ZK_CREDENTIALS_SECRET}. */
    public static final String ZK_CREDENTIALS_VOLUME_NAME = "koordinator-zk-credentials";

    /** Where the proxy container mounts that volume (read-only). */
    public static final String ZK_CREDENTIALS_MOUNT_PATH = "/var/run/koordinator/zk-credentials";

    /** Key of the ZooKeeper TLS Secret holding the proxy's certificate chain (PEM). */
    public static final String ZK_TLS_CERT_KEY = "tls.crt";

    /** Key of the ZooKeeper TLS Secret holding the certificate's private key (PEM). */
    public static final String ZK_TLS_KEY_KEY = "tls.key";

    /** Key of the ZooKeeper TLS Secret holding the CA certificates of ZooKeeper's servers (PEM). */
    public static final String ZK_TLS_CA_KEY = "ca.crt";

    /** The Secret volume the injector adds for {@link #ZK_TLS_SECRET}. */
    public static final String ZK_TLS_VOLUME_NAME = "koordinator-zk-tls";

    /** Where the proxy container mounts that volume (read-only). */
    public static final String ZK_TLS_MOUNT_PATH = "/var/run/koordinator/zk-tls";

    /** Key of the transfer-token Secret that holds the token. */
    public static final String TRANSFER_TOKEN_KEY = "token";

    /** The jar inside the image, for the exec postStart hook of the fallback mode. */
    public static final String JAR_PATH = "/opt/koordinator/koordinator.jar";

    /**
     * The class-data archive of {@link #JAR_PATH} that the image's build writes ({@code
     * class-archive}, see the Dockerfile); the proxy's JVM maps its classes from it.
     */
    public static final String CLASS_ARCHIVE_PATH = "/opt/koordinator/proxy.jsa";

    public static final String ENV_GROUP = "KOORD_GROUP";
    public static final String ENV_NAMESPACE = "KOORD_NAMESPACE";
    public static final String ENV_REPLICA_ID = "KOORD_REPLICA_ID";
    public static final String ENV_ADVERTISE_ADDRESS = "KOORD_ADVERTISE_ADDRESS";
    public static final String ENV_ZOOKEEPER = "KOORD_ZOOKEEPER";
    public static final String ENV_APP_PORT = "KOORD_APP_PORT";
    public static final String ENV_READ_POLICY = "KOORD_READ_POLICY";
    public static final String ENV_PASS_THROUGH = "KOORD_PASS_THROUGH";
    public static final String ENV_BATCH_MAX_COMMANDS = "KOORD_BATCH_MAX_COMMANDS";
    public static final String ENV_BATCH_MAX_BYTES = "KOORD_BATCH_MAX_BYTES";
    public static final String ENV_BATCH_MAX_DELAY = "KOORD_BATCH_MAX_DELAY";
    public static final String ENV_MAX_APPENDS_IN_FLIGHT = "KOORD_MAX_APPENDS_IN_FLIGHT";
    public static final String ENV_MAX_BODY_BYTES = "KOORD_MAX_BODY_BYTES";
    public static final String ENV_REQUEST_TIMEOUT = "KOORD_REQUEST_TIMEOUT";
    public static final String ENV_SNAPSHOT_PATH = Key.SNAPSHOT_PATH.env();
    public static final String ENV_HEADER_READ_TIMEOUT = Key.HEADER_READ_TIMEOUT.env();
    public static final String ENV_MAX_REQUEST_LINE_BYTES = Key.MAX_REQUEST_LINE_BYTES.env();
    public static final String ENV_MAX_HEADER_BYTES = Key.MAX_HEADER_BYTES.env();
    public static final String ENV_MAX_CONNECTIONS = Key.MAX_CONNECTIONS.env();
    public static final String ENV_MAX_ORDERED_IN_FLIGHT = Key.MAX_ORDERED_IN_FLIGHT.env();
    public static final String ENV_MAX_ORDERED_IN_FLIGHT_BYTES = Key.MAX_ORDERED_IN_FLIGHT_BYTES.env();
    public static final String ENV_LOG_FORMAT = Key.LOG_FORMAT.env();
    public static final String ENV_ACCESS_LOG = Key.ACCESS_LOG.env();
    public static final String ENV_STATE_DIR = Key.STATE_DIR.env();
    public static final String ENV_APP_KIND = Key.APP_KIND.env();
    public static final String ENV_ON_DIVERGENCE = Key.ON_DIVERGENCE.env();
    public static final String ENV_ARCHIVE_MAX_BYTES = Key.ARCHIVE_MAX_BYTES.env();
    public static final String ENV_TRANSFER_TOKEN = Key.TRANSFER_TOKEN.env();
    public static final String ENV_ZK_CREDENTIALS_FILE = Key.ZK_CREDENTIALS_FILE.env();
    public static final String ENV_ZK_TLS_CERT_FILE = Key.ZK_TLS_CERT_FILE.env();
    public static final String ENV_ZK_TLS_KEY_FILE = Key.ZK_TLS_KEY_FILE.env();
    public static final String ENV_ZK_TLS_CA_FILE = Key.ZK_TLS_CA_FILE.env();

    /** JSON object: admin path of a rewritten probe to the original probe (the proxy's {@code --app-probers}). */
    public static final String ENV_APP_PROBERS = "KOORD_APP_PROBERS";

    /** Admin path prefix of rewritten probes: {@code /app-health/<container>/livez|readyz|startupz}. */
    public static final String APP_HEALTH_PREFIX = "/app-health/";

    // ---- wait flags ---------------------------------------------------------------------------------------

    /** {@code wait --admin-port} / {@code KOORD_ADMIN_PORT}; default 16000. */
    public static final String WAIT_ADMIN_PORT_ENV = "KOORD_ADMIN_PORT";

    /** {@code wait --timeout} / {@code KOORD_WAIT_TIMEOUT}; default 60s. */
    public static final String WAIT_TIMEOUT_ENV = "KOORD_WAIT_TIMEOUT";
}
