package io.koordinator.init;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InitConfigTest {

    @Test
    void defaultsApplyWhenOnlyCapturePortsAreGiven() throws InitException {
        InitConfig config = InitConfig.resolve(null, "8080", null, null, null, null, false, Map.of());

        assertThat(config)
                .isEqualTo(
                        new InitConfig(16001, List.of(8080), List.of(), "iptables", "ip6tables", Ipv6Mode.AUTO, false));
    }

    @Test
    void environmentTwinsAreRead() throws InitException {
        Map<String, String> env = Map.of(
                "KOORD_INBOUND_PORT", "15001",
                "KOORD_CAPTURE_PORTS", "8080, 8081",
                "KOORD_EXCLUDE_PORTS", "16000",
                "KOORD_IPTABLES", "iptables-legacy",
                "KOORD_DRY_RUN", "true");

        InitConfig config = InitConfig.resolve(null, null, null, null, null, null, false, env);

        assertThat(config)
                .isEqualTo(new InitConfig(
                        15001,
                        List.of(8080, 8081),
                        List.of(16000),
                        "iptables-legacy",
                        "ip6tables-legacy",
                        Ipv6Mode.AUTO,
                        true));
    }

    @Test
    void flagsWinOverEnvironment() throws InitException {
        Map<String, String> env = Map.of("KOORD_INBOUND_PORT", "15001", "KOORD_CAPTURE_PORTS", "9090");

        InitConfig config = InitConfig.resolve("16001", "8080", "", null, null, null, false, env);

        assertThat(config.inboundPort()).isEqualTo(16001);
        assertThat(config.capturePorts()).containsExactly(8080);
    }

    @Test
    void excludedPortsAreNotCapturedAndDuplicatesCollapse() throws InitException {
        InitConfig config = InitConfig.resolve(null, "8080,8081,8080", "8081,16000", null, null, null, false, Map.of());

        assertThat(config.capturePorts()).containsExactly(8080);
        assertThat(config.excludePorts()).containsExactly(8081, 16000);
    }

    @Test
    void ipv6SettingsFromFlagsAndEnvironment() throws InitException {
        Map<String, String> env = Map.of("KOORD_IPV6", "off", "KOORD_IP6TABLES", "/opt/ip6tables");

        assertThat(InitConfig.resolve(null, "8080", null, null, null, null, false, env))
                .extracting(InitConfig::ipv6, InitConfig::ip6tables)
                .containsExactly(Ipv6Mode.OFF, "/opt/ip6tables");
        assertThat(InitConfig.resolve(null, "8080", null, null, null, "ON", false, env))
                .extracting(InitConfig::ipv6)
                .isEqualTo(Ipv6Mode.ON);
    }

    @ParameterizedTest
    @CsvSource({
        "iptables, ip6tables",
        "iptables-legacy, ip6tables-legacy",
        "iptables-nft, ip6tables-nft",
        "/usr/sbin/iptables-legacy, /usr/sbin/ip6tables-legacy",
        "/opt/bin/xtables-wrapper, ip6tables",
    })
    void ip6tablesFollowsTheIptablesBackend(String iptables, String ip6tables) throws InitException {
        assertThat(InitConfig.ip6tablesFor(iptables)).isEqualTo(ip6tables);
        assertThat(InitConfig.resolve(null, "8080", null, iptables, null, null, false, Map.of())
                        .ip6tables())
                .isEqualTo(ip6tables);
    }

    @Test
    void badIpv6ModeNamesTheKey() {
        assertThatThrownBy(() -> InitConfig.resolve(null, "8080", null, null, null, "maybe", false, Map.of()))
                .isInstanceOf(InitException.class)
                .hasMessage("--ipv6 (KOORD_IPV6) 'maybe' is not one of auto, on, off.")
                .satisfies(e -> assertThat(((InitException) e).exitCode()).isEqualTo(InitConfigKeys.EXIT_BAD_CONFIG));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "16001 |          |       | --capture-ports (KOORD_CAPTURE_PORTS) is required",
                "16001 | 80a      |       | --capture-ports (KOORD_CAPTURE_PORTS) '80a' is not a TCP port number",
                "16001 | 8080,,81 |       | --capture-ports (KOORD_CAPTURE_PORTS) has an empty entry",
                "16001 | 70000    |       | --capture-ports (KOORD_CAPTURE_PORTS) 70000 is outside the TCP port range",
                "0     | 8080     |       | --inbound-port (KOORD_INBOUND_PORT) 0 is outside the TCP port range",
                "16001 | 16001    |       | contains the inbound port 16001",
                "16001 | 8080     | 8080  | nothing to capture",
                "16001 | 8080     | x     | --exclude-ports (KOORD_EXCLUDE_PORTS) 'x' is not a TCP port number",
            })
    void badInputNamesTheKey(String inbound, String capture, String exclude, String message) {
        assertThatThrownBy(() -> InitConfig.resolve(inbound, capture, exclude, null, null, null, false, Map.of()))
                .isInstanceOf(InitException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((InitException) e).exitCode()).isEqualTo(InitConfigKeys.EXIT_BAD_CONFIG));
    }
}
