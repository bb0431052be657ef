package io.koordinator.init;

import static io.koordinator.init.InboundRulesTest.nat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.koordinator.init.PodCapture.Ipv6Step;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PodCaptureTest {

    private static final Ipv6Presence DUAL_STACK =
            new Ipv6Presence(true, List.of("fd00::10 on eth0"), List.of("fe80::1 on eth0"));
    private static final Ipv6Presence LINK_LOCAL_ONLY = new Ipv6Presence(true, List.of(), List.of("fe80::1 on eth0"));
    private static final Ipv6Presence DISABLED = new Ipv6Presence(true, List.of(), List.of());

    private final Map<String, RecordingIptables> binaries = Map.of(
            "iptables", new RecordingIptables("iptables"),
            "ip6tables", new RecordingIptables("ip6tables"));
    private final List<String> started = new ArrayList<>();

    private static InitConfig config(Ipv6Mode mode) {
        return new InitConfig(16001, List.of(8080), List.of(16000), "iptables", "ip6tables", mode, false);
    }

    private PodCapture capture() {
        return new PodCapture(
                binary -> {
                    started.add(binary);
                    return binaries.get(binary);
                },
                "init/test");
    }

    @ParameterizedTest
    @CsvSource({
        "AUTO, DUAL_STACK,      REQUIRED",
        "AUTO, LINK_LOCAL_ONLY, IF_POSSIBLE",
        "AUTO, DISABLED,        SKIP",
        "AUTO, NONE,            SKIP",
        "ON,   NONE,            REQUIRED",
        "ON,   DISABLED,        REQUIRED",
        "OFF,  DUAL_STACK,      SKIP",
    })
    void ipv6StepFollowsModeAndAddresses(Ipv6Mode mode, String presence, Ipv6Step step) {
        Ipv6Presence p = switch (presence) {
            case "DUAL_STACK" -> DUAL_STACK;
            case "LINK_LOCAL_ONLY" -> LINK_LOCAL_ONLY;
            case "DISABLED" -> DISABLED;
            default -> Ipv6Presence.NONE;
        };

        assertThat(PodCapture.ipv6Step(mode, p)).isEqualTo(step);
    }

    @Test
    void dualStackPodGetsTheSameRulesInBothFamilies() throws InitException {
        List<List<String>> ran = capture().apply(config(Ipv6Mode.AUTO), DUAL_STACK);

        List<List<String>> fresh = InboundRules.reconcile(config(Ipv6Mode.AUTO), NatState.EMPTY);
        assertThat(started).containsExactly("iptables", "ip6tables");
        for (RecordingIptables family : binaries.values()) {
            assertThat(family.calls.get(0)).isEqualTo(nat("-S"));
            assertThat(family.calls.subList(1, family.calls.size())).isEqualTo(fresh);
        }
        assertThat(ran).hasSize(2 * fresh.size());
    }

    @Test
    void eachFamilyIsReconciledFromItsOwnTable() throws InitException {
        // given: IPv4 was set up by an earlier run, IPv6 was not (e.g. the earlier run was IPv4 only)
        binaries.get("iptables")
                .answer(0, "-N KOORD_INBOUND\n-N KOORD_IN_REDIRECT\n-A PREROUTING -p tcp -j KOORD_INBOUND\n", "");
        binaries.get("ip6tables").answer(0, "-P PREROUTING ACCEPT\n", "");

        capture().apply(config(Ipv6Mode.AUTO), DUAL_STACK);

        // then: IPv4 is flushed and keeps its one jump; IPv6 gets its chains created and its jump added
        assertThat(binaries.get("iptables").calls)
                .contains(nat("-F KOORD_INBOUND"))
                .doesNotContain(nat("-N KOORD_INBOUND"), nat("-A PREROUTING -p tcp -j KOORD_INBOUND"));
        assertThat(binaries.get("ip6tables").calls)
                .contains(nat("-N KOORD_INBOUND"), nat("-N KOORD_IN_REDIRECT"))
                .endsWith(nat("-A PREROUTING -p tcp -j KOORD_INBOUND"));
    }

    @Test
    void ipv6FailureOnADualStackPodFailsInitAndSaysWhy() {
        binaries.get("ip6tables")
                .answer(
                        3,
                        "",
                        "ip6tables v1.8.9 (nf_tables): can't initialize ip6tables table `nat': Table does not exist\n");

        assertThatThrownBy(() -> capture().apply(config(Ipv6Mode.AUTO), DUAL_STACK))
                .isInstanceOf(InitException.class)
                .hasMessage("'ip6tables -w 5 -t nat -S' failed with exit code 3: ip6tables v1.8.9 (nf_tables): can't"
                        + " initialize ip6tables table `nat': Table does not exist (IPv6: the pod has IPv6 addresses"
                        + " [fd00::10 on eth0], so without these rules IPv6 connections to ports [8080] would reach"
                        + " the app without the proxy; --ipv6 off (KOORD_IPV6) captures IPv4 only).")
                .satisfies(
                        e -> assertThat(((InitException) e).exitCode()).isEqualTo(InitConfigKeys.EXIT_IPTABLES_FAILED));
        // and IPv4 was set up before
        assertThat(binaries.get("iptables").calls).endsWith(nat("-A PREROUTING -p tcp -j KOORD_INBOUND"));
    }

    @Test
    void ipv6FailureWithOnlyLinkLocalIsAWarningNotAFailure() throws InitException {
        binaries.get("ip6tables").answer(1, "", "ip6tables: Table does not exist\n");

        List<List<String>> ran = capture().apply(config(Ipv6Mode.AUTO), LINK_LOCAL_ONLY);

        assertThat(ran).isEqualTo(InboundRules.reconcile(config(Ipv6Mode.AUTO), NatState.EMPTY));
        assertThat(binaries.get("ip6tables").calls).containsExactly(nat("-S"));
    }

    @Test
    void noIpv6OrIpv6OffLeavesIp6tablesAlone() throws InitException {
        capture().apply(config(Ipv6Mode.AUTO), Ipv6Presence.NONE);
        capture().apply(config(Ipv6Mode.OFF), DUAL_STACK);

        assertThat(started).containsExactly("iptables", "iptables");
        assertThat(binaries.get("ip6tables").calls).isEmpty();
    }

    @Test
    void ipv6OnFailsEvenWithoutIpv6() {
        binaries.get("ip6tables").answer(1, "", "ip6tables: Table does not exist\n");

        assertThatThrownBy(() -> capture().apply(config(Ipv6Mode.ON), Ipv6Presence.NONE))
                .isInstanceOf(InitException.class)
                .hasMessageEndingWith("(IPv6: --ipv6 on asks for the IPv6 rules, and the pod has no IPv6 in the kernel"
                        + " (/proc/net/if_inet6 is missing); --ipv6 off (KOORD_IPV6) captures IPv4 only).");
    }
}
