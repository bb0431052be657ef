package io.koordinator.manifests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's {@code prometheus} package (promtool and the server) for the monitoring tests, installed
 * with apt-get when missing and running as root; otherwise the test is skipped with the reason. And
 * what the tests read from {@code manifests/monitoring}: the rules as a plain Prometheus rules file,
 * and every metric name the rules and the dashboard use.
 */
public final class PrometheusTools {
    public static final Path MONITORING =
            Path.of("..", "manifests", "monitoring").toAbsolutePath().normalize();
    private static final Pattern METRIC = Pattern.compile("\\bkoordinator_[a-z0-9_]+");

    private PrometheusTools() {}

    /** The path of {@code tool} ({@code promtool} or {@code prometheus}), installing the package if needed. */
    public static String require(String tool) throws IOException, InterruptedException {
        if (onPath(tool)) {
            return tool;
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        assumeTrue(
                root,
                "SKIPPED LOUDLY: " + tool + " is not on PATH and installing Debian's prometheus package needs root");
        assumeTrue(onPath("apt-get"), "SKIPPED LOUDLY: " + tool + " is not on PATH and there is no apt-get");
        if (run(List.of("apt-get", "install", "-y", "--no-install-recommends", "prometheus")) != 0) {
            run(List.of("apt-get", "update"));
            assertThat(run(List.of("apt-get", "install", "-y", "--no-install-recommends", "prometheus")))
                    .as("apt-get install prometheus")
                    .isZero();
        }
        assertThat(onPath(tool)).as(tool + " after installing prometheus").isTrue();
        return tool;
    }

    private static int run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        p.getOutputStream().close();
        assertThat(p.waitFor(15, TimeUnit.MINUTES))
                .as(String.join(" ", command))
                .isTrue();
        return p.exitValue();
    }

    static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** The spec of {@code prometheusrule.yaml} (its {@code groups}) as a plain rules file. */
    public static String rulesFile() throws IOException {
        KubernetesSerialization yaml = new KubernetesSerialization();
        GenericKubernetesResource rule = yaml.unmarshal(
                Files.readString(MONITORING.resolve("prometheusrule.yaml"), StandardCharsets.UTF_8),
                GenericKubernetesResource.class);
        return yaml.asYaml(rule.getAdditionalProperties().get("spec"));
    }

    /** Every {@code koordinator_...} name in the rules and in the dashboard's queries. */
    public static Set<String> metricNames() throws IOException {
        Set<String> names = new TreeSet<>();
        for (Path file :
                List.of(MONITORING.resolve("prometheusrule.yaml"), MONITORING.resolve("dashboards/koordinator.json"))) {
            Matcher m = METRIC.matcher(Files.readString(file, StandardCharsets.UTF_8));
            while (m.find()) {
                names.add(m.group());
            }
        }
        return names;
    }
}
