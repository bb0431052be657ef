package io.koordinator.init;

import static io.koordinator.init.InboundRulesTest.nat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class InboundCaptureTest {

    private static final InitConfig CONFIG =
            new InitConfig(16001, List.of(8080), List.of(16000), "iptables", "ip6tables", Ipv6Mode.AUTO, false);
    private static final String FRESH =
            "-P PREROUTING ACCEPT\n-P INPUT ACCEPT\n-P OUTPUT ACCEPT\n-P POSTROUTING ACCEPT\n";

    @Test
    void firstRunListsThenCreates() throws InitException {
        RecordingIptables iptables = new RecordingIptables().answer(0, FRESH, "");

        List<List<String>> ran = new InboundCapture(iptables, "init/test").apply(CONFIG);

        assertThat(iptables.calls.get(0)).isEqualTo(nat("-S"));
        assertThat(iptables.calls.subList(1, iptables.calls.size()))
                .isEqualTo(ran)
                .isEqualTo(InboundRules.reconcile(CONFIG, NatState.EMPTY));
    }

    @Test
    void secondRunReconcilesWithoutCreating() throws InitException {
        String afterFirstRun = FRESH
                + "-N KOORD_INBOUND\n-N KOORD_IN_REDIRECT\n-A PREROUTING -p tcp -j KOORD_INBOUND\n"
                + "-A KOORD_INBOUND -p tcp -m tcp --dport 8080 -j KOORD_IN_REDIRECT\n";
        RecordingIptables iptables = new RecordingIptables().answer(0, afterFirstRun, "");

        new InboundCapture(iptables, "init/test").apply(CONFIG);

        assertThat(iptables.calls)
                .containsExactly(
                        nat("-S"),
                        nat("-F KOORD_INBOUND"),
                        nat("-F KOORD_IN_REDIRECT"),
                        nat("-A KOORD_IN_REDIRECT -p tcp -j REDIRECT --to-ports 16001"),
                        nat("-A KOORD_INBOUND -p tcp --dport 16001 -j RETURN"),
                        nat("-A KOORD_INBOUND -p tcp --dport 16000 -j RETURN"),
                        nat("-A KOORD_INBOUND -p tcp --dport 8080 -j KOORD_IN_REDIRECT"));
    }

    @Test
    void chainCreatedMeanwhileIsFlushedInstead() throws InitException {
        // given: a concurrent run creates KOORD_INBOUND between our listing and our -N
        RecordingIptables iptables =
                new RecordingIptables().answer(0, FRESH, "").answer(1, "", "iptables: Chain already exists.\n");

        new InboundCapture(iptables, "init/test").apply(CONFIG);

        assertThat(iptables.calls.subList(0, 4))
                .containsExactly(
                        nat("-S"), nat("-N KOORD_INBOUND"), nat("-F KOORD_INBOUND"), nat("-N KOORD_IN_REDIRECT"));
        assertThat(iptables.calls).last().isEqualTo(nat("-A PREROUTING -p tcp -j KOORD_INBOUND"));
    }

    @Test
    void notPermittedIsOneClearSentence() {
        RecordingIptables iptables = new RecordingIptables()
                .answer(
                        4,
                        "",
                        "iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: "
                                + "Permission denied (you must be root)\n");

        assertThatThrownBy(() -> new InboundCapture(iptables, "init/test").apply(CONFIG))
                .isInstanceOf(InitException.class)
                .hasMessageStartingWith("iptables may not change the nat table here (")
                .hasMessageEndingWith("run init as root with the NET_ADMIN and NET_RAW capabilities.")
                .satisfies(e ->
                        assertThat(((InitException) e).exitCode()).isEqualTo(InitConfigKeys.EXIT_IPTABLES_UNAVAILABLE));
    }

    @Test
    void failingRuleStopsTheRunAndNamesTheCommand() {
        RecordingIptables iptables = new RecordingIptables()
                .answer(0, FRESH, "")
                .answer(0, "", "")
                .answer(0, "", "")
                .answer(1, "", "iptables v1.8.9 (nf_tables): Couldn't load target `REDIRECT':No such file\n\nmore\n");

        assertThatThrownBy(() -> new InboundCapture(iptables, "init/test").apply(CONFIG))
                .isInstanceOf(InitException.class)
                .hasMessage(
                        "'iptables -w 5 -t nat -A KOORD_IN_REDIRECT -p tcp -j REDIRECT --to-ports 16001' failed"
                                + " with exit code 1: iptables v1.8.9 (nf_tables): Couldn't load target `REDIRECT':No such file")
                .satisfies(
                        e -> assertThat(((InitException) e).exitCode()).isEqualTo(InitConfigKeys.EXIT_IPTABLES_FAILED));
        assertThat(iptables.calls).hasSize(4);
    }
}
