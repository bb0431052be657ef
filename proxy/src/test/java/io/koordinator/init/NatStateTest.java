package io.koordinator.init;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class NatStateTest {

    @Test
    void parsesChainsAndJumpsFromIptablesListing() {
        // given: `iptables -t nat -S` after two runs of an older layout and one of ours (iptables 1.8.9 output)
        String listing = """
                -P PREROUTING ACCEPT
                -P INPUT ACCEPT
                -P OUTPUT ACCEPT
                -P POSTROUTING ACCEPT
                -N KOORD_INBOUND
                -N KOORD_IN_REDIRECT
                -N OTHER
                -A PREROUTING -p tcp -j KOORD_INBOUND
                -A PREROUTING -j KOORD_INBOUND
                -A PREROUTING -p tcp -j OTHER
                -A PREROUTING -p tcp -j KOORD_INBOUND
                -A KOORD_INBOUND -p tcp -m tcp --dport 8080 -j KOORD_IN_REDIRECT
                -A KOORD_IN_REDIRECT -p tcp -j REDIRECT --to-ports 16001
                """;

        NatState state = NatState.parse(listing);

        assertThat(state.chains()).containsExactlyInAnyOrder("KOORD_INBOUND", "KOORD_IN_REDIRECT", "OTHER");
        assertThat(state.preroutingJumps()).isEqualTo(2);
        assertThat(state.stalePreroutingJumps()).containsExactly(List.of("-j", "KOORD_INBOUND"));
    }

    @Test
    void untouchedTableIsEmpty() {
        String listing = "-P PREROUTING ACCEPT\n-P INPUT ACCEPT\n-P OUTPUT ACCEPT\n-P POSTROUTING ACCEPT\n";

        assertThat(NatState.parse(listing)).isEqualTo(NatState.EMPTY);
    }
}
