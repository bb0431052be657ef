package io.koordinator.inject;

import static io.koordinator.inject.AdmissionTestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * The corpus of real-world shapes in {@code inject/corpus/}: one YAML file each (a Pod, or a workload whose pod
 * template is admitted as its pods would be), with its expected decision in a header comment:
 *
 * <pre>
 * # expect: injected | refused: MESSAGE PREFIX | skipped: DETAIL PART
 * # namespace-labels: k=v,k2=v2     (optional: the namespace's labels, for the Pod Security check)
 * # config: fallback/config.yaml    (optional: another injector config)
 * </pre>
 *
 * An injected shape has its exact patch in {@code NAME.patch.json}; the patched pod must pass {@link PodRules} (what
 * the API server checks), have every probe on the app port pointed at the admin port with the original in {@code
 * KOORD_APP_PROBERS}, and be left alone when submitted again.
 */
class PodCorpusTest {

    private static final Map<String, Integer> TALLY = new TreeMap<>();

    record Shape(String name, String expect, Map<String, String> namespaceLabels, String config) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Shape> shapes() throws IOException, URISyntaxException {
        Path dir = Path.of(PodCorpusTest.class.getResource("/inject/corpus").toURI());
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml"))
                    .sorted()
                    .map(PodCorpusTest::shape)
                    .toList();
        }
    }

    private static Shape shape(String file) {
        String expect = null;
        Map<String, String> labels = new LinkedHashMap<>();
        String config = "test-config.yaml";
        for (String line : resource("corpus/" + file).lines().toList()) {
            if (!line.startsWith("#")) {
                break;
            }
            String l = line.substring(1).trim();
            if (l.startsWith("expect:")) {
                expect = l.substring("expect:".length()).trim();
            } else if (l.startsWith("namespace-labels:")) {
                Arrays.stream(l.substring("namespace-labels:".length()).trim().split(","))
                        .map(kv -> kv.split("=", 2))
                        .forEach(kv -> labels.put(kv[0], kv[1]));
            } else if (l.startsWith("config:")) {
                config = l.substring("config:".length()).trim();
            }
        }
        if (expect == null) {
            throw new IllegalArgumentException(file + " has no '# expect:' line");
        }
        return new Shape(file.substring(0, file.length() - ".yaml".length()), expect, labels, config);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void shapeGetsItsExpectedDecision(Shape shape) {
        // given the shape's pod (a workload's pods look like its template)
        Pod pod = podOf(Serialization.unmarshal(resource("corpus/" + shape.name() + ".yaml")));
        AdmissionHandler handler = new AdmissionHandler(
                InjectorConfigLoader.parse(resource(shape.config())), "test", ns -> shape.namespaceLabels());
        byte[] review = reviewOf(pod, "CREATE");

        // when it is admitted
        AdmissionResult result = handler.handle(review);
        AdmissionResponse response = response(result);
        assertThat(response.getUid()).isEqualTo(uidOf(review));
        tally(result, response);

        // then the decision is the expected one
        if (shape.expect().startsWith("refused:")) {
            assertThat(response.getAllowed()).as(result.detail()).isFalse();
            assertThat(response.getPatch()).isNull();
            assertThat(response.getStatus().getCode()).isEqualTo(400);
            assertThat(response.getStatus().getMessage())
                    .startsWith("koordinator: "
                            + shape.expect().substring("refused:".length()).trim());
        } else if (shape.expect().startsWith("skipped:")) {
            assertThat(result.outcome()).as(result.detail()).isEqualTo(AdmissionResult.Outcome.SKIPPED);
            assertThat(response.getAllowed()).isTrue();
            assertThat(response.getPatch()).isNull();
            assertThat(result.detail())
                    .contains(shape.expect().substring("skipped:".length()).trim());
        } else {
            assertThat(shape.expect()).isEqualTo("injected");
            assertThat(result.outcome()).as(result.detail()).isEqualTo(AdmissionResult.Outcome.INJECTED);
            JsonNode patch = patch(response);
            assertJsonEqualsFixture(patch, "corpus/" + shape.name() + ".patch.json");
            assertPatchedPodIsValid(
                    handler, JSON.readTree(review).path("request").path("object"), patch);
        }
    }

    private static void assertPatchedPodIsValid(AdmissionHandler handler, JsonNode original, JsonNode patch) {
        Pod patched = Serialization.unmarshal(JSON.writeValueAsString(JsonPatch.apply(patch, original)), Pod.class);
        PodRules.normalize(patched.getSpec());
        assertThat(PodRules.violation(patched.getSpec())).isNull();

        // every probe left on a TCP port of the app is one the kubelet can still reach: the admin port, or
        // a port that is not captured; and every rewritten probe has its original in KOORD_APP_PROBERS
        Container proxy = Stream.concat(
                        patched.getSpec().getInitContainers().stream(), patched.getSpec().getContainers().stream())
                .filter(c -> c.getName().equals(InjectConfigKeys.PROXY_CONTAINER_NAME))
                .findFirst()
                .orElseThrow();
        Map<String, String> env = proxy.getEnv().stream()
                .filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
        int appPort = Integer.parseInt(env.get("KOORD_APP_PORT"));
        JsonNode probers = JSON.readTree(env.getOrDefault("KOORD_APP_PROBERS", "{}"));
        List<String> rewritten = new ArrayList<>();
        for (Container c : ProbeRewrite.probed(patched.getSpec())) {
            for (Probe p : new Probe[] {c.getLivenessProbe(), c.getReadinessProbe(), c.getStartupProbe()}) {
                if (p == null) {
                    continue;
                }
                if (p.getGrpc() != null) {
                    assertThat(p.getGrpc().getPort()).isNotEqualTo(appPort);
                }
                if (p.getHttpGet() != null && p.getHttpGet().getPath().startsWith("/app-health/")) {
                    assertThat(p.getHttpGet().getPort().getIntVal()).isEqualTo(16000);
                    rewritten.add(p.getHttpGet().getPath());
                }
            }
        }
        List<String> keys = new ArrayList<>();
        probers.propertyNames().forEach(keys::add);
        assertThat(keys).containsExactlyInAnyOrderElementsOf(rewritten);

        // and submitted again, it is left alone
        AdmissionResponse again = response(handler.handle(reviewOf(patched, "CREATE")));
        assertThat(again.getAllowed()).isTrue();
        assertThat(again.getPatch()).isNull();
    }

    /** The pod a workload would create: its template, with the namespace and a generated name. */
    static Pod podOf(HasMetadata object) {
        if (object instanceof Pod p) {
            p.getMetadata().setNamespace("shop");
            return p;
        }
        PodTemplateSpec template;
        if (object instanceof Deployment d) {
            template = d.getSpec().getTemplate();
        } else if (object instanceof StatefulSet s) {
            template = statefulSetPod(s);
        } else if (object instanceof DaemonSet d) {
            template = d.getSpec().getTemplate();
        } else if (object instanceof ReplicaSet r) {
            template = r.getSpec().getTemplate();
        } else if (object instanceof Job j) {
            template = j.getSpec().getTemplate();
        } else if (object instanceof CronJob c) {
            template = c.getSpec().getJobTemplate().getSpec().getTemplate();
        } else {
            throw new IllegalArgumentException("not a workload: " + object.getKind());
        }
        return new PodBuilder()
                .withNewMetadataLike(template.getMetadata())
                .withGenerateName(object.getMetadata().getName() + "-")
                .withNamespace("shop")
                .endMetadata()
                .withSpec(template.getSpec())
                .build();
    }

    /**
     * A StatefulSet's template as its controller creates pod 0: one volume per volumeClaimTemplate, bound to the claim
     * {@code <template>-<set>-0}, replacing a template volume of the same name.
     */
    private static PodTemplateSpec statefulSetPod(StatefulSet set) {
        PodTemplateSpec template = set.getSpec().getTemplate();
        List<Volume> volumes = new ArrayList<>(template.getSpec().getVolumes());
        for (PersistentVolumeClaim claim : set.getSpec().getVolumeClaimTemplates()) {
            String name = claim.getMetadata().getName();
            volumes.removeIf(v -> name.equals(v.getName()));
            volumes.add(new VolumeBuilder()
                    .withName(name)
                    .withNewPersistentVolumeClaim()
                    .withClaimName(name + "-" + set.getMetadata().getName() + "-0")
                    .endPersistentVolumeClaim()
                    .build());
        }
        template.getSpec().setVolumes(volumes);
        return template;
    }

    private static synchronized void tally(AdmissionResult result, AdmissionResponse response) {
        String key = switch (result.outcome()) {
            case REFUSED, FAILED -> "refused: " + reason(response.getStatus().getMessage());
            default -> result.outcome().label();
        };
        TALLY.merge(key, 1, Integer::sum);
    }

    /** The kind of a refusal: its message up to the first colon or semicolon after the prefix. */
    private static String reason(String message) {
        String m = message.substring("koordinator: ".length());
        int cut = m.length();
        for (char c : new char[] {':', ';', '('}) {
            int i = m.indexOf(c);
            if (i > 0 && i < cut) {
                cut = i;
            }
        }
        return m.substring(0, cut).replaceAll("'[^']*'", "'…'").trim();
    }

    @AfterAll
    static void printTally() {
        int total = TALLY.values().stream().mapToInt(Integer::intValue).sum();
        StringBuilder out = new StringBuilder("corpus: " + total + " shapes\n");
        TALLY.forEach((k, v) -> out.append(String.format("  %3d  %s%n", v, k)));
        System.out.print(out);
        try {
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target/pod-corpus.txt"), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
