package io.koordinator.inject;

import static io.koordinator.inject.AdmissionTestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The proxy's TLS material for ZooKeeper: a Secret named by annotation, mounted read-only into the proxy. */
class PodZkTlsTest {
    private final AdmissionHandler handler =
            new AdmissionHandler(InjectorConfigLoader.parse(resource("test-config.yaml")), "test");

    @Test
    void theSecretIsMountedReadOnlyAndTheProxyReadsItsThreeFiles() {
        Pod pod = injected(handler, ordersPod(Map.of("koordinator.io/zk-tls-secret", "orders-zk-tls")));

        assertThat(pod.getSpec().getVolumes())
                .extracting(Volume::getName)
                .containsExactly("koordinator-state", "koordinator-zk-tls");
        Volume secret = pod.getSpec().getVolumes().get(1);
        assertThat(secret.getSecret().getSecretName()).isEqualTo("orders-zk-tls");
        assertThat(secret.getSecret().getItems())
                .extracting(KeyToPath::getKey, KeyToPath::getPath)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("tls.crt", "tls.crt"),
                        org.assertj.core.groups.Tuple.tuple("tls.key", "tls.key"),
                        org.assertj.core.groups.Tuple.tuple("ca.crt", "ca.crt"));
        VolumeMount mount = proxyOf(pod).getVolumeMounts().get(1);
        assertThat(mount.getName()).isEqualTo("koordinator-zk-tls");
        assertThat(mount.getMountPath()).isEqualTo("/var/run/koordinator/zk-tls");
        assertThat(mount.getReadOnly()).isTrue();
        assertThat(proxyEnv(pod))
                .containsEntry("KOORD_ZK_TLS_CERT_FILE", "/var/run/koordinator/zk-tls/tls.crt")
                .containsEntry("KOORD_ZK_TLS_KEY_FILE", "/var/run/koordinator/zk-tls/tls.key")
                .containsEntry("KOORD_ZK_TLS_CA_FILE", "/var/run/koordinator/zk-tls/ca.crt");
        assertThat(pod.getMetadata().getAnnotations().get("koordinator.io/status"))
                .endsWith("\"volumes\":[\"koordinator-state\",\"koordinator-zk-tls\"]}");
        // the app container does not see the key
        assertThat(pod.getSpec().getContainers().get(0).getVolumeMounts()).isEmpty();
    }

    @Test
    void credentialsAndTlsAreMountedSideBySide() {
        Pod pod = injected(
                handler,
                ordersPod(Map.of(
                        "koordinator.io/zk-credentials-secret", "orders-zk",
                        "koordinator.io/zk-tls-secret", "orders-zk-tls")));

        assertThat(pod.getSpec().getVolumes())
                .extracting(Volume::getName)
                .containsExactly("koordinator-state", "koordinator-zk-credentials", "koordinator-zk-tls");
        assertThat(proxyOf(pod).getVolumeMounts())
                .extracting(VolumeMount::getMountPath)
                .containsExactly(
                        "/var/run/koordinator/state",
                        "/var/run/koordinator/zk-credentials",
                        "/var/run/koordinator/zk-tls");
    }

    @Test
    void withoutTheAnnotationNothingIsMounted() {
        Pod pod = injected(handler, ordersPod(Map.of()));

        assertThat(pod.getSpec().getVolumes()).extracting(Volume::getName).containsExactly("koordinator-state");
        assertThat(proxyEnv(pod))
                .doesNotContainKeys("KOORD_ZK_TLS_CERT_FILE", "KOORD_ZK_TLS_KEY_FILE", "KOORD_ZK_TLS_CA_FILE");
    }

    @Test
    void anInvalidSecretNameIsRefusedNamingTheAnnotation() {
        AdmissionResult result =
                handler.handle(reviewOf(ordersPod(Map.of("koordinator.io/zk-tls-secret", "Not_A_Name")), "CREATE"));

        assertThat(result.outcome()).isEqualTo(AdmissionResult.Outcome.REFUSED);
        AdmissionResponse response = response(result);
        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getMessage()).contains("koordinator.io/zk-tls-secret");
    }

    @Test
    void aPodWithAVolumeOfTheSameNameIsRefused() {
        Pod pod = new PodBuilder(ordersPod(Map.of("koordinator.io/zk-tls-secret", "orders-zk-tls")))
                .editSpec()
                .addNewVolume()
                .withName("koordinator-zk-tls")
                .withNewEmptyDir()
                .endEmptyDir()
                .endVolume()
                .endSpec()
                .build();

        AdmissionResult result = handler.handle(reviewOf(pod, "CREATE"));

        assertThat(result.outcome()).isEqualTo(AdmissionResult.Outcome.REFUSED);
        assertThat(response(result).getStatus().getMessage())
                .contains("already has a volume named 'koordinator-zk-tls'");
    }
}
