package io.koordinator.inject;

import static io.koordinator.inject.AdmissionTestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The proxy's state directory (its durable checkpoint) and the state-transfer token from a Secret. */
class PodStateVolumeTest {

    private final AdmissionHandler handler =
            new AdmissionHandler(InjectorConfigLoader.parse(resource("test-config.yaml")), "test");

    @Test
    void stateDirectoryIsAnEmptyDirOfItsOwnByDefault() {
        Pod pod = injected(handler, withVolume(ordersPod(Map.of()), pvc("data")));

        assertThat(pod.getSpec().getVolumes()).extracting(Volume::getName).containsExactly("data", "koordinator-state");
        Volume state = pod.getSpec().getVolumes().get(1);
        assertThat(state.getEmptyDir()).isNotNull();
        assertThat(state.getEmptyDir().getMedium()).isNull();
        assertThat(proxyOf(pod).getVolumeMounts()).singleElement().satisfies(m -> {
            assertThat(m.getName()).isEqualTo("koordinator-state");
            assertThat(m.getMountPath()).isEqualTo("/var/run/koordinator/state");
            assertThat(m.getSubPath()).isNull();
        });
        assertThat(proxyEnv(pod)).containsEntry("KOORD_STATE_DIR", "/var/run/koordinator/state");
        assertThat(proxyOf(pod).getEnv()).extracting(EnvVar::getName).doesNotContain("KOORD_TRANSFER_TOKEN");
        assertThat(pod.getMetadata().getAnnotations().get("koordinator.io/status"))
                .endsWith("\"volumes\":[\"koordinator-state\"]}");
        // the app container does not see the proxy's state
        assertThat(pod.getSpec().getContainers().get(0).getVolumeMounts()).isEmpty();
    }

    @Test
    void theVolumeNamedByTheAnnotationHoldsTheStateInASubdirectory() {
        Pod pod = injected(
                handler,
                withVolume(
                        ordersPod(Map.of("koordinator.io/state-volume", "data", "koordinator.io/app-kind", "durable")),
                        pvc("data")));

        assertThat(pod.getSpec().getVolumes()).extracting(Volume::getName).containsExactly("data");
        VolumeMount mount = proxyOf(pod).getVolumeMounts().get(0);
        assertThat(mount.getName()).isEqualTo("data");
        assertThat(mount.getMountPath()).isEqualTo("/var/run/koordinator/state");
        assertThat(mount.getSubPath()).isEqualTo("koordinator");
        assertThat(proxyEnv(pod))
                .containsEntry("KOORD_STATE_DIR", "/var/run/koordinator/state")
                .containsEntry("KOORD_APP_KIND", "durable");
        assertThat(pod.getMetadata().getAnnotations().get("koordinator.io/status"))
                .endsWith("\"volumes\":[]}");
    }

    @Test
    void aDurableAppWithItsDataOnAClaimMustKeepTheCheckpointThere() {
        Pod durableOnClaim =
                mounting(withVolume(ordersPod(Map.of("koordinator.io/app-kind", "durable")), pvc("data")), "data");
        assertThat(refusal(durableOnClaim).getStatus().getMessage())
                .isEqualTo("koordinator: annotation koordinator.io/app-kind: a durable app whose data is on the claim"
                        + " 'data' needs the proxy's checkpoint beside it: set the annotation"
                        + " koordinator.io/state-volume: data (on an emptyDir, a replaced pod would replay the log into"
                        + " data that has it already)");

        // a memory app with a claim, and a durable app whose data is on an emptyDir, share fate with an emptyDir
        Pod memoryOnClaim =
                mounting(withVolume(ordersPod(Map.of("koordinator.io/app-kind", "memory")), pvc("data")), "data");
        assertThat(proxyOf(injected(handler, memoryOnClaim))
                        .getVolumeMounts()
                        .get(0)
                        .getName())
                .isEqualTo("koordinator-state");
        Volume scratch = new VolumeBuilder()
                .withName("data")
                .withNewEmptyDir()
                .endEmptyDir()
                .build();
        Pod durableOnEmptyDir =
                mounting(withVolume(ordersPod(Map.of("koordinator.io/app-kind", "durable")), scratch), "data");
        assertThat(proxyOf(injected(handler, durableOnEmptyDir))
                        .getVolumeMounts()
                        .get(0)
                        .getName())
                .isEqualTo("koordinator-state");
    }

    @Test
    void aVolumeNamedLikeOursIsRefusedEvenWhenTheAnnotationNamesIt() {
        for (Map<String, String> annotations :
                List.of(Map.<String, String>of(), Map.of("koordinator.io/state-volume", "koordinator-state"))) {
            AdmissionResponse response = refusal(withVolume(ordersPod(annotations), pvc("koordinator-state")));
            assertThat(response.getStatus().getMessage())
                    .isEqualTo("koordinator: the pod already has a volume named 'koordinator-state', a name the"
                            + " injector adds, and no koordinator.io/status annotation: rename that volume (and name"
                            + " it in the annotation koordinator.io/state-volume to keep the proxy's state on it)");
        }
    }

    @Test
    void aVolumeTheProxyCannotWriteIsRefused() {
        Volume config = new VolumeBuilder()
                .withName("config")
                .withNewConfigMap()
                .withName("orders")
                .endConfigMap()
                .build();
        AdmissionResponse response =
                refusal(withVolume(ordersPod(Map.of("koordinator.io/state-volume", "config")), config));
        assertThat(response.getStatus().getMessage())
                .isEqualTo("koordinator: annotation koordinator.io/state-volume: volume 'config' is a configMap volume,"
                        + " which the proxy cannot write its state to");

        Volume readOnly = new VolumeBuilder(pvc("data"))
                .editPersistentVolumeClaim()
                .withReadOnly(true)
                .endPersistentVolumeClaim()
                .build();
        assertThat(refusal(withVolume(ordersPod(Map.of("koordinator.io/state-volume", "data")), readOnly))
                        .getStatus()
                        .getMessage())
                .contains("volume 'data' is a read-only persistentVolumeClaim volume");
    }

    @Test
    void aMissingVolumeIsRefusedListingThePodsVolumes() {
        AdmissionResponse response =
                refusal(withVolume(ordersPod(Map.of("koordinator.io/state-volume", "date")), pvc("data")));
        assertThat(response.getStatus().getMessage())
                .isEqualTo("koordinator: annotation koordinator.io/state-volume: the pod has no volume named 'date'"
                        + " (its volumes: data); name one of them, or leave the annotation out for an emptyDir");
    }

    @Test
    void transferTokenComesFromTheSecretOfTheAnnotationOrOfTheConfig() {
        // given no setting: nothing injected (the proxies keep a generated token in ZooKeeper)
        assertThat(proxyOf(injected(handler, ordersPod(Map.of()))).getEnv())
                .extracting(EnvVar::getName)
                .doesNotContain("KOORD_TRANSFER_TOKEN");

        // the annotation names the Secret
        Pod annotated = injected(handler, ordersPod(Map.of("koordinator.io/transfer-token-secret", "orders-token")));
        assertThat(tokenRef(proxyOf(annotated))).isEqualTo("orders-token/token");

        // the config's default, which the annotation overrides
        AdmissionHandler withDefault = new AdmissionHandler(
                InjectorConfigLoader.parse(resource("test-config.yaml") + "transferTokenSecret: shared-token\n"),
                "test");
        assertThat(tokenRef(proxyOf(injected(withDefault, ordersPod(Map.of())))))
                .isEqualTo("shared-token/token");
        assertThat(tokenRef(proxyOf(injected(
                        withDefault, ordersPod(Map.of("koordinator.io/transfer-token-secret", "orders-token"))))))
                .isEqualTo("orders-token/token");
    }

    /** {@code secret/key} of the proxy's KOORD_TRANSFER_TOKEN, which must come from a Secret, never a value. */
    private static String tokenRef(Container proxy) {
        EnvVar token = proxy.getEnv().stream()
                .filter(e -> e.getName().equals("KOORD_TRANSFER_TOKEN"))
                .findFirst()
                .orElseThrow();
        assertThat(token.getValue()).isNull();
        var ref = token.getValueFrom().getSecretKeyRef();
        return ref.getName() + "/" + ref.getKey();
    }

    private AdmissionResponse refusal(Pod pod) {
        AdmissionResult result = handler.handle(reviewOf(pod, "CREATE"));
        assertThat(result.outcome()).as(result.detail()).isEqualTo(AdmissionResult.Outcome.REFUSED);
        AdmissionResponse response = response(result);
        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getPatch()).isNull();
        return response;
    }

    private static Volume pvc(String name) {
        return new VolumeBuilder()
                .withName(name)
                .withNewPersistentVolumeClaim()
                .withClaimName(name + "-orders-0")
                .endPersistentVolumeClaim()
                .build();
    }

    /** The pod with its app container mounting {@code volume} at /data. */
    private static Pod mounting(Pod pod, String volume) {
        return new PodBuilder(pod)
                .editSpec()
                .editFirstContainer()
                .addNewVolumeMount()
                .withName(volume)
                .withMountPath("/data")
                .endVolumeMount()
                .endContainer()
                .endSpec()
                .build();
    }

    private static Pod withVolume(Pod pod, Volume volume) {
        return new PodBuilder(pod).editSpec().addToVolumes(volume).endSpec().build();
    }
}
