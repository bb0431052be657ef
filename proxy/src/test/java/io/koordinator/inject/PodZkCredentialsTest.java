package io.koordinator.inject;

import static io.koordinator.inject.AdmissionTestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The group's ZooKeeper credentials: a Secret named by annotation, mounted read-only into the proxy. */
class PodZkCredentialsTest {
    private final AdmissionHandler handler =
            new AdmissionHandler(InjectorConfigLoader.parse(resource("test-config.yaml")), "test");

    @Test
    void theSecretIsMountedReadOnlyAndTheProxyReadsItsFile() {
        Pod pod = injected(handler, ordersPod(Map.of("koordinator.io/zk-credentials-secret", "orders-zk")));

        assertThat(pod.getSpec().getVolumes())
                .extracting(Volume::getName)
                .containsExactly("koordinator-state", "koordinator-zk-credentials");
        Volume secret = pod.getSpec().getVolumes().get(1);
        assertThat(secret.getSecret().getSecretName()).isEqualTo("orders-zk");
        assertThat(secret.getSecret().getItems()).singleElement().satisfies(item -> {
            assertThat(item.getKey()).isEqualTo("credentials");
            assertThat(item.getPath()).isEqualTo("credentials");
        });
        VolumeMount mount = proxyOf(pod).getVolumeMounts().get(1);
        assertThat(mount.getName()).isEqualTo("koordinator-zk-credentials");
        assertThat(mount.getMountPath()).isEqualTo("/var/run/koordinator/zk-credentials");
        assertThat(mount.getReadOnly()).isTrue();
        assertThat(proxyEnv(pod))
                .containsEntry("KOORD_ZK_CREDENTIALS_FILE", "/var/run/koordinator/zk-credentials/credentials");
        assertThat(pod.getMetadata().getAnnotations().get("koordinator.io/status"))
                .endsWith("\"volumes\":[\"koordinator-state\",\"koordinator-zk-credentials\"]}");
        // the app container does not see the credentials
        assertThat(pod.getSpec().getContainers().get(0).getVolumeMounts()).isEmpty();
    }

    @Test
    void withoutTheAnnotationNothingIsMounted() {
        Pod pod = injected(handler, ordersPod(Map.of()));

        assertThat(pod.getSpec().getVolumes()).extracting(Volume::getName).containsExactly("koordinator-state");
        assertThat(proxyEnv(pod)).doesNotContainKey("KOORD_ZK_CREDENTIALS_FILE");
    }

    @Test
    void anInvalidSecretNameIsRefusedNamingTheAnnotation() {
        AdmissionResult result = handler.handle(
                reviewOf(ordersPod(Map.of("koordinator.io/zk-credentials-secret", "Not_A_Name")), "CREATE"));

        assertThat(result.outcome()).isEqualTo(AdmissionResult.Outcome.REFUSED);
        AdmissionResponse response = response(result);
        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getMessage()).contains("koordinator.io/zk-credentials-secret");
    }
}
