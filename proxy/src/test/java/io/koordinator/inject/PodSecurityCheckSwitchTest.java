package io.koordinator.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** When the injector reads namespace labels: KOORD_INJECT_POD_SECURITY_CHECK, else only inside a cluster. */
class PodSecurityCheckSwitchTest {

    @Test
    void onInsideAClusterUnlessTurnedOff() {
        assertThat(Injector.podSecurityCheck(Map.of())).isFalse();
        assertThat(Injector.podSecurityCheck(Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1")))
                .isTrue();
        assertThat(Injector.podSecurityCheck(
                        Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1", "KOORD_INJECT_POD_SECURITY_CHECK", "false")))
                .isFalse();
        assertThat(Injector.podSecurityCheck(Map.of("KOORD_INJECT_POD_SECURITY_CHECK", "true")))
                .isTrue();
        assertThatThrownBy(() -> Injector.podSecurityCheck(Map.of("KOORD_INJECT_POD_SECURITY_CHECK", "maybe")))
                .hasMessage("KOORD_INJECT_POD_SECURITY_CHECK: 'maybe' is not true or false");
    }
}
