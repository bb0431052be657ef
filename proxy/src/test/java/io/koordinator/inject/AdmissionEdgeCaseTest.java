package io.koordinator.inject;

import static io.koordinator.inject.AdmissionTestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Pods with shapes the YAML fixtures cannot hold (explicit nulls, null elements, wrong types), written as raw JSON:
 * every one gets an AdmissionReview answer with its uid, never a dropped connection.
 */
class AdmissionEdgeCaseTest {

    private static final String APP =
            "{\"name\":\"app\",\"image\":\"shop/app:1\",\"ports\":[{\"containerPort\":8080}]}";

    static Stream<Arguments> shapes() {
        return Stream.of(
                refused("{\"containers\":null}", "spec.containers: Required value"),
                refused("{}", "spec.containers: Required value"),
                refused("{\"containers\":[null]}", "spec.containers[0]: Required value"),
                refused("{\"initContainers\":[null],\"containers\":[" + APP + "]}", "spec.initContainers[0]: Required"),
                refused(
                        "{\"containers\":[" + APP + ",{\"name\":\"app\",\"image\":\"x\"}]}",
                        "spec.containers[1].name: Duplicate value: \"app\""),
                refused(
                        "{\"containers\":[{\"name\":\"app\",\"image\":\"a\",\"ports\":[null]}]}",
                        "spec.containers[0].ports[0]: Required value"),
                refused(
                        "{\"containers\":[{\"name\":\"app\",\"image\":\"a\",\"ports\":[{\"containerPort\":0}]}]}",
                        "spec.containers[0].ports[0].containerPort: Invalid value: 0"),
                refused("{\"containers\":[" + APP + "],\"volumes\":[null]}", "spec.volumes[0]: Required value"),
                refused(
                        "{\"containers\":[" + APP + "],\"volumes\":[{\"name\":\"v\"},{\"name\":\"v\"}]}",
                        "spec.volumes[1].name: Duplicate value: \"v\""),
                refused(
                        "{\"containers\":[{\"name\":\"app\",\"image\":\"a\",\"readinessProbe\":{}}]}",
                        "spec.containers[0].readinessProbe: Required value: must specify a handler type"),
                refused("{\"containers\":[{\"name\":\"App\",\"image\":\"a\"}]}", "spec.containers[0].name: Invalid"),
                Arguments.of("{\"containers\":\"app\"}", "koordinator: cannot read the pod"),
                injected("{\"initContainers\":null,\"volumes\":null,\"containers\":[" + APP + "]}"),
                injected("{\"containers\":[{\"name\":\"app\",\"image\":\"a\",\"ports\":[{\"containerPort\":8080}],"
                        + "\"env\":null,\"readinessProbe\":{\"httpGet\":{\"path\":\"/h\"}}}]}"));
    }

    private static Arguments refused(String spec, String message) {
        return Arguments.of(spec, "koordinator: the pod is invalid, the API server would reject it: " + message);
    }

    private static Arguments injected(String spec) {
        return Arguments.of(spec, null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void everyShapeGetsAnAnswer(String spec, String message) {
        // given a review whose pod has this spec
        String review = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{"
                + "\"uid\":\"u-1\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"
                + "\"operation\":\"CREATE\",\"namespace\":\"shop\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
                + "\"metadata\":{\"name\":\"p\",\"labels\":{\"app\":\"p\"},\"annotations\":null},\"spec\":" + spec
                + "}}}";

        // when it is admitted
        AdmissionResult result =
                new AdmissionHandler(config("edge"), "test").handle(review.getBytes(StandardCharsets.UTF_8));

        // then it is answered, with the reason when refused
        AdmissionResponse response = response(result);
        assertThat(response.getUid()).isEqualTo("u-1");
        if (message == null) {
            assertThat(result.outcome()).as(result.detail()).isEqualTo(AdmissionResult.Outcome.INJECTED);
            assertThat(response.getAllowed()).isTrue();
        } else {
            assertThat(result.outcome()).as(result.detail()).isEqualTo(AdmissionResult.Outcome.REFUSED);
            assertThat(response.getAllowed()).isFalse();
            assertThat(response.getStatus().getCode()).isEqualTo(400);
            assertThat(response.getStatus().getMessage()).startsWith(message);
        }
    }
}
