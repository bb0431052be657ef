package io.koordinator.init;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Ipv6PresenceTest {

    /** {@code /proc/net/if_inet6} of a dual-stack pod (kernel 6.x): loopback, a ULA and a link-local address. */
    private static final String DUAL_STACK = """
            00000000000000000000000000000001 01 80 10 80       lo
            fd0000000000006b0000000000000010 02 40 00 80     eth0
            fe80000000000000a8c1abfffe1e0001 02 40 20 80     eth0
            """;

    @Test
    void dualStackPodHasItsRoutableAddressAndItsLinkLocalOne() {
        Ipv6Presence presence = Ipv6Presence.parse(DUAL_STACK);

        assertThat(presence.stack()).isTrue();
        assertThat(presence.addresses()).containsExactly("fd00:0:0:6b::10 on eth0");
        assertThat(presence.linkLocal()).containsExactly("fe80::a8c1:abff:fe1e:1 on eth0");
        assertThat(presence.describe()).isEqualTo("IPv6 addresses [fd00:0:0:6b::10 on eth0]");
    }

    @Test
    void ipv4OnlyPodHasOnlyLinkLocal() {
        Ipv6Presence presence = Ipv6Presence.parse("""
                00000000000000000000000000000001 01 80 10 80       lo
                fe80000000000000a8c1abfffe1e0001 02 40 20 80     eth0
                """);

        assertThat(presence.addresses()).isEmpty();
        assertThat(presence.describe()).isEqualTo("only link-local IPv6 addresses [fe80::a8c1:abff:fe1e:1 on eth0]");
    }

    @Test
    void disabledIpv6ListsNothingButLoopbackAndAMissingFileMeansNoStack(@TempDir Path dir) throws Exception {
        // given: net.ipv6.conf.all.disable_ipv6=1 leaves an empty list; ipv6.disable=1 leaves no file at all
        Path empty = Files.writeString(dir.resolve("if_inet6"), "");

        assertThat(Ipv6Presence.read(empty)).isEqualTo(new Ipv6Presence(true, List.of(), List.of()));
        assertThat(Ipv6Presence.read(empty).describe()).isEqualTo("no IPv6 address but loopback (IPv6 disabled)");
        assertThat(Ipv6Presence.read(dir.resolve("missing"))).isEqualTo(Ipv6Presence.NONE);
        assertThat(Ipv6Presence.NONE.describe()).startsWith("no IPv6 in the kernel");
    }
}
