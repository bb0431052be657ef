package io.koordinator.inject;

import static io.koordinator.inject.AdmissionTestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/** The Pod Security check reading namespace labels from Fabric8's mock API server (CRUD mode). */
@EnableKubernetesMockClient(crud = true, kubernetesClientBuilderCustomizer = CaBundlePatcherIT.PatientClient.class)
class PodSecurityIT {

    KubernetesMockServer server;
    KubernetesClient client;

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };

    private void namespace(String name, Map<String, String> labels) {
        client.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withLabels(labels)
                        .endMetadata()
                        .build())
                .createOr(r -> r.update());
    }

    private AdmissionResponse admit(AdmissionHandler handler, String namespace) {
        Pod p = PodCorpusTest.podOf(Serialization.unmarshal(resource("corpus/deployment-basic.yaml")));
        p.getMetadata().setNamespace(namespace);
        return response(handler.handle(reviewIn(p, namespace)));
    }

    private static byte[] reviewIn(Pod pod, String namespace) {
        var review = (ObjectNode) JSON.readTree(reviewOf(pod, "CREATE"));
        ((ObjectNode) review.get("request")).put("namespace", namespace);
        return JSON.writeValueAsBytes(review);
    }

    @Test
    void podsInRestrictedOrBaselineNamespacesAreRefusedAndPrivilegedOnesInjected() {
        // given three namespaces with Pod Security levels, and one without
        namespace("locked", Map.of("pod-security.kubernetes.io/enforce", "restricted"));
        namespace("base", Map.of("pod-security.kubernetes.io/enforce", "baseline"));
        namespace("open", Map.of("pod-security.kubernetes.io/enforce", "privileged"));
        namespace("plain", Map.of("koordinator.io/inject", "enabled"));
        InjectMetrics metrics = new InjectMetrics();
        AdmissionHandler handler = new AdmissionHandler(
                config("edge"), "test", new KubernetesNamespaceLabels(client, Duration.ofSeconds(30), clock, metrics));

        // then the restrictive ones are refused with the reason, the others injected
        AdmissionResponse locked = admit(handler, "locked");
        assertThat(locked.getAllowed()).isFalse();
        assertThat(locked.getStatus().getMessage())
                .startsWith("koordinator: the namespace enforces Pod Security level 'restricted' (label"
                        + " pod-security.kubernetes.io/enforce), which forbids the NET_ADMIN and NET_RAW");
        assertThat(admit(handler, "base").getStatus().getMessage()).contains("level 'baseline'");
        assertThat(admit(handler, "open").getAllowed()).isTrue();
        assertThat(admit(handler, "open").getPatch()).isNotNull();
        assertThat(admit(handler, "plain").getPatch()).isNotNull();
        assertThat(metrics.namespaceLookupFailures()).isZero();
    }

    @Test
    void labelsAreCachedForTheirTtlAndReadAgainAfterIt() {
        // given a privileged namespace, read once
        namespace("moving", Map.of("pod-security.kubernetes.io/enforce", "privileged"));
        InjectMetrics metrics = new InjectMetrics();
        KubernetesNamespaceLabels labels =
                new KubernetesNamespaceLabels(client, Duration.ofSeconds(30), clock, metrics);
        AdmissionHandler handler = new AdmissionHandler(config("edge"), "test", labels);
        assertThat(admit(handler, "moving").getAllowed()).isTrue();

        // when its level becomes restricted, the cached labels still hold within the TTL
        namespace("moving", Map.of("pod-security.kubernetes.io/enforce", "restricted"));
        int before = server.getRequestCount();
        assertThat(admit(handler, "moving").getAllowed()).isTrue();
        assertThat(server.getRequestCount()).isEqualTo(before);

        // and after it the new level is read and applied
        now.set(now.get().plusSeconds(31));
        assertThat(admit(handler, "moving").getAllowed()).isFalse();
    }

    @Test
    void aNamespaceThatCannotBeReadIsCountedAndThePodInjected() {
        // given an injector without RBAC to read this namespace
        server.expect()
                .get()
                .withPath("/api/v1/namespaces/broken")
                .andReturn(403, "forbidden")
                .always();
        InjectMetrics metrics = new InjectMetrics();
        AdmissionHandler handler = new AdmissionHandler(
                config("edge"), "test", new KubernetesNamespaceLabels(client, Duration.ofSeconds(30), clock, metrics));

        // then the pod is injected (the API server's own Pod Security admission still applies) and it is counted
        assertThat(admit(handler, "broken").getAllowed()).isTrue();
        assertThat(metrics.namespaceLookupFailures()).isEqualTo(1);
    }

    @Test
    void theInjectorWiresTheCheckInWhenItIsOn(@TempDir Path dir) throws Exception {
        // given a running injector with the check on, reading namespaces through its own client
        namespace("locked", Map.of("pod-security.kubernetes.io/enforce", "restricted"));
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, resource("test-config.yaml"));
        try (Injector injector = new Injector(
                InjectorIT.options(null, null, true, config, 64 * 1024),
                () -> new KubernetesClientBuilder()
                        .withConfig(client.getConfiguration())
                        .build(),
                "test",
                Map.of("KOORD_INJECT_POD_SECURITY_CHECK", "true"))) {
            injector.start();

            // when a pod of that namespace is sent over HTTPS
            Pod p = PodCorpusTest.podOf(Serialization.unmarshal(resource("corpus/deployment-basic.yaml")));
            HttpResponse<String> r = InjectorIT.clientTrusting(
                            TlsMaterial.trusting(injector.tls().ca()))
                    .send(
                            HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + injector.port() + "/mutate"))
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(reviewIn(p, "locked")))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());

            // then it is refused for the namespace's level
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"allowed\":false").contains("Pod Security level 'restricted'");
        }
    }
}
