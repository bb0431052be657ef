package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.koordinator.Main;
import io.koordinator.proxy.ProxyConfigKeys.Key;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

class ProxyConfigTest {
    static final Map<String, String> REQUIRED_ENV =
            Map.of("KOORD_GROUP", "orders", "KOORD_ZOOKEEPER", "zk:2181", "KOORD_APP_PORT", "8080");

    static ProxyCommand parse(Map<String, String> env, String... args) {
        ProxyCommand cmd = new ProxyCommand();
        new CommandLine(cmd)
                .setDefaultValueProvider(new ProxyConfigKeys.EnvDefaults(env))
                .parseArgs(args);
        return cmd;
    }

    @Test
    void defaultsApply() {
        ProxyConfig c = parse(REQUIRED_ENV, "--replica-id", "pod-1", "--advertise-address", "10.0.0.1")
                .config();
        assertThat(c.groupId()).isEqualTo("orders");
        assertThat(c.zkRoot()).isEqualTo("/koordinator/groups");
        assertThat(c.appHost()).isEqualTo("127.0.0.1");
        assertThat(c.listenAddress()).isEqualTo("0.0.0.0");
        assertThat(c.listenPort()).isEqualTo(16001);
        assertThat(c.adminPort()).isEqualTo(16000);
        assertThat(c.readPolicy()).isEqualTo(ReadPolicy.ORDERED);
        assertThat(c.passThrough()).isEmpty();
        assertThat(c.maxBodyBytes()).isEqualTo(262144);
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.batchMaxCommands()).isEqualTo(4096);
        assertThat(c.batchMaxBytes()).isEqualTo(524288);
        assertThat(c.batchMaxDelay()).isZero();
        assertThat(c.maxAppendsInFlight()).isEqualTo(4);
        assertThat(c.readyMaxLag()).isEqualTo(100);
        assertThat(c.snapshotPath()).isNull();
        assertThat(c.drainTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.limits())
                .isEqualTo(new ProxyConfig.Limits(Duration.ofSeconds(10), 8192, 16384, 10000, 1024, 67108864));
        assertThat(c.logFormat()).isEqualTo(ProxyConfig.LogFormat.TEXT);
        assertThat(c.accessLog()).isFalse();
        assertThat(c.sequencerConfig().groupPath()).isEqualTo("/koordinator/groups/orders");
    }

    @Test
    void hostnameIsTheDefaultReplicaIdAndAdvertiseAddress() {
        ProxyConfig c = parse(REQUIRED_ENV).config();
        assertThat(c.replicaId()).isNotBlank();
        assertThat(c.advertiseAddress()).isNotBlank();
    }

    @Test
    void everyKeyHasItsEnvironmentTwin() throws Exception {
        java.nio.file.Path credentials = java.nio.file.Files.createTempFile("zk-credentials", "");
        credentials.toFile().deleteOnExit();
        java.nio.file.Files.writeString(credentials, "shop.orders:pw");
        Map<String, String> env = new java.util.HashMap<>(REQUIRED_ENV);
        env.put("KOORD_ZK_CREDENTIALS_FILE", credentials.toString());
        io.koordinator.inject.SelfSignedCertificates.Authority ca =
                io.koordinator.inject.SelfSignedCertificates.authority("ca");
        java.nio.file.Path tls = java.nio.file.Files.createTempDirectory("zk-tls");
        ca.issue(List.of("pod-7"), true).writePem(tls.resolve("tls.crt"), tls.resolve("tls.key"));
        java.nio.file.Files.writeString(tls.resolve("ca.crt"), io.koordinator.inject.TlsMaterial.pem(ca.certificate()));
        env.put("KOORD_ZK_TLS_CERT_FILE", tls.resolve("tls.crt").toString());
        env.put("KOORD_ZK_TLS_KEY_FILE", tls.resolve("tls.key").toString());
        env.put("KOORD_ZK_TLS_CA_FILE", tls.resolve("ca.crt").toString());
        env.putAll(Map.ofEntries(
                Map.entry("KOORD_NAMESPACE", "shop"),
                Map.entry("KOORD_REPLICA_ID", "pod-7"),
                Map.entry("KOORD_ZK_ROOT", "/k"),
                Map.entry("KOORD_APP_HOST", "::1"),
                Map.entry("KOORD_LISTEN_ADDRESS", "127.0.0.2"),
                Map.entry("KOORD_LISTEN_PORT", "17001"),
                Map.entry("KOORD_ADMIN_PORT", "17000"),
                Map.entry("KOORD_ADVERTISE_ADDRESS", "10.1.2.3"),
                Map.entry("KOORD_READ_POLICY", "LOCAL"),
                Map.entry("KOORD_PASS_THROUGH", "/healthz, /metrics"),
                Map.entry("KOORD_MAX_BODY_BYTES", "1000"),
                Map.entry("KOORD_REQUEST_TIMEOUT", "500ms"),
                Map.entry("KOORD_BATCH_MAX_COMMANDS", "10"),
                Map.entry("KOORD_BATCH_MAX_BYTES", "65536"),
                Map.entry("KOORD_BATCH_MAX_DELAY", "2ms"),
                Map.entry("KOORD_MAX_APPENDS_IN_FLIGHT", "2"),
                Map.entry("KOORD_COMPACTION_INTERVAL", "3s"),
                Map.entry("KOORD_COMPACTION_RETAIN_ENTRIES", "500"),
                Map.entry("KOORD_COMPACTION_RETAIN_AGE", "2m"),
                Map.entry("KOORD_READY_MAX_LAG", "7"),
                Map.entry("KOORD_SNAPSHOT_PATH", "/snapshot"),
                Map.entry("KOORD_DRAIN_TIMEOUT", "1m"),
                Map.entry("KOORD_STATE_DIR", "/var/run/koordinator/state"),
                Map.entry("KOORD_APP_KIND", "position-aware"),
                Map.entry("KOORD_TRANSFER_TOKEN", "s3cret"),
                Map.entry("KOORD_ON_DIVERGENCE", "resync"),
                Map.entry("KOORD_DIGEST_INTERVAL", "50"),
                Map.entry("KOORD_RESPONSE_CACHE_ENTRIES", "77"),
                Map.entry("KOORD_STATE_SYNC_INTERVAL", "20ms"),
                Map.entry("KOORD_CHECKPOINT_INTERVAL", "5s"),
                Map.entry("KOORD_ARCHIVE_MAX_BYTES", "5000000000"),
                Map.entry("KOORD_HEADER_READ_TIMEOUT", "3s"),
                Map.entry("KOORD_MAX_REQUEST_LINE_BYTES", "4096"),
                Map.entry("KOORD_MAX_HEADER_BYTES", "8192"),
                Map.entry("KOORD_MAX_CONNECTIONS", "50"),
                Map.entry("KOORD_MAX_ORDERED_IN_FLIGHT", "20"),
                Map.entry("KOORD_MAX_ORDERED_IN_FLIGHT_BYTES", "100000"),
                Map.entry("KOORD_LOG_FORMAT", "JSON"),
                Map.entry("KOORD_ACCESS_LOG", "INFO"),
                Map.entry("KOORD_APP_PROBERS", "{\"/app-health/a/readyz\":{\"tcpSocket\":{\"port\":8080}}}")));
        assertThat(env.keySet())
                .containsExactlyInAnyOrderElementsOf(
                        Arrays.stream(Key.values()).map(Key::env).toList());
        ProxyConfig c = parse(env).config();
        assertThat(c.groupId()).isEqualTo("shop.orders");
        assertThat(c.logId()).isEqualTo("pod-7/shop.orders");
        assertThat(c.zkRoot()).isEqualTo("/k");
        assertThat(c.zkCredentials().user()).isEqualTo("shop.orders");
        assertThat(c.zkTls().trustStore()).isEqualTo(tls.resolve("ca.crt"));
        assertThat(c.appHost()).isEqualTo("::1");
        assertThat(c.listenAddress()).isEqualTo("127.0.0.2");
        assertThat(c.listenPort()).isEqualTo(17001);
        assertThat(c.adminPort()).isEqualTo(17000);
        assertThat(c.advertiseAddress()).isEqualTo("10.1.2.3");
        assertThat(c.readPolicy()).isEqualTo(ReadPolicy.LOCAL);
        assertThat(c.passThrough()).containsExactly("/healthz", "/metrics");
        assertThat(c.maxBodyBytes()).isEqualTo(1000);
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.batchMaxCommands()).isEqualTo(10);
        assertThat(c.batchMaxBytes()).isEqualTo(65536);
        assertThat(c.batchMaxDelay()).isEqualTo(Duration.ofMillis(2));
        assertThat(c.maxAppendsInFlight()).isEqualTo(2);
        assertThat(c.readyMaxLag()).isEqualTo(7);
        assertThat(c.snapshotPath()).isEqualTo("/snapshot");
        assertThat(c.drainTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.recovery())
                .isEqualTo(new RecoveryConfig(
                        java.nio.file.Path.of("/var/run/koordinator/state"),
                        AppKind.POSITION_AWARE,
                        "s3cret",
                        true,
                        50,
                        77,
                        Duration.ofMillis(20),
                        Duration.ofSeconds(5),
                        0)); // an app with snapshot endpoints keeps no archive
        assertThat(c.sequencerConfig().groupPath()).isEqualTo("/k/shop.orders");
        assertThat(c.sequencerConfig().maxEntryCommands()).isEqualTo(10);
        assertThat(c.sequencerConfig().compactionInterval()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.sequencerConfig().compactionRetainEntries()).isEqualTo(500);
        assertThat(c.sequencerConfig().compactionRetainAge()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.limits()).isEqualTo(new ProxyConfig.Limits(Duration.ofSeconds(3), 4096, 8192, 50, 20, 100000));
        assertThat(c.logFormat()).isEqualTo(ProxyConfig.LogFormat.JSON);
        assertThat(c.accessLog()).isTrue();
    }

    @Test
    void everyReadPolicyIsAccepted() {
        assertThat(parse(REQUIRED_ENV, "--read-policy", "linearizable").config().readPolicy())
                .isEqualTo(ReadPolicy.LINEARIZABLE);
        assertThat(parse(REQUIRED_ENV, "--read-policy", "Ordered").config().readPolicy())
                .isEqualTo(ReadPolicy.ORDERED);
        assertThat(parse(REQUIRED_ENV, "--read-policy", "local").config().readPolicy())
                .isEqualTo(ReadPolicy.LOCAL);
    }

    @Test
    void flagsWinOverEnvironment() {
        ProxyConfig c =
                parse(REQUIRED_ENV, "--group", "other", "--listen-port", "0").config();
        assertThat(c.group()).isEqualTo("other");
        assertThat(c.listenPort()).isZero();
    }

    @Test
    void everyKeyIsAnOptionAndEveryOptionAKey() {
        CommandLine cl = new CommandLine(new ProxyCommand());
        Set<String> options = cl.getCommandSpec().options().stream()
                .map(CommandLine.Model.OptionSpec::longestName)
                .filter(n -> !n.equals("--help") && !n.equals("--version"))
                .collect(Collectors.toSet());
        assertThat(options)
                .containsExactlyInAnyOrderElementsOf(
                        Arrays.stream(Key.values()).map(Key::flag).toList());
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of(Key.APP_PORT, "http", "--app-port (KOORD_APP_PORT) must be an integer in [1, 65535]"),
                Arguments.of(Key.APP_PORT, "0", "--app-port (KOORD_APP_PORT)"),
                Arguments.of(Key.LISTEN_PORT, "70000", "--listen-port (KOORD_LISTEN_PORT)"),
                Arguments.of(Key.GROUP, "a/b", "--group (KOORD_GROUP) must be letters"),
                Arguments.of(Key.NAMESPACE, "x y", "--namespace (KOORD_NAMESPACE)"),
                Arguments.of(Key.ZK_ROOT, "relative", "--zk-root (KOORD_ZK_ROOT)"),
                Arguments.of(Key.READ_POLICY, "sometimes", "--read-policy (KOORD_READ_POLICY) must be"),
                Arguments.of(Key.PASS_THROUGH, "health", "--pass-through (KOORD_PASS_THROUGH)"),
                Arguments.of(Key.REQUEST_TIMEOUT, "10", "--request-timeout (KOORD_REQUEST_TIMEOUT) must be a duration"),
                Arguments.of(Key.REQUEST_TIMEOUT, "0ms", "--request-timeout (KOORD_REQUEST_TIMEOUT) must be positive"),
                Arguments.of(Key.DRAIN_TIMEOUT, "-1s", "--drain-timeout (KOORD_DRAIN_TIMEOUT)"),
                Arguments.of(Key.BATCH_MAX_COMMANDS, "70000", "--batch-max-commands (KOORD_BATCH_MAX_COMMANDS)"),
                Arguments.of(Key.BATCH_MAX_BYTES, "2000000", "--batch-max-bytes (KOORD_BATCH_MAX_BYTES)"),
                Arguments.of(
                        Key.MAX_BODY_BYTES, "600000", "--max-body-bytes (KOORD_MAX_BODY_BYTES): 600000 does not fit"),
                Arguments.of(Key.MAX_APPENDS_IN_FLIGHT, "0", "--max-appends-in-flight (KOORD_MAX_APPENDS_IN_FLIGHT)"),
                Arguments.of(Key.READY_MAX_LAG, "-1", "--ready-max-lag (KOORD_READY_MAX_LAG)"),
                Arguments.of(Key.APP_KIND, "disk", "--app-kind (KOORD_APP_KIND)"),
                Arguments.of(Key.ON_DIVERGENCE, "panic", "--on-divergence (KOORD_ON_DIVERGENCE)"),
                Arguments.of(Key.SNAPSHOT_PATH, "snapshot", "--snapshot-path (KOORD_SNAPSHOT_PATH)"),
                Arguments.of(Key.DIGEST_INTERVAL, "-5", "--digest-interval (KOORD_DIGEST_INTERVAL)"),
                Arguments.of(Key.ZOOKEEPER, "", "--zookeeper (KOORD_ZOOKEEPER) is required."),
                Arguments.of(
                        Key.HEADER_READ_TIMEOUT,
                        "0s",
                        "--header-read-timeout (KOORD_HEADER_READ_TIMEOUT) must be positive"),
                Arguments.of(
                        Key.MAX_REQUEST_LINE_BYTES, "10", "--max-request-line-bytes (KOORD_MAX_REQUEST_LINE_BYTES)"),
                Arguments.of(Key.MAX_HEADER_BYTES, "big", "--max-header-bytes (KOORD_MAX_HEADER_BYTES)"),
                Arguments.of(Key.MAX_CONNECTIONS, "0", "--max-connections (KOORD_MAX_CONNECTIONS)"),
                Arguments.of(Key.MAX_ORDERED_IN_FLIGHT, "0", "--max-ordered-in-flight (KOORD_MAX_ORDERED_IN_FLIGHT)"),
                Arguments.of(
                        Key.MAX_ORDERED_IN_FLIGHT_BYTES,
                        "1000",
                        "--max-ordered-in-flight-bytes (KOORD_MAX_ORDERED_IN_FLIGHT_BYTES): 1000 is smaller than one body"),
                Arguments.of(Key.LOG_FORMAT, "xml", "--log-format (KOORD_LOG_FORMAT) must be 'text' or 'json'"),
                Arguments.of(Key.ACCESS_LOG, "maybe", "--access-log (KOORD_ACCESS_LOG) must be 'on' or 'off'"));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("badValues")
    void badValueNamesTheFlag(Key key, String value, String message) {
        Map<Key, String> m = new EnumMap<>(Key.class);
        m.put(Key.GROUP, "g");
        m.put(Key.ZOOKEEPER, "zk:2181");
        m.put(Key.APP_PORT, "8080");
        m.put(key, value);
        assertThatThrownBy(() -> ProxyConfig.of(m))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(message);
    }

    @Test
    void zooKeeperCredentialsComeFromTheirFileAndABadFileIsOneSentenceNamingTheKey() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("zk-credentials", "");
        file.toFile().deleteOnExit();
        Map<Key, String> m = new EnumMap<>(Key.class);
        m.put(Key.GROUP, "g");
        m.put(Key.ZOOKEEPER, "zk:2181");
        m.put(Key.APP_PORT, "8080");
        m.put(Key.ZK_CREDENTIALS_FILE, file.toString());

        java.nio.file.Files.writeString(file, "orders:s3cret\n");
        assertThat(ProxyConfig.of(m).sequencerConfig().credentials())
                .isEqualTo(new io.koordinator.sequencer.ZkCredentials("orders", "s3cret"))
                .hasToString("digest user orders");

        java.nio.file.Files.writeString(file, "no-colon-s3cret");
        assertThatThrownBy(() -> ProxyConfig.of(m))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--zk-credentials-file")
                .hasMessageContaining("does not hold 'user:password'")
                .hasMessageNotContaining("s3cret");

        m.put(Key.ZK_CREDENTIALS_FILE, file + ".missing");
        assertThatThrownBy(() -> ProxyConfig.of(m))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--zk-credentials-file")
                .hasMessageContaining("cannot read");
        assertThat(ProxyConfig.of(Map.of(Key.GROUP, "g", Key.ZOOKEEPER, "z:1", Key.APP_PORT, "1"))
                        .sequencerConfig()
                        .credentials())
                .isNull();
    }

    @Test
    void missingRequiredSettingsExitWithStatus2AndOneLine() {
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.getSubcommands().get("proxy").setDefaultValueProvider(new ProxyConfigKeys.EnvDefaults(Map.of()));
        cl.setErr(new PrintWriter(err));
        java.io.PrintStream oldErr = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true));
        int code;
        try {
            code = cl.execute("proxy", "--zookeeper", "zk:2181", "--app-port", "8080");
        } finally {
            System.setErr(oldErr);
        }
        assertThat(code).isEqualTo(2);
        assertThat(captured.toString().strip()).isEqualTo("proxy: --group (KOORD_GROUP) is required.");
    }

    @Test
    void durations() {
        assertThat(ProxyConfig.parseDuration("0")).isZero();
        assertThat(ProxyConfig.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(ProxyConfig.parseDuration("3s")).isEqualTo(Duration.ofSeconds(3));
        assertThat(ProxyConfig.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(ProxyConfig.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
        for (String bad : List.of("", "s", "1.5s", "10 s", "1d")) {
            assertThatThrownBy(() -> ProxyConfig.parseDuration(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
