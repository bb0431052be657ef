package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The shaded jar's proxy, a real process on a real ZooKeeper, with JSON chosen by {@code
 * KOORD_LOG_FORMAT=JSON} (read before the first logger) or by the flag (the configuration loaded
 * again) and the access log on, configured by the jar's own {@code log4j2.xml} (the shading must keep the JSON
 * layout's Log4j plugin): every line it writes is one JSON object,
 * ZooKeeper's and Curator's lines included, and the access log (stdout, apart from the rest) has
 * the request's id, position, origin, class, status and latency.
 */
class JsonLogIT {
    static final JsonMapper JSON = JsonMapper.builder().build();

    @ParameterizedTest(name = "json by {0}")
    @ValueSource(strings = {"variable", "flag"})
    void everyLineIsJsonAndTheAccessLogHasTheRequestsFields(String chosenBy) throws Exception {
        try (TestingServer zk = new TestingServer(true);
                TestApp app = new TestApp()) {
            int listen = freePort();
            int admin = freePort();
            Path jar = Path.of("target", "koordinator.jar");
            assertThat(jar)
                    .as("the shaded jar (package runs before integration tests)")
                    .exists();
            ProcessBuilder pb = new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1",
                    "-jar",
                    jar.toString(),
                    "proxy");
            if (chosenBy.equals("flag")) {
                pb.command().add("--log-format=json");
                pb.environment().remove("KOORD_LOG_FORMAT");
            } else {
                pb.environment().put("KOORD_LOG_FORMAT", "JSON");
            }
            pb.environment()
                    .putAll(java.util.Map.of(
                            "KOORD_GROUP", "logs",
                            "KOORD_REPLICA_ID", "json-1",
                            "KOORD_ZOOKEEPER", zk.getConnectString(),
                            "KOORD_APP_PORT", Integer.toString(app.port()),
                            "KOORD_LISTEN_ADDRESS", "127.0.0.1",
                            "KOORD_LISTEN_PORT", Integer.toString(listen),
                            "KOORD_ADMIN_PORT", Integer.toString(admin),
                            "KOORD_ACCESS_LOG", "on",
                            "KOORD_ZOOKEEPER_LOG_LEVEL", "INFO"));
            Process proxy = pb.start();
            List<String> out = new CopyOnWriteArrayList<>();
            List<String> err = new CopyOnWriteArrayList<>();
            collect(proxy.getInputStream(), out);
            collect(proxy.getErrorStream(), err);
            try {
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> err.stream().anyMatch(l -> l.contains("\"message\":\"json-1/logs started\"")));
                try (RawClient c = new RawClient(listen)) {
                    c.send("POST /kv/a HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n1");
                    assertThat(c.read().status()).isEqualTo(200);
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> !out.isEmpty());
            } finally {
                proxy.destroy();
                assertThat(proxy.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }

            List<JsonNode> lines = err.stream().map(JsonLogIT::parse).toList();
            assertThat(lines)
                    .allSatisfy(n -> assertThat(n.has("log.logger") && n.has("log.level") && n.has("@timestamp"))
                            .isTrue());
            assertThat(lines)
                    .extracting(n -> n.get("log.logger").asString())
                    .anyMatch(l -> l.startsWith("org.apache.zookeeper"))
                    .anyMatch(l -> l.startsWith("org.apache.curator"))
                    .anyMatch(l -> l.startsWith("io.koordinator"));

            assertThat(out).hasSize(1);
            JsonNode access = parse(out.get(0));
            String position = app.seen().get(0).header("x-koordinator-position");
            assertThat(access.get("log.logger").asString()).isEqualTo("koordinator.access");
            assertThat(access.get("requestId").asString())
                    .isEqualTo(app.seen().get(0).header("x-koordinator-request-id"));
            assertThat(access.get("position").asLong()).isEqualTo(Long.parseLong(position));
            assertThat(access.get("origin").asString()).isEqualTo("json-1");
            assertThat(access.get("class").asString()).isEqualTo("ordered");
            assertThat(access.get("status").asInt()).isEqualTo(200);
            assertThat(access.get("latencyMicros").asLong()).isPositive();
            assertThat(access.get("target").asString()).isEqualTo("/kv/a");
        }
    }

    static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (RuntimeException e) {
            throw new AssertionError("not a JSON line: " + line, e);
        }
    }

    static void collect(InputStream in, List<String> lines) {
        Thread t = new Thread(
                () -> {
                    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                        String l;
                        while ((l = r.readLine()) != null) {
                            lines.add(l);
                        }
                    } catch (IOException e) {
                        // the process ended
                    }
                },
                "json-log-reader");
        t.setDaemon(true);
        t.start();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
