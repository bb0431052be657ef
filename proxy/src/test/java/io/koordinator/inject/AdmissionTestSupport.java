package io.koordinator.inject;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/** Builds AdmissionReviews around YAML fixtures and reads the answers (after josdk-webhooks' AdmissionTestSupport). */
final class AdmissionTestSupport {

    static final ObjectMapper JSON = Serialization.jsonMapper();

    /** Set -Dkoordinator.regenerateFixtures=true to rewrite the expected files from the actual output. */
    static final boolean REGENERATE = Boolean.getBoolean("koordinator.regenerateFixtures");

    private AdmissionTestSupport() {}

    static String resource(String path) {
        try (InputStream in = AdmissionTestSupport.class.getResourceAsStream("/inject/" + path)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture /inject/" + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean hasResource(String path) {
        return AdmissionTestSupport.class.getResource("/inject/" + path) != null;
    }

    /** An AdmissionReview v1 CREATE request for the object in the YAML fixture. */
    static byte[] createReview(String yamlFixture) {
        HasMetadata object = Serialization.unmarshal(resource(yamlFixture));
        return reviewOf(object, "CREATE");
    }

    static byte[] reviewOf(HasMetadata object, String operation) {
        String kind = object.getKind();
        String apiVersion = object.getApiVersion();
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        String version = apiVersion.contains("/") ? apiVersion.substring(apiVersion.indexOf('/') + 1) : apiVersion;
        ObjectNode review = JSON.createObjectNode();
        review.put("apiVersion", "admission.k8s.io/v1");
        review.put("kind", "AdmissionReview");
        ObjectNode request = review.putObject("request");
        request.put("uid", UUID.randomUUID().toString());
        ObjectNode k = request.putObject("kind");
        k.put("group", group);
        k.put("version", version);
        k.put("kind", kind);
        ObjectNode r = request.putObject("resource");
        r.put("group", group);
        r.put("version", version);
        r.put("resource", kind.toLowerCase() + "s");
        request.put("namespace", "shop");
        request.put("operation", operation);
        request.set("object", JSON.valueToTree(object));
        request.putObject("userInfo").put("username", "kubernetes-admin");
        return JSON.writeValueAsBytes(review);
    }

    static String uidOf(byte[] review) {
        return JSON.readTree(review).path("request").path("uid").asString();
    }

    static AdmissionResponse response(AdmissionResult result) {
        assertThat(result.httpStatus()).as(result.bodyText()).isEqualTo(200);
        AdmissionReview review = JSON.readValue(result.body(), AdmissionReview.class);
        assertThat(review.getApiVersion()).isEqualTo("admission.k8s.io/v1");
        assertThat(review.getKind()).isEqualTo("AdmissionReview");
        return review.getResponse();
    }

    /** The decoded JSON Patch of an allowed response; null if the response has none. */
    static JsonNode patch(AdmissionResponse response) {
        if (response.getPatch() == null) {
            assertThat(response.getPatchType()).isNull();
            return null;
        }
        assertThat(response.getPatchType()).isEqualTo("JSONPatch");
        return JSON.readTree(Base64.getDecoder().decode(response.getPatch()));
    }

    /** The pod as the API server stores it: admitted by {@code handler}, which must inject it, and patched. */
    static Pod injected(AdmissionHandler handler, Pod pod) {
        byte[] review = reviewOf(pod, "CREATE");
        AdmissionResult result = handler.handle(review);
        assertThat(result.outcome()).as(result.detail()).isEqualTo(AdmissionResult.Outcome.INJECTED);
        JsonNode original = JSON.readTree(review).path("request").path("object");
        JsonNode patched = JsonPatch.apply(patch(response(result)), original);
        return Serialization.unmarshal(JSON.writeValueAsString(patched), Pod.class);
    }

    /** A pod with one container on 8080 and the group label, plus the given annotations. */
    static Pod ordersPod(Map<String, String> annotations) {
        return new PodBuilder()
                .withNewMetadata()
                .withName("orders-0")
                .withNamespace("shop")
                .withLabels(Map.of("app.kubernetes.io/name", "orders"))
                .withAnnotations(annotations)
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("app")
                .withImage("shop/orders:1.4")
                .addNewPort()
                .withContainerPort(8080)
                .endPort()
                .endContainer()
                .endSpec()
                .build();
    }

    /** The injected proxy container, in either mode. */
    static Container proxyOf(Pod pod) {
        return Stream.concat(pod.getSpec().getInitContainers().stream(), pod.getSpec().getContainers().stream())
                .filter(c -> c.getName().equals(InjectConfigKeys.PROXY_CONTAINER_NAME))
                .findFirst()
                .orElseThrow();
    }

    /** The proxy's environment variables that have a plain value. */
    static Map<String, String> proxyEnv(Pod pod) {
        return proxyOf(pod).getEnv().stream()
                .filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    }

    /** Compares with the expected JSON fixture, or rewrites it when regenerating. */
    static void assertJsonEqualsFixture(JsonNode actual, String fixture) {
        String pretty = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(actual) + "\n";
        if (REGENERATE) {
            try {
                Path file = Path.of("src/test/resources/inject", fixture);
                Files.writeString(file, pretty);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        JsonNode expected = JSON.readTree(resource(fixture));
        assertThat(pretty).isEqualTo(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(expected) + "\n");
    }

    /** The case's own config.yaml if it has one, else the shared test-config.yaml. */
    static InjectorConfig config(String caseDir) {
        String own = caseDir + "/config.yaml";
        return InjectorConfigLoader.parse(resource(hasResource(own) ? own : "test-config.yaml"));
    }
}
