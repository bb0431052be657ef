package io.koordinator.loadtest.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.loadtest.pod.NetnsLab.Pod;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The real {@code init} rules in a real network namespace, with stand-in listeners on the app port (8080),
 * the proxy's inbound (16001) and admin (16000) ports and an unrelated port (9090): what a client outside the
 * pod reaches on each port over IPv4 and IPv6, before and after init, and what the pod itself reaches over
 * loopback. The stand-ins bind the wildcard, so each answers on both families. Two more pods have no
 * listeners: one with IPv6 disabled, one where ip6tables cannot run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InitCaptureIT {

    private NetnsLab lab;
    private Pod pod;

    @BeforeAll
    void startPodWithStandInListeners() {
        NetnsLab.assumeRootWithTools();
        lab = NetnsLab.create(3, Path.of("target", "pod-netns"));
        pod = lab.pod(0);
        NetnsLab.ChildProcess listeners = lab.start(
                pod,
                "listeners",
                PodProcesses.javaMain(TinyHttpServer.class, "8080=app", "16001=proxy", "16000=admin", "9090=other"),
                Map.of());
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            assertThat(get(pod, 9090)).as(listeners.logTail()).isEqualTo("other");
            assertThat(get6(pod, 9090)).as(listeners.logTail()).isEqualTo("other");
        });
    }

    @AfterAll
    void removeLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void capturesOnlyTheAppPortFromOutsideOverBothFamiliesAndIsIdempotent() throws Exception {
        // given: no rules yet, the app port is the app, over either family
        assertThat(get(pod, 8080)).isEqualTo("app");
        assertThat(get6(pod, 8080)).isEqualTo("app");

        // when: init runs as the pod's init container would (--ipv6 auto: the pod has an IPv6 address)
        Shell.Result first =
                init(pod, "--inbound-port", "16001", "--capture-ports", "8080", "--exclude-ports", "16000");

        // then: outside clients of 8080 reach the proxy over IPv4 and IPv6; every other port is left alone
        assertThat(first.exitCode()).as(first.stderr()).isZero();
        for (boolean ipv6 : List.of(false, true)) {
            assertThat(get(pod, ipv6, 8080)).as("ipv6=%s", ipv6).isEqualTo("proxy");
            assertThat(get(pod, ipv6, 16001)).as("ipv6=%s", ipv6).isEqualTo("proxy");
            assertThat(get(pod, ipv6, 16000)).as("ipv6=%s", ipv6).isEqualTo("admin");
            assertThat(get(pod, ipv6, 9090)).as("ipv6=%s", ipv6).isEqualTo("other");
        }
        // and the pod's own traffic (the proxy calling the app) is never captured, over either family, to
        // loopback or to the pod's own address
        assertThat(podGet("127.0.0.1", 8080)).endsWith("app");
        assertThat(podGet("::1", 8080)).endsWith("app");
        assertThat(podGet(pod.address6(), 8080)).endsWith("app");
        String rules = natRules(pod, "iptables");
        String rules6 = natRules(pod, "ip6tables");
        assertThat(rules6).isEqualTo(rules);
        assertThat(rules.lines().filter(l -> l.startsWith("-A PREROUTING")))
                .containsExactly("-A PREROUTING -p tcp -j KOORD_INBOUND");

        // when: init runs again (a restarted init container)
        Shell.Result second =
                init(pod, "--inbound-port", "16001", "--capture-ports", "8080", "--exclude-ports", "16000");

        // then: same rules in both tables, same behaviour, no "chain already exists"
        assertThat(second.exitCode()).as(second.stderr()).isZero();
        assertThat(natRules(pod, "iptables")).isEqualTo(rules);
        assertThat(natRules(pod, "ip6tables")).isEqualTo(rules6);
        assertThat(get(pod, 8080)).isEqualTo("proxy");
        assertThat(get6(pod, 8080)).isEqualTo("proxy");

        // when: a second capture port is added
        Shell.Result third = init(pod, "--capture-ports", "8080,9090", "--exclude-ports", "16000");

        // then: it is captured too, over both families, and each table still has one jump
        assertThat(third.exitCode()).as(third.stderr()).isZero();
        assertThat(get(pod, 9090)).isEqualTo("proxy");
        assertThat(get6(pod, 9090)).isEqualTo("proxy");
        assertThat(get6(pod, 16000)).isEqualTo("admin");
        for (String iptables : List.of("iptables", "ip6tables")) {
            assertThat(natRules(pod, iptables).lines().filter(l -> l.startsWith("-A PREROUTING")))
                    .as(iptables)
                    .hasSize(1);
        }
    }

    @Test
    void podWithIpv6DisabledIsCapturedOverIpv4AndLeavesIp6tablesAlone() {
        // given: a pod whose kernel has IPv6 turned off (what many IPv4-only clusters do)
        Pod noIpv6 = lab.pod(1);
        lab.exec(noIpv6, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1")
                .orThrow();

        // when: init runs with an ip6tables that cannot run, which it must not need
        Shell.Result result = init(noIpv6, "--capture-ports", "8080", "--ip6tables", "/nonexistent/ip6tables");

        // then: IPv4 is captured and the log says why IPv6 is not
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(natRules(noIpv6, "iptables").lines().filter(l -> l.startsWith("-A PREROUTING")))
                .containsExactly("-A PREROUTING -p tcp -j KOORD_INBOUND");
        assertThat(result.stderr()).contains("IPv6 is not captured: the pod has no IPv6 address but loopback");
    }

    @Test
    void podWithIpv6ButNoIp6tablesFailsInitWithTheReason() {
        // given: a dual-stack pod, and an ip6tables that cannot run
        Pod dualStack = lab.pod(2);

        // when
        Shell.Result result = init(dualStack, "--capture-ports", "8080", "--ip6tables", "/nonexistent/ip6tables");

        // then: init fails rather than leave IPv6 uncaptured, in one sentence naming the pod's IPv6 address
        assertThat(result.exitCode()).as(result.stderr()).isEqualTo(3);
        assertThat(result.stderr().lines().filter(l -> l.startsWith("init: ")))
                .singleElement()
                .asString()
                .startsWith("init: The iptables binary '/nonexistent/ip6tables' cannot be run (")
                .contains("(IPv6: the pod has IPv6 addresses [" + dualStack.address6() + " on eth0], so without"
                        + " these rules IPv6 connections to ports [8080] would reach the app without the proxy;")
                .endsWith("--ipv6 off (KOORD_IPV6) captures IPv4 only).");
    }

    @Test
    void withoutNetAdminInitFailsWithOneSentence() {
        Shell.Result result = lab.exec(
                pod, withoutNetAdmin(PodProcesses.javaJar(PodProcesses.proxyJar(), "init", "--capture-ports", "8080")));

        assertThat(result.exitCode()).as(result.stderr()).isEqualTo(3);
        assertThat(result.stderr().lines().filter(l -> l.startsWith("init: ")))
                .singleElement()
                .asString()
                .startsWith("init: iptables may not change the nat table here (")
                .endsWith("run init as root with the NET_ADMIN and NET_RAW capabilities.");
    }

    private Shell.Result init(Pod target, String... flags) {
        List<String> command = new ArrayList<>();
        command.add("init");
        command.addAll(List.of(flags));
        return lab.exec(
                target,
                PodProcesses.javaJar(PodProcesses.proxyJar(), command.toArray(String[]::new))
                        .toArray(String[]::new));
    }

    /** {@code iptables -t nat -S} or {@code ip6tables -t nat -S} in the pod. */
    private String natRules(Pod target, String iptables) {
        return lab.exec(target, iptables, "-t", "nat", "-S").orThrow().stdout();
    }

    /** A GET from inside the pod to host:port, the way the proxy reaches the app (bash's /dev/tcp takes IPv6). */
    private String podGet(String host, int port) {
        String script = "exec 3<>/dev/tcp/" + host + "/" + port
                + " && printf 'GET / HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && cat <&3";
        return lab.exec(pod, "timeout", "30", "bash", "-c", script)
                .orThrow()
                .stdout()
                .strip();
    }

    /**
     * A GET on a new connection: NAT decides once per connection, so a pooled keep-alive connection would
     * still reach the listener it reached before the rules changed.
     */
    private static String get(Pod target, boolean ipv6, int port) throws IOException, InterruptedException {
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + target.uriHost(ipv6) + ":" + port + "/"))
                .timeout(Duration.ofSeconds(10))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String get(Pod target, int port) throws IOException, InterruptedException {
        return get(target, false, port);
    }

    private static String get6(Pod target, int port) throws IOException, InterruptedException {
        return get(target, true, port);
    }

    private static String[] withoutNetAdmin(List<String> command) {
        List<String> full = new ArrayList<>(List.of("setpriv", "--bounding-set=-net_admin,-net_raw"));
        full.addAll(command);
        return full.toArray(String[]::new);
    }
}
