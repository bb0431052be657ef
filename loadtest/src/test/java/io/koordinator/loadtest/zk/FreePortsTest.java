package io.koordinator.loadtest.zk;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FreePortsTest {
    @Test
    void picksDistinctBindablePortsBelowTheEphemeralRange() throws Exception {
        int[] ports = FreePorts.pick(12);
        assertThat(Arrays.stream(ports).distinct().count()).isEqualTo(12);
        assertThat(Arrays.stream(ports).boxed().toList())
                .allSatisfy(p -> assertThat(p).isBetween(FreePorts.FLOOR, FreePorts.ephemeralLow() - 1));
        for (int p : ports) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), p));
                assertThat(s.getLocalPort()).isEqualTo(p);
            }
        }
    }
}
