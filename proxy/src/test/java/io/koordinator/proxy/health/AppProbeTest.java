package io.koordinator.proxy.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.koordinator.proxy.ConfigException;
import io.koordinator.proxy.ProxyConfig;
import io.koordinator.proxy.ProxyConfigKeys.Key;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code KOORD_APP_PROBERS} as the injector writes it, and what the proxy refuses at start-up. */
class AppProbeTest {

    @Test
    void readsEveryKindWithTheKubeletsDefaults() {
        Map<String, AppProbe> probes = AppProbe.parseAll("{"
                + "\"/app-health/web/readyz\":{\"httpGet\":{\"path\":\"healthz?x=1\",\"port\":8443,\"scheme\":\"https\","
                + "\"httpHeaders\":[{\"name\":\"Host\",\"value\":\"web.local\"}]},\"timeoutSeconds\":3},"
                + "\"/app-health/web/livez\":{\"tcpSocket\":{\"port\":8080}},"
                + "\"/app-health/web/startupz\":{\"grpc\":{\"port\":9000}}}");
        assertThat(probes)
                .containsExactly(
                        Map.entry(
                                "/app-health/web/readyz",
                                new AppProbe.Http(
                                        "HTTPS",
                                        8443,
                                        "/healthz?x=1",
                                        List.of(new AppProbe.Header("Host", "web.local")),
                                        Duration.ofSeconds(3))),
                        Map.entry("/app-health/web/livez", new AppProbe.Tcp(8080, Duration.ofSeconds(1))),
                        Map.entry("/app-health/web/startupz", new AppProbe.Grpc(9000, "", Duration.ofSeconds(1))));
        assertThat(AppProbe.parseAll(null)).isEmpty();
        assertThat(AppProbe.parseAll(" ")).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "[1] | must be a JSON object",
                "{'/healthz':{'tcpSocket':{'port':1}}} | '/healthz' does not start with /app-health/",
                "{'/app-health/a':{'exec':{}}} | /app-health/a: needs one of httpGet, tcpSocket, grpc",
                "{'/app-health/a':{'tcpSocket':{'port':'http'}}} | /app-health/a: port must be a number",
                "{'/app-health/a':{'httpGet':{'port':80,'scheme':'FTP'}}} | scheme must be HTTP or HTTPS",
                "{'/app-health/a':{'grpc':{'port':80},'timeoutSeconds':0}} | timeoutSeconds must be at least 1",
                "{nope | not JSON"
            })
    void theProxyRefusesToStartOnABadTableNamingTheFlag(String json, String message) {
        assertThatThrownBy(() -> ProxyConfig.of(Map.of(
                        Key.GROUP, "g",
                        Key.ZOOKEEPER, "zk:2181",
                        Key.APP_PORT, "8080",
                        Key.APP_PROBERS, json.replace('\'', '"'))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--app-probers")
                .hasMessageContaining(message);
    }
}
