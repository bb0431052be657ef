package io.koordinator.init;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InboundRulesTest {

    private static final InitConfig ONE_PORT =
            new InitConfig(16001, List.of(8080), List.of(16000), "iptables", "ip6tables", Ipv6Mode.AUTO, false);

    @Test
    void freshNamespaceGetsChainsRulesAndOneJump() {
        assertThat(InboundRules.reconcile(ONE_PORT, NatState.EMPTY))
                .containsExactly(
                        nat("-N KOORD_INBOUND"),
                        nat("-N KOORD_IN_REDIRECT"),
                        nat("-A KOORD_IN_REDIRECT -p tcp -j REDIRECT --to-ports 16001"),
                        nat("-A KOORD_INBOUND -p tcp --dport 16001 -j RETURN"),
                        nat("-A KOORD_INBOUND -p tcp --dport 16000 -j RETURN"),
                        nat("-A KOORD_INBOUND -p tcp --dport 8080 -j KOORD_IN_REDIRECT"),
                        nat("-A PREROUTING -p tcp -j KOORD_INBOUND"));
    }

    @Test
    void everyCapturePortGetsItsRuleInTheGivenOrder() {
        InitConfig config =
                new InitConfig(15999, List.of(8081, 8080), List.of(), "iptables", "ip6tables", Ipv6Mode.AUTO, false);

        assertThat(InboundRules.reconcile(config, NatState.EMPTY))
                .containsExactly(
                        nat("-N KOORD_INBOUND"),
                        nat("-N KOORD_IN_REDIRECT"),
                        nat("-A KOORD_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15999"),
                        nat("-A KOORD_INBOUND -p tcp --dport 15999 -j RETURN"),
                        nat("-A KOORD_INBOUND -p tcp --dport 8081 -j KOORD_IN_REDIRECT"),
                        nat("-A KOORD_INBOUND -p tcp --dport 8080 -j KOORD_IN_REDIRECT"),
                        nat("-A PREROUTING -p tcp -j KOORD_INBOUND"));
    }

    @Test
    void rerunFlushesExistingChainsAndKeepsTheOneJump() {
        // given: what a first run left behind
        NatState state = new NatState(Set.of("KOORD_INBOUND", "KOORD_IN_REDIRECT"), 1, List.of());

        // then: no -N (it would fail with "Chain already exists"), no second jump
        assertThat(InboundRules.reconcile(ONE_PORT, state))
                .containsExactly(
                        nat("-F KOORD_INBOUND"),
                        nat("-F KOORD_IN_REDIRECT"),
                        nat("-A KOORD_IN_REDIRECT -p tcp -j REDIRECT --to-ports 16001"),
                        nat("-A KOORD_INBOUND -p tcp --dport 16001 -j RETURN"),
                        nat("-A KOORD_INBOUND -p tcp --dport 16000 -j RETURN"),
                        nat("-A KOORD_INBOUND -p tcp --dport 8080 -j KOORD_IN_REDIRECT"));
    }

    @Test
    void halfFinishedRunIsCompleted() {
        // given: a run that died after creating only the first chain
        NatState state = new NatState(Set.of("KOORD_INBOUND"), 0, List.of());

        assertThat(InboundRules.reconcile(ONE_PORT, state))
                .startsWith(nat("-F KOORD_INBOUND"), nat("-N KOORD_IN_REDIRECT"))
                .endsWith(nat("-A PREROUTING -p tcp -j KOORD_INBOUND"));
    }

    @Test
    void duplicateAndStaleJumpsAreRemoved() {
        NatState state =
                new NatState(Set.of("KOORD_INBOUND", "KOORD_IN_REDIRECT"), 3, List.of(List.of("-j", "KOORD_INBOUND")));

        assertThat(InboundRules.reconcile(ONE_PORT, state))
                .endsWith(
                        nat("-D PREROUTING -j KOORD_INBOUND"),
                        nat("-D PREROUTING -p tcp -j KOORD_INBOUND"),
                        nat("-D PREROUTING -p tcp -j KOORD_INBOUND"));
    }

    @Test
    void inboundPortListedAsExcludedIsReturnedOnlyOnce() {
        InitConfig config = new InitConfig(
                16001, List.of(8080), List.of(16001, 16000), "iptables", "ip6tables", Ipv6Mode.AUTO, false);

        assertThat(InboundRules.reconcile(config, NatState.EMPTY))
                .filteredOn(c -> c.contains("RETURN"))
                .containsExactly(
                        nat("-A KOORD_INBOUND -p tcp --dport 16001 -j RETURN"),
                        nat("-A KOORD_INBOUND -p tcp --dport 16000 -j RETURN"));
    }

    @Test
    void rendersOneShellLine() {
        assertThat(InboundRules.render("iptables", nat("-N KOORD_INBOUND")))
                .isEqualTo("iptables -w 5 -t nat -N KOORD_INBOUND");
    }

    static List<String> nat(String rest) {
        return InboundRules.command(Arrays.stream(rest.split(" ")).toArray(String[]::new));
    }
}
