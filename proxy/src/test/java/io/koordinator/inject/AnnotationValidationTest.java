package io.koordinator.inject;

import static io.koordinator.inject.AdmissionTestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every annotation, with a bad value, is refused with a message naming it; good values reach the proxy. */
class AnnotationValidationTest {

    private final AdmissionHandler handler = new AdmissionHandler(config("table"), "test");

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "koordinator.io/app-port              | 0        | '0' is not a port number (1-65535)",
                "koordinator.io/app-port              | 70000    | '70000' is not a port number (1-65535)",
                "koordinator.io/app-port              | web      | 'web' is neither a port number nor the name of a container port",
                "koordinator.io/app-port              | 16001    | port 16001 is the proxy's own (admin 16000, inbound 16001)",
                "koordinator.io/group                 | a/b      | 'a/b' is not a group name",
                "koordinator.io/read-policy           | fast     | 'fast' is not one of ordered, linearizable, local",
                "koordinator.io/pass-through          | static   | 'static' is not an absolute path",
                "koordinator.io/batch-max-commands    | -1       | '-1' is not a positive integer",
                "koordinator.io/batch-max-bytes       | 1MB      | '1MB' is not a positive integer",
                "koordinator.io/batch-max-delay       | 2        | '2' is not a duration",
                "koordinator.io/max-appends-in-flight | 0        | '0' is not a positive integer",
                "koordinator.io/max-body-bytes        | lots     | 'lots' is not a positive integer",
                "koordinator.io/request-timeout       | 1.5s     | '1.5s' is not a duration",
                "koordinator.io/snapshot-path         | snapshot | 'snapshot' is not an absolute path",
                "koordinator.io/zookeeper             | zk:port  | 'zk:port' is not a ZooKeeper connect string",
                "koordinator.io/proxy-cpu             | lots     | 'lots' is not a positive Kubernetes quantity",
                "koordinator.io/proxy-memory          | -1Gi     | '-1Gi' is not a positive Kubernetes quantity",
                "koordinator.io/exclude-inbound-ports | 80,x     | 'x' is not a port number (1-65535)",
                "koordinator.io/exclude-inbound-ports | 8080     | excludes the app port 8080",
                "koordinator.io/capture-ipv6          | maybe    | 'maybe' is not one of auto, on, off",
                "koordinator.io/header-read-timeout   | soon     | 'soon' is not a duration",
                "koordinator.io/max-request-line-bytes | 0       | '0' is not a positive integer",
                "koordinator.io/max-header-bytes      | 16k      | '16k' is not a positive integer",
                "koordinator.io/max-connections       | -5       | '-5' is not a positive integer",
                "koordinator.io/max-ordered-in-flight | many     | 'many' is not a positive integer",
                "koordinator.io/max-ordered-in-flight-bytes | 0  | '0' is not a positive integer",
                "koordinator.io/log-format            | xml      | 'xml' is not one of text, json",
                "koordinator.io/access-log            | yes      | 'yes' is not one of on, off",
                "koordinator.io/app-kind              | stateless | 'stateless' is not one of memory, durable, position-aware",
                "koordinator.io/on-divergence         | fix      | 'fix' is not one of report, resync",
                "koordinator.io/archive-max-bytes     | -1       | '-1' is not a non-negative integer",
                "koordinator.io/state-volume          | Data_1   | 'Data_1' is not a volume name",
                "koordinator.io/state-volume          | data     | the pod has no volume named 'data' (its volumes: none)",
                "koordinator.io/transfer-token-secret | Token_1  | 'Token_1' is not a Secret name",
            })
    void invalidValueIsRefusedNamingTheAnnotation(String annotation, String value, String problem) {
        AdmissionResponse response = response(handler.handle(reviewOf(pod(Map.of(annotation, value)), "CREATE")));

        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getPatch()).isNull();
        assertThat(response.getStatus().getCode()).isEqualTo(400);
        assertThat(response.getStatus().getMessage())
                .startsWith("koordinator: ")
                .contains(annotation)
                .contains(problem);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "koordinator.io/batch-max-commands    | 128            | KOORD_BATCH_MAX_COMMANDS    | 128",
                "koordinator.io/batch-max-delay       | 500ms          | KOORD_BATCH_MAX_DELAY       | 500ms",
                "koordinator.io/request-timeout       | 1m             | KOORD_REQUEST_TIMEOUT       | 1m",
                "koordinator.io/read-policy           | Local          | KOORD_READ_POLICY           | local",
                "koordinator.io/read-policy           | linearizable   | KOORD_READ_POLICY           | linearizable",
                "koordinator.io/zookeeper             | zk-a:2181,zk-b:2181,[::1]:2181/kv | KOORD_ZOOKEEPER | zk-a:2181,zk-b:2181,[::1]:2181/kv",
                "koordinator.io/group                 | orders.v2      | KOORD_GROUP                 | orders.v2",
                "koordinator.io/app-port              | 8080           | KOORD_APP_PORT              | 8080",
                "koordinator.io/pass-through          | /a, ,/b        | KOORD_PASS_THROUGH          | /a,/b",
                "koordinator.io/header-read-timeout   | 5s             | KOORD_HEADER_READ_TIMEOUT   | 5s",
                "koordinator.io/max-request-line-bytes | 4096          | KOORD_MAX_REQUEST_LINE_BYTES | 4096",
                "koordinator.io/max-header-bytes      | 32768          | KOORD_MAX_HEADER_BYTES      | 32768",
                "koordinator.io/max-connections       | 2000           | KOORD_MAX_CONNECTIONS       | 2000",
                "koordinator.io/max-ordered-in-flight | 256            | KOORD_MAX_ORDERED_IN_FLIGHT | 256",
                "koordinator.io/max-ordered-in-flight-bytes | 1048576  | KOORD_MAX_ORDERED_IN_FLIGHT_BYTES | 1048576",
                "koordinator.io/log-format            | JSON           | KOORD_LOG_FORMAT            | json",
                "koordinator.io/access-log            | on             | KOORD_ACCESS_LOG            | on",
                "koordinator.io/snapshot-path         | /snapshot      | KOORD_SNAPSHOT_PATH         | /snapshot",
                "koordinator.io/app-kind              | Position-Aware | KOORD_APP_KIND              | position-aware",
                "koordinator.io/app-kind              | durable        | KOORD_APP_KIND              | durable",
                "koordinator.io/on-divergence         | resync         | KOORD_ON_DIVERGENCE         | resync",
                "koordinator.io/archive-max-bytes     | 4294967296     | KOORD_ARCHIVE_MAX_BYTES     | 4294967296",
            })
    void validValueReachesTheProxy(String annotation, String value, String env, String expected) {
        Pod patched = apply(pod(Map.of(annotation, value)));
        assertThat(proxyEnv(patched)).containsEntry(env, expected);
    }

    @Test
    void proxyCpuAndMemorySetRequestsAndRaiseLowerLimits() {
        Pod patched = apply(pod(Map.of("koordinator.io/proxy-cpu", "2", "koordinator.io/proxy-memory", "128Mi")));
        Container proxy = patched.getSpec().getInitContainers().get(1);
        assertThat(proxy.getResources().getRequests()).containsOnlyKeys("cpu", "memory");
        assertThat(proxy.getResources().getRequests().get("cpu").toString()).isEqualTo("2");
        assertThat(proxy.getResources().getRequests().get("memory").toString()).isEqualTo("128Mi");
        // config limit 512Mi is above 128Mi: kept
        assertThat(proxy.getResources().getLimits().get("memory").toString()).isEqualTo("512Mi");

        Pod big = apply(pod(Map.of("koordinator.io/proxy-memory", "2Gi")));
        Container bigProxy = big.getSpec().getInitContainers().get(1);
        assertThat(bigProxy.getResources().getLimits().get("memory").toString()).isEqualTo("2Gi");
    }

    @Test
    void groupFallsBackToTheAppLabelThenRefuses() {
        Pod appLabelled = new PodBuilder(pod(Map.of()))
                .editMetadata()
                .withLabels(Map.of("app", "cart"))
                .endMetadata()
                .build();
        assertThat(proxyEnv(apply(appLabelled))).containsEntry("KOORD_GROUP", "cart");

        Pod badLabel = new PodBuilder(pod(Map.of()))
                .editMetadata()
                .withLabels(Map.of("app.kubernetes.io/name", "-cart-"))
                .endMetadata()
                .build();
        AdmissionResponse response = response(handler.handle(reviewOf(badLabel, "CREATE")));
        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getMessage())
                .contains("label app.kubernetes.io/name")
                .contains("set the annotation koordinator.io/group");
    }

    @Test
    void noPortAnywhereIsRefused() {
        Pod noPorts = new PodBuilder(pod(Map.of()))
                .editSpec()
                .editFirstContainer()
                .withPorts()
                .endContainer()
                .endSpec()
                .build();
        AdmissionResponse response = response(handler.handle(reviewOf(noPorts, "CREATE")));
        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getMessage())
                .isEqualTo("koordinator: cannot tell the app port: no container other than a known sidecar declares a"
                        + " TCP containerPort; set the annotation koordinator.io/app-port");
    }

    @Test
    void appDeclaringAProxyPortIsRefused() {
        Pod clash = new PodBuilder(pod(Map.of()))
                .editSpec()
                .addNewContainer()
                .withName("metrics")
                .withImage("shop/metrics:1")
                .addNewPort()
                .withContainerPort(16000)
                .endPort()
                .endContainer()
                .endSpec()
                .build();
        AdmissionResponse response = response(handler.handle(reviewOf(clash, "CREATE")));
        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getMessage())
                .isEqualTo("koordinator: container 'metrics' declares port 16000, which the proxy needs (admin 16000,"
                        + " inbound 16001)");
    }

    @Test
    void udpPortIsNotTheAppPort() {
        Pod udpFirst = new PodBuilder(pod(Map.of()))
                .editSpec()
                .editFirstContainer()
                .withPorts()
                .addNewPort()
                .withContainerPort(53)
                .withProtocol("UDP")
                .endPort()
                .addNewPort()
                .withContainerPort(9000)
                .endPort()
                .endContainer()
                .endSpec()
                .build();
        assertThat(proxyEnv(apply(udpFirst))).containsEntry("KOORD_APP_PORT", "9000");
    }

    @Test
    void probesOfTheUsersOwnNativeSidecarCountToo() {
        assertThat(proxyEnv(apply(shipper(Map.of()))).get("KOORD_APP_PROBERS"))
                .isEqualTo(
                        "{\"/app-health/log-shipper/readyz\":{\"httpGet\":{\"path\":\"/shipper-ready\",\"port\":8080,"
                                + "\"scheme\":\"HTTP\"},\"timeoutSeconds\":1}}");
        assertThat(proxyEnv(apply(shipper(Map.of("koordinator.io/rewrite-probes", "false")))))
                .containsEntry("KOORD_PASS_THROUGH", "/shipper-ready")
                .doesNotContainKey("KOORD_APP_PROBERS");
    }

    @Test
    void rewriteProbesTakesTrueOrFalseOnly() {
        AdmissionResponse response =
                response(handler.handle(reviewOf(pod(Map.of("koordinator.io/rewrite-probes", "no")), "CREATE")));
        assertThat(response.getStatus().getMessage())
                .isEqualTo("koordinator: annotation koordinator.io/rewrite-probes: 'no' is not true or false");
    }

    /** The pod with a native sidecar of the user's own whose readiness probe is on the app port. */
    private static Pod shipper(Map<String, String> annotations) {
        return new PodBuilder(pod(annotations))
                .editSpec()
                .addNewInitContainer()
                .withName("log-shipper")
                .withImage("shop/shipper:1")
                .withRestartPolicy("Always")
                .withNewReadinessProbe()
                .withNewHttpGet()
                .withPath("/shipper-ready")
                .withNewPort(8080)
                .endHttpGet()
                .endReadinessProbe()
                .endInitContainer()
                .endSpec()
                .build();
    }

    @Test
    void updatesAndSubresourcesAreLeftAlone() {
        AdmissionResult update = handler.handle(reviewOf(pod(Map.of()), "UPDATE"));
        assertThat(update.outcome()).isEqualTo(AdmissionResult.Outcome.SKIPPED);
        assertThat(response(update).getPatch()).isNull();
    }

    private static Pod pod(Map<String, String> annotations) {
        return ordersPod(annotations);
    }

    private Pod apply(Pod pod) {
        return injected(handler, pod);
    }
}
