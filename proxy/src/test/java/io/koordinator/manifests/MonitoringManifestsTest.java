package io.koordinator.manifests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code manifests/monitoring}: it renders with kubectl's kustomize into the PodMonitors, the
 * PrometheusRule and the dashboard's ConfigMap, and its rules pass {@code promtool check rules} and
 * the unit tests of {@code tests/rules-test.yaml} ({@code promtool test rules}).
 */
class MonitoringManifestsTest {

    @Test
    void rendersPodMonitorsRulesAndTheDashboard() throws Exception {
        assumeTrue(PrometheusTools.onPath("kubectl"), "SKIPPED LOUDLY: kubectl is not on PATH");
        RenderedManifests m = RenderedManifests.render(PrometheusTools.MONITORING);
        assertThat(m.objects)
                .extracting(o -> o.getKind() + " " + o.getMetadata().getNamespace() + "/"
                        + o.getMetadata().getName())
                .containsExactlyInAnyOrder(
                        "PodMonitor koordinator-system/koordinator-proxies",
                        "PodMonitor koordinator-system/koordinator-injector",
                        "PrometheusRule koordinator-system/koordinator",
                        "ConfigMap koordinator-system/koordinator-dashboard");
        GenericKubernetesResource proxies = m.get(GenericKubernetesResource.class, null, "koordinator-proxies");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> endpoints = (List<Map<String, Object>>)
                ((Map<String, Object>) proxies.getAdditionalProperties().get("spec")).get("podMetricsEndpoints");
        // the port the injector gives the proxy container
        assertThat(endpoints)
                .singleElement()
                .satisfies(
                        e -> assertThat(e).containsEntry("port", "koord-admin").containsEntry("path", "/metrics"));
        ConfigMap dashboard = m.get(ConfigMap.class, null, "koordinator-dashboard");
        assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
        JsonNode json =
                JsonMapper.builder().build().readTree(dashboard.getData().get("koordinator.json"));
        assertThat(json.get("uid").asString()).isEqualTo("koordinator");
        assertThat(json.get("panels")).isNotEmpty();
        for (HasMetadata o : m.objects) {
            assertThat(o.getMetadata().getLabels()).containsEntry("app.kubernetes.io/part-of", "koordinator");
        }
    }

    @Test
    void rulesPassPromtoolsCheckAndUnitTests(@TempDir Path dir) throws Exception {
        String promtool = PrometheusTools.require("promtool");
        Files.writeString(dir.resolve("rules.yaml"), PrometheusTools.rulesFile(), StandardCharsets.UTF_8);
        Files.copy(PrometheusTools.MONITORING.resolve("tests/rules-test.yaml"), dir.resolve("rules-test.yaml"));

        String check = promtool(dir, promtool, "check", "rules", "rules.yaml");
        assertThat(check).contains("SUCCESS: 10 rules found");
        String test = promtool(dir, promtool, "test", "rules", "rules-test.yaml");
        assertThat(test).contains("SUCCESS");
    }

    @Test
    void promtoolTestsCanFail(@TempDir Path dir) throws Exception {
        String promtool = PrometheusTools.require("promtool");
        // a rules file whose divergence alert never fires: the unit tests must notice
        Files.writeString(
                dir.resolve("rules.yaml"),
                PrometheusTools.rulesFile()
                        .replace("increase(koordinator_divergence_total[10m]) > 0", "koordinator_divergence_total < 0"),
                StandardCharsets.UTF_8);
        Files.copy(PrometheusTools.MONITORING.resolve("tests/rules-test.yaml"), dir.resolve("rules-test.yaml"));
        Process p = start(dir, promtool, "test", "rules", "rules-test.yaml");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isNotZero();
        assertThat(out).contains("KoordinatorDivergence");
    }

    private static String promtool(Path dir, String... command) throws IOException, InterruptedException {
        Process p = start(dir, command);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + ":\n" + out).isZero();
        return out;
    }

    private static Process start(Path dir, String... command) throws IOException {
        List<String> c = new ArrayList<>(List.of(command));
        return new ProcessBuilder(c)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
    }
}
