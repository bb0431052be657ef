package io.koordinator.inject;

import static io.koordinator.inject.AdmissionTestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.zjsonpatch.JsonPatch;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/** YAML pod fixtures in, exact JSON Patch or exact decision out. */
class PodInjectionTest {

    private static AdmissionResult admit(String caseDir, String fixture) {
        return new AdmissionHandler(config(caseDir), "test").handle(createReview(caseDir + "/" + fixture));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "several-containers",
                "named-ports",
                "no-ports-annotation",
                "existing-init-containers",
                "probes",
                "fallback"
            })
    void injectsExactPatch(String caseDir) {
        // given a pod fixture, when it is admitted
        AdmissionResult result = admit(caseDir, "pod.yaml");

        // then the answer is an allowed JSONPatch, exactly the expected one
        AdmissionResponse response = response(result);
        assertThat(result.outcome()).as(result.detail()).isEqualTo(AdmissionResult.Outcome.INJECTED);
        assertThat(response.getAllowed()).isTrue();
        assertJsonEqualsFixture(patch(response), caseDir + "/expected-patch.json");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "several-containers",
                "named-ports",
                "no-ports-annotation",
                "existing-init-containers",
                "probes",
                "fallback"
            })
    void patchedPodIsValidAndResubmittingItChangesNothing(String caseDir) {
        // given the patch applied to the original pod, as the API server does
        byte[] review = createReview(caseDir + "/pod.yaml");
        JsonNode original = JSON.readTree(review).path("request").path("object");
        AdmissionHandler handler = new AdmissionHandler(config(caseDir), "test");
        JsonNode patched = JsonPatch.apply(patch(response(handler.handle(review))), original);

        // then it parses as a Pod with every container named once
        Pod pod = Serialization.unmarshal(JSON.writeValueAsString(patched), Pod.class);
        var names = java.util.stream.Stream.concat(
                        pod.getSpec().getInitContainers().stream(), pod.getSpec().getContainers().stream())
                .map(Container::getName)
                .toList();
        assertThat(names).doesNotHaveDuplicates().contains("koordinator-init", "koordinator-proxy");
        assertThat(pod.getMetadata().getAnnotations()).containsKey("koordinator.io/status");

        // and when it is submitted again, the answer is allowed with no patch at all
        AdmissionResult again = handler.handle(reviewOf(pod, "CREATE"));
        AdmissionResponse response = response(again);
        assertThat(response.getAllowed()).isTrue();
        assertThat(response.getPatch()).isNull();
        assertThat(again.bodyText()).doesNotContain("patch");
        assertThat(again.detail()).contains("already injected");
    }

    @Test
    void probesOnTheAppPortGoToTheAdminPortAndTheOriginalsToTheProxy() {
        Pod pod = patchedPod("probes");
        Container proxy = pod.getSpec().getInitContainers().get(1);
        Map<String, String> env = proxy.getEnv().stream()
                .filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
        // Probe paths no longer need to be pass-through: the kubelet calls the admin port.
        assertThat(env).containsEntry("KOORD_PASS_THROUGH", "/static,/metrics");
        assertThat(env)
                .containsEntry(
                        "JAVA_TOOL_OPTIONS",
                        "-XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -XX:+UnlockExperimentalVMOptions -XX:TrimNativeHeapInterval=5000 -XX:MaxRAMPercentage=25"
                                + " -XX:SharedArchiveFile=/opt/koordinator/proxy.jsa");
        assertThat(JSON.readTree(env.get("KOORD_APP_PROBERS")).path("/app-health/inventory/readyz"))
                .hasToString("{\"httpGet\":{\"path\":\"/readyz?verbose=1\",\"port\":8080,\"scheme\":\"HTTP\"},"
                        + "\"timeoutSeconds\":1}");
        Container app = pod.getSpec().getContainers().get(0);
        assertThat(app.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/app-health/inventory/readyz");
        assertThat(app.getReadinessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(16000);
        assertThat(app.getStartupProbe().getHttpGet().getPath()).isEqualTo("/app-health/inventory/startupz");
        assertThat(app.getStartupProbe().getFailureThreshold()).isEqualTo(30);
        // /helper-health is on port 9091, not the app port: not captured, left alone.
        Container helper = pod.getSpec().getContainers().get(1);
        assertThat(helper.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/helper-health");
        assertThat(helper.getLivenessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(9091);
    }

    @Test
    void nativeSidecarComesRightAfterInitAndBeforeTheUsersInitContainers() {
        Pod pod = patchedPod("existing-init-containers");
        assertThat(pod.getSpec().getInitContainers())
                .extracting(Container::getName)
                .containsExactly("koordinator-init", "koordinator-proxy", "migrate", "fetch-config");
        Container proxy = pod.getSpec().getInitContainers().get(1);
        assertThat(proxy.getRestartPolicy()).isEqualTo("Always");
        assertThat(proxy.getStartupProbe().getHttpGet().getPath()).isEqualTo("/live");
        assertThat(proxy.getStartupProbe().getHttpGet().getPort().getIntVal()).isEqualTo(16000);
    }

    @Test
    void fallbackPutsTheProxyFirstWithAWaitHook() {
        Pod pod = patchedPod("fallback");
        assertThat(pod.getSpec().getContainers())
                .extracting(Container::getName)
                .containsExactly("koordinator-proxy", "app");
        assertThat(pod.getSpec().getInitContainers())
                .extracting(Container::getName)
                .containsExactly("koordinator-init", "migrate");
        assertThat(pod.getSpec()
                        .getContainers()
                        .get(0)
                        .getLifecycle()
                        .getPostStart()
                        .getExec()
                        .getCommand())
                .containsExactly(
                        "java",
                        "-jar",
                        "/opt/koordinator/koordinator.jar",
                        "wait",
                        "--admin-port",
                        "16000",
                        "--path",
                        "/live",
                        "--timeout",
                        "90s");
        assertThat(pod.getMetadata().getAnnotations())
                .containsEntry("kubectl.kubernetes.io/default-container", "app")
                .containsEntry("team", "payments");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"host-network", "opted-out", "already-injected"})
    void skipsWithoutPatch(String caseDir) {
        byte[] review = createReview(caseDir + "/pod.yaml");
        AdmissionResult result = new AdmissionHandler(config(caseDir), "test").handle(review);
        AdmissionResponse response = response(result);
        assertThat(result.outcome()).isEqualTo(AdmissionResult.Outcome.SKIPPED);
        assertThat(response.getUid()).isEqualTo(uidOf(review));
        assertThat(response.getAllowed()).isTrue();
        assertThat(response.getPatch()).isNull();
        assertThat(response.getPatchType()).isNull();
    }

    @Test
    void invalidAnnotationIsRefusedNamingIt() {
        AdmissionResponse response = response(admit("invalid-annotation", "pod.yaml"));
        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getPatch()).isNull();
        assertThat(response.getStatus().getCode()).isEqualTo(400);
        assertThat(response.getStatus().getMessage())
                .isEqualTo("koordinator: annotation koordinator.io/read-policy: 'sometimes' is not one of ordered,"
                        + " linearizable, local");
    }

    @Test
    void podWithoutGroupIsRefused() {
        AdmissionResponse response = response(admit("no-group", "pod.yaml"));
        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getMessage())
                .isEqualTo("koordinator: cannot tell the replicated group: set the annotation koordinator.io/group"
                        + " or the label app.kubernetes.io/name (or app)");
    }

    @Test
    void probeOnTheRootPathOfTheAppPortIsRewrittenLikeAnyOther() {
        Pod pod = patchedPod("probe-on-root");
        assertThat(pod.getSpec()
                        .getContainers()
                        .get(0)
                        .getReadinessProbe()
                        .getHttpGet()
                        .getPath())
                .isEqualTo("/app-health/web/readyz");
    }

    @Test
    void withoutTheRewriteAProbeOnTheRootPathIsRefused() {
        AdmissionResponse response = response(admit("probe-on-root", "no-rewrite.yaml"));
        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getMessage())
                .startsWith("koordinator: readinessProbe of container 'web' checks path '/' on the app port 80");
    }

    @Test
    void anotherKindIsAllowedUnchanged() {
        byte[] review = createReview("other-kind/deployment.yaml");
        AdmissionResult result = new AdmissionHandler(config("other-kind"), "test").handle(review);
        AdmissionResponse response = response(result);
        assertThat(result.outcome()).isEqualTo(AdmissionResult.Outcome.IGNORED);
        assertThat(response.getUid()).isEqualTo(uidOf(review));
        assertThat(response.getAllowed()).isTrue();
        assertThat(response.getPatch()).isNull();
    }

    private static Pod patchedPod(String caseDir) {
        byte[] review = createReview(caseDir + "/pod.yaml");
        JsonNode original = JSON.readTree(review).path("request").path("object");
        JsonNode patch = patch(response(new AdmissionHandler(config(caseDir), "test").handle(review)));
        return Serialization.unmarshal(JSON.writeValueAsString(JsonPatch.apply(patch, original)), Pod.class);
    }
}
