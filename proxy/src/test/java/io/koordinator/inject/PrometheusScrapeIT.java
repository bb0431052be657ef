package io.koordinator.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.manifests.PrometheusTools;
import io.koordinator.proxy.MonitoredProxy;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real Prometheus server (Debian's) scrapes a running proxy's admin port and a running injector,
 * with the monitoring overlay's rules loaded: every metric the rules and the dashboard name exists
 * in Prometheus, as its HTTP API reports, and every rule evaluates without error.
 */
class PrometheusScrapeIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void everyMetricOfTheRulesAndTheDashboardIsScraped(@TempDir Path dir) throws Exception {
        String prometheus = PrometheusTools.require("prometheus");
        Path injectorConfig = dir.resolve("injector.yaml");
        Files.writeString(injectorConfig, AdmissionTestSupport.resource("test-config.yaml"));
        try (TestingServer zk = new TestingServer(true);
                MonitoredProxy proxy = MonitoredProxy.start(zk.getConnectString());
                Injector injector = startInjector(injectorConfig)) {
            proxy.traffic();
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort(); // Prometheus does not say which port it took for :0
            }
            Files.writeString(dir.resolve("rules.yaml"), PrometheusTools.rulesFile(), StandardCharsets.UTF_8);
            Files.writeString(
                    dir.resolve("prometheus.yml"),
                    String.join(
                            "\n",
                            "global: {scrape_interval: 1s, evaluation_interval: 1s}",
                            "rule_files: [rules.yaml]",
                            "scrape_configs:",
                            "  - job_name: proxy",
                            "    static_configs: [{targets: ['127.0.0.1:" + proxy.adminPort() + "']}]",
                            "  - job_name: injector",
                            "    scheme: https",
                            "    tls_config: {insecure_skip_verify: true}",
                            "    static_configs: [{targets: ['127.0.0.1:" + injector.port() + "']}]",
                            ""));
            File log = dir.resolve("prometheus.log").toFile();
            Process server = new ProcessBuilder(
                            prometheus,
                            "--config.file=" + dir.resolve("prometheus.yml"),
                            "--storage.tsdb.path=" + dir.resolve("data"),
                            "--web.listen-address=127.0.0.1:" + port,
                            "--log.level=warn")
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log)
                    .start();
            try {
                String api = "http://127.0.0.1:" + port + "/api/v1/";
                Set<String> wanted = PrometheusTools.metricNames();
                assertThat(wanted).contains("koordinator_divergence_total", "koordinator_inject_admissions_total");

                // then: both targets are up
                await("both targets up (Prometheus log " + log + ")")
                        .atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(500))
                        .untilAsserted(() -> {
                            assertThat(server.isAlive())
                                    .as(Files.readString(log.toPath()))
                                    .isTrue();
                            JsonNode up = get(api + "query?query=up");
                            assertThat(up.at("/data/result"))
                                    .extracting(r -> r.at("/metric/job").asString() + "="
                                            + r.at("/value/1").asString())
                                    .containsExactlyInAnyOrder("proxy=1", "injector=1");
                        });
                // and every name the rules and the dashboard use has a series
                await("every metric of the rules and the dashboard in Prometheus")
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(500))
                        .untilAsserted(() -> {
                            Set<String> names = new TreeSet<>();
                            get(api + "label/__name__/values").get("data").forEach(n -> names.add(n.asString()));
                            Set<String> missing = new TreeSet<>(wanted);
                            missing.removeAll(names);
                            assertThat(missing).as("used but not scraped").isEmpty();
                        });
                // and every rule evaluates without error
                await("every rule evaluated")
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(500))
                        .untilAsserted(() -> {
                            List<String> health = new ArrayList<>();
                            for (JsonNode g : get(api + "rules").at("/data/groups")) {
                                for (JsonNode r : g.get("rules")) {
                                    health.add(r.get("name").asString() + "="
                                            + r.get("health").asString()
                                            + r.path("lastError").asString(""));
                                }
                            }
                            assertThat(health).hasSize(10).allMatch(h -> h.endsWith("=ok"));
                        });
            } finally {
                server.destroy();
                if (!server.waitFor(30, TimeUnit.SECONDS)) {
                    server.destroyForcibly();
                }
            }
        }
    }

    private static Injector startInjector(Path config) throws Exception {
        Injector injector =
                new Injector(InjectorIT.options(null, null, true, config, 64 * 1024), () -> null, "test", Map.of());
        injector.start();
        return injector;
    }

    private JsonNode get(String uri) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(uri))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(uri + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }
}
