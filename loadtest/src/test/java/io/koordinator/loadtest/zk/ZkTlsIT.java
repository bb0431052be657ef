package io.koordinator.loadtest.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.inject.SelfSignedCertificates;
import io.koordinator.loadtest.cluster.ChildProcess;
import io.koordinator.loadtest.cluster.ClusterConfig;
import io.koordinator.loadtest.cluster.Jars;
import io.koordinator.loadtest.kv.KvApp;
import io.koordinator.sequencer.ZkCredentials;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * TLS between the proxies and ZooKeeper, with real processes: a ZooKeeper server ({@code zookeeper
 * --tls-dir}) with a plain and a secure-only client port and certificates it generated, the proxy
 * and the operator CLI from the shaded jar, and the kv app. The proxy with the TLS files orders
 * through the secure port; one without them, or with a certificate another CA signed, stays not
 * ready and says why in {@code /ready}, {@code /status} and its log.
 */
class ZkTlsIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    /** The group's token, which {@code /status} asks for. */
    private static final String TOKEN = "zk-tls-it-token";

    private static final ObjectMapper JSON = new ObjectMapper();
    /** HTTP/1.1, as the proxy's listeners speak it (no h2c upgrade attempts). */
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    static Jars jars;
    static ChildProcess zk;
    static Path tlsDir;
    static String secure;
    static KvApp app;

    @TempDir
    Path dir;

    final List<ChildProcess> proxies = new ArrayList<>();

    @BeforeAll
    static void startZooKeeperAndApp() throws Exception {
        jars = Jars.locate().requireExisting();
        tlsDir = Files.createTempDirectory("zk-tls-it-");
        zk = ChildProcess.java(
                "zookeeper",
                ClusterConfig.DEFAULT_JVM_OPTIONS,
                jars.loadtest().toString(),
                List.of("zookeeper", "--servers", "1", "--tls-dir", tlsDir.toString()));
        String plain = zk.awaitLine(TIMEOUT);
        secure = zk.awaitLine(TIMEOUT);
        assertThat(plain).matches("127\\.0\\.0\\.1:\\d+");
        assertThat(secure).matches("127\\.0\\.0\\.1:\\d+").isNotEqualTo(plain);
        app = KvApp.start("127.0.0.1", FreePorts.pick(1)[0]);
    }

    @AfterAll
    static void stopZooKeeperAndApp() {
        if (app != null) {
            app.close();
        }
        if (zk != null) {
            zk.close();
        }
        if (tlsDir != null) {
            LocalQuorum.deleteTree(tlsDir);
        }
    }

    @AfterEach
    void stopProxies() {
        for (ChildProcess p : proxies) {
            p.close();
            // For the report of a failed test: what the proxy logged last.
            p.stderrTail().stream()
                    .skip(Math.max(0, p.stderrTail().size() - 30))
                    .forEach(l -> System.out.println(p.name() + " | " + l));
        }
    }

    @Test
    void aProxyWithTheTlsFilesOrdersThroughTheSecurePortAndTheCliReadsTheGroupOverTls() throws Exception {
        // Given a proxy with the TLS files and the group's credentials, at the secure-only port
        Path credentials = dir.resolve("credentials");
        Files.writeString(credentials, ZkCredentials.generate("tls-ordered").text());
        List<String> tlsFlags = tlsFlags(tlsDir.resolve("tls.crt"), tlsDir.resolve("tls.key"));
        List<String> flags = new ArrayList<>(tlsFlags);
        flags.addAll(List.of("--zk-credentials-file", credentials.toString()));
        Proxy p = startProxy("tls-ordered", flags);

        // When it is ready, ordered PUTs go through the log and reach the app
        await().atMost(TIMEOUT)
                .ignoreExceptions()
                .until(() -> get(p.admin("/ready")).statusCode() == 200);
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(p.inbound("/kv/k" + i))
                            .PUT(HttpRequest.BodyPublishers.ofString("v" + i))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isIn(200, 201);
        }
        JsonNode status = JSON.readTree(status(p));
        assertThat(status.path("zookeeper").asText()).as(status.toString()).isEqualTo("CONNECTED");
        assertThat(status.get("appliedPosition").asLong())
                .as("delivered from the log")
                .isNotNegative();
        assertThat(app.requests()).isGreaterThanOrEqualTo(5);
        assertThat(p.process.stderrTail())
                .anyMatch(l -> l.contains("sequencer ready on " + secure) && l.contains("over TLS"));

        // Then the operator CLI reads the group over TLS with the same files
        Cli ok = cli(statusArgs("30s", credentials, tlsFlags));
        assertThat(ok.exit()).as(ok.out()).isZero();
        assertThat(ok.out()).contains("r1");

        // and without them it cannot reach the secure-only port, and says so in one sentence
        Cli plain = cli(statusArgs("2s", credentials, List.of()));
        assertThat(plain.exit()).isEqualTo(3);
        assertThat(plain.err()).isEqualTo("Cannot reach ZooKeeper at " + secure + " within 2000 ms over plain TCP.");
    }

    @Test
    void aProxyWithoutTlsAtTheSecurePortIsNotReadyAndSaysWhy() throws Exception {
        Proxy p = startProxy("tls-plain", List.of());

        assertNotReadyBecause(
                p,
                "UNREACHABLE: no session with " + secure
                        + " yet over plain TCP (a secure-only client port needs --zk-tls-*)",
                "ZooKeeper " + secure + " not reachable yet over plain TCP");
    }

    @Test
    void aProxyWhoseCertificateAnotherCaSignedIsRefused() throws Exception {
        // Given a client certificate that the ensemble's CA did not sign (the proxy still trusts the servers)
        SelfSignedCertificates.authority("someone-else")
                .issue(List.of("intruder"), true)
                .writePem(dir.resolve("tls.crt"), dir.resolve("tls.key"));

        Proxy p = startProxy("tls-intruder", tlsFlags(dir.resolve("tls.crt"), dir.resolve("tls.key")));

        // Then ZooKeeper never gives it a session: not ready, with the reason
        assertNotReadyBecause(
                p,
                "UNREACHABLE: no session with " + secure + " yet over TLS (also when either side refuses",
                "ZooKeeper " + secure + " not reachable yet over TLS");
    }

    /** {@code /ready} answers 503 with {@code reason}, {@code /status} has it, and the log has {@code logLine}. */
    private static void assertNotReadyBecause(Proxy p, String reason, String logLine) throws Exception {
        await().atMost(TIMEOUT)
                .ignoreExceptions()
                .until(() -> get(p.admin("/ready")).body().contains(reason));
        assertThat(get(p.admin("/ready")).statusCode()).isEqualTo(503);
        String status = status(p);
        assertThat(JSON.readTree(status).path("zookeeper").asText()).as(status).startsWith(reason);
        await().atMost(TIMEOUT).until(() -> p.process.stderrTail().stream().anyMatch(l -> l.contains(logLine)));
    }

    private static List<String> tlsFlags(Path cert, Path key) {
        return List.of(
                "--zk-tls-cert-file", cert.toString(),
                "--zk-tls-key-file", key.toString(),
                "--zk-tls-ca-file", tlsDir.resolve("ca.crt").toString());
    }

    record Proxy(ChildProcess process, int listen, int admin) {
        URI inbound(String path) {
            return URI.create("http://127.0.0.1:" + listen + path);
        }

        URI admin(String path) {
            return URI.create("http://127.0.0.1:" + admin + path);
        }
    }

    private Proxy startProxy(String group, List<String> extra) throws Exception {
        int[] ports = FreePorts.pick(2);
        List<String> args = new ArrayList<>(List.of(
                "proxy",
                "--group",
                group,
                "--replica-id",
                "r1",
                "--zookeeper",
                secure,
                "--app-port",
                Integer.toString(app.port()),
                "--listen-address",
                "127.0.0.1",
                "--listen-port",
                Integer.toString(ports[0]),
                "--admin-port",
                Integer.toString(ports[1]),
                "--advertise-address",
                "127.0.0.1",
                "--snapshot-path=",
                "--state-dir",
                dir.resolve("state-" + group).toString()));
        args.addAll(List.of("--transfer-token", TOKEN));
        args.addAll(extra);
        ChildProcess process = ChildProcess.java(
                "proxy-" + group,
                ClusterConfig.DEFAULT_JVM_OPTIONS,
                jars.proxy().toString(),
                args);
        proxies.add(process);
        Proxy p = new Proxy(process, ports[0], ports[1]);
        await().atMost(TIMEOUT)
                .ignoreExceptions()
                .until(() -> get(p.admin("/live")).statusCode() == 200);
        return p;
    }

    private static String status(Proxy p) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(p.admin("/status"))
                        .header("Authorization", "Bearer " + TOKEN)
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(p + ": " + r.body()).isEqualTo(200);
        return r.body();
    }

    private static HttpResponse<String> get(URI uri) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** {@code koordinator status} of the ordered test's group at the secure port, plus {@code extra}. */
    private static List<String> statusArgs(String connectTimeout, Path credentials, List<String> extra) {
        List<String> args = new ArrayList<>(List.of(
                "status", "--zookeeper", secure, "--group", "tls-ordered", "--connect-timeout", connectTimeout));
        args.addAll(List.of("--zk-credentials-file", credentials.toString()));
        args.addAll(extra);
        return args;
    }

    record Cli(int exit, String out, String err) {}

    /** The operator CLI from the shaded jar, to its exit (bounded). */
    private Cli cli(List<String> args) throws Exception {
        try (ChildProcess c = ChildProcess.java(
                "cli", ClusterConfig.DEFAULT_JVM_OPTIONS, jars.proxy().toString(), args)) {
            int exit = c.awaitExit(TIMEOUT);
            // The output is pumped by threads of its own: the first line may land just after the exit.
            StringBuilder out = new StringBuilder();
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                String line = c.awaitLine(Duration.ofMillis(100));
                if (line != null) {
                    out.append(line).append('\n');
                }
                return out.length() > 0 || !c.stderrTail().isEmpty();
            });
            for (String line = c.awaitLine(Duration.ofMillis(200));
                    line != null;
                    line = c.awaitLine(Duration.ofMillis(200))) {
                out.append(line).append('\n');
            }
            return new Cli(
                    exit, out.toString(), String.join("\n", c.stderrTail()).strip());
        }
    }
}
