package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.MemorySequencer;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The default listen address {@code 0.0.0.0} accepts IPv6 as well as IPv4 (the JDK binds the dual-stack
 * wildcard), which is what an IPv6 REDIRECT of the init rules needs: the captured connection arrives at the
 * pod's IPv6 address on the inbound port. The upstream stays {@code 127.0.0.1}.
 */
class DualStackListenerTest {

    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void defaultListenAddressServesIpv4AndIpv6Clients() throws Exception {
        assumeTrue(ipv6Loopback(), "no ::1 on this host: IPv6 is disabled");
        try (TestApp app = new TestApp()) {
            ProxyServer proxy = Proxies.start(
                    Proxies.config("d1", app.port(), Map.of(Key.LISTEN_ADDRESS, Key.LISTEN_ADDRESS.defaultValue())),
                    new MemorySequencer.Log());
            try {
                // when: the same ordered write arrives once over each family
                HttpResponse<String> v4 = put("127.0.0.1", proxy.listenPort(), "/kv/v4");
                HttpResponse<String> v6 = put("[::1]", proxy.listenPort(), "/kv/v6");

                // then: both reached the app through the proxy, in order
                assertThat(v4.statusCode()).as(v4.body()).isEqualTo(200);
                assertThat(v6.statusCode()).as(v6.body()).isEqualTo(200);
                assertThat(app.seen()).extracting(TestApp.Seen::uri).containsExactly("/kv/v4", "/kv/v6");
                assertThat(app.seen())
                        .allSatisfy(seen -> assertThat(seen.header("x-koordinator-position"))
                                .isNotNull());
            } finally {
                proxy.close();
            }
        }
    }

    private HttpResponse<String> put(String host, int port, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
                .timeout(Duration.ofSeconds(30))
                .PUT(HttpRequest.BodyPublishers.ofString("x"))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static boolean ipv6Loopback() throws Exception {
        NetworkInterface lo = NetworkInterface.getByInetAddress(InetAddress.getLoopbackAddress());
        return lo != null && lo.inetAddresses().anyMatch(a -> a instanceof Inet6Address);
    }
}
