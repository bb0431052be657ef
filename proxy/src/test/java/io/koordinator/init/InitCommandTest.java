package io.koordinator.init;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class InitCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(Map<String, String> env, String... args) {
        InitCommand command = new InitCommand();
        command.environment = env;
        return new CommandLine(command)
                .setOut(new PrintWriter(out))
                .setErr(new PrintWriter(err))
                .execute(args);
    }

    @Test
    void dryRunPrintsTheCommandsOfAFreshPodForBothFamiliesAndRunsNothing() {
        // a binary that does not exist proves nothing is run
        int exit = run(
                Map.of(),
                "--dry-run",
                "--iptables=/nonexistent/iptables",
                "--capture-ports=8080,8081",
                "--exclude-ports=16000");

        assertThat(exit).isZero();
        assertThat(err.toString()).isEmpty();
        assertThat(out.toString().lines())
                .containsExactly(
                        "/nonexistent/iptables -w 5 -t nat -N KOORD_INBOUND",
                        "/nonexistent/iptables -w 5 -t nat -N KOORD_IN_REDIRECT",
                        "/nonexistent/iptables -w 5 -t nat -A KOORD_IN_REDIRECT -p tcp -j REDIRECT --to-ports 16001",
                        "/nonexistent/iptables -w 5 -t nat -A KOORD_INBOUND -p tcp --dport 16001 -j RETURN",
                        "/nonexistent/iptables -w 5 -t nat -A KOORD_INBOUND -p tcp --dport 16000 -j RETURN",
                        "/nonexistent/iptables -w 5 -t nat -A KOORD_INBOUND -p tcp --dport 8080 -j KOORD_IN_REDIRECT",
                        "/nonexistent/iptables -w 5 -t nat -A KOORD_INBOUND -p tcp --dport 8081 -j KOORD_IN_REDIRECT",
                        "/nonexistent/iptables -w 5 -t nat -A PREROUTING -p tcp -j KOORD_INBOUND",
                        "/nonexistent/ip6tables -w 5 -t nat -N KOORD_INBOUND",
                        "/nonexistent/ip6tables -w 5 -t nat -N KOORD_IN_REDIRECT",
                        "/nonexistent/ip6tables -w 5 -t nat -A KOORD_IN_REDIRECT -p tcp -j REDIRECT --to-ports 16001",
                        "/nonexistent/ip6tables -w 5 -t nat -A KOORD_INBOUND -p tcp --dport 16001 -j RETURN",
                        "/nonexistent/ip6tables -w 5 -t nat -A KOORD_INBOUND -p tcp --dport 16000 -j RETURN",
                        "/nonexistent/ip6tables -w 5 -t nat -A KOORD_INBOUND -p tcp --dport 8080 -j KOORD_IN_REDIRECT",
                        "/nonexistent/ip6tables -w 5 -t nat -A KOORD_INBOUND -p tcp --dport 8081 -j KOORD_IN_REDIRECT",
                        "/nonexistent/ip6tables -w 5 -t nat -A PREROUTING -p tcp -j KOORD_INBOUND");
    }

    @Test
    void dryRunWithIpv6OffPrintsIpv4Only() {
        int exit = run(Map.of("KOORD_IPV6", "off"), "--dry-run", "--capture-ports=8080");

        assertThat(exit).isZero();
        assertThat(out.toString().lines()).hasSize(6).allMatch(l -> l.startsWith("iptables -w 5 -t nat "));
    }

    @Test
    void dryRunFromEnvironment() {
        int exit = run(Map.of("KOORD_CAPTURE_PORTS", "9090", "KOORD_DRY_RUN", "true", "KOORD_INBOUND_PORT", "15006"));

        assertThat(exit).isZero();
        assertThat(out.toString())
                .contains("iptables -w 5 -t nat -A KOORD_INBOUND -p tcp --dport 9090 -j KOORD_IN_REDIRECT")
                .contains("--to-ports 15006");
    }

    @Test
    void missingIptablesIsOneSentenceAndExitCode3() {
        int exit = run(Map.of(), "--iptables=koordinator-test-no-such-iptables", "--capture-ports=8080");

        assertThat(exit).as("stderr: %s", err).isEqualTo(InitConfigKeys.EXIT_IPTABLES_UNAVAILABLE);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString().lines())
                .singleElement()
                .asString()
                .startsWith("init: The iptables binary 'koordinator-test-no-such-iptables' cannot be run (")
                .endsWith("the init container needs koordinator-test-no-such-iptables on its PATH, as the koordinator"
                        + " image has (package iptables).");
    }

    @Test
    void badConfigIsOneSentenceAndExitCode2() {
        int exit = run(Map.of(), "--inbound-port=16001");

        assertThat(exit).isEqualTo(InitConfigKeys.EXIT_BAD_CONFIG);
        assertThat(err.toString().lines())
                .singleElement()
                .asString()
                .startsWith("init: --capture-ports (KOORD_CAPTURE_PORTS) is required");
    }
}
