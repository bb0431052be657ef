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
 * pod reaches on each port, before and after init, and what the pod itself reaches over loopback.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InitCaptureIT {

    private NetnsLab lab;
    private Pod pod;

    @BeforeAll
    void startPodWithStandInListeners() {
        NetnsLab.assumeRootWithTools();
        lab = NetnsLab.create(1, Path.of("target", "pod-netns"));
        pod = lab.pod(0);
        NetnsLab.ChildProcess listeners = lab.start(
                pod,
                "listeners",
                PodProcesses.javaMain(TinyHttpServer.class, "8080=app", "16001=proxy", "16000=admin", "9090=other"),
                Map.of());
        await().atMost(Duration.ofSeconds(60))
                .ignoreExceptions()
                .untilAsserted(
                        () -> assertThat(get(pod, 9090)).as(listeners.logTail()).isEqualTo("other"));
    }

    @AfterAll
    void removeLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void capturesOnlyTheAppPortFromOutsideAndIsIdempotent() throws Exception {
        // given: no rules yet, the app port is the app
        assertThat(get(pod, 8080)).isEqualTo("app");

        // when: init runs as the pod's init container would
        Shell.Result first = init("--inbound-port", "16001", "--capture-ports", "8080", "--exclude-ports", "16000");

        // then: outside clients of 8080 reach the proxy; every other port is left alone
        assertThat(first.exitCode()).as(first.stderr()).isZero();
        assertThat(get(pod, 8080)).isEqualTo("proxy");
        assertThat(get(pod, 16001)).isEqualTo("proxy");
        assertThat(get(pod, 16000)).isEqualTo("admin");
        assertThat(get(pod, 9090)).isEqualTo("other");
        // and the pod's own loopback traffic (the proxy calling the app) is never captured
        assertThat(loopbackGet(8080)).endsWith("app");
        String rules = natRules();
        assertThat(rules.lines().filter(l -> l.startsWith("-A PREROUTING")))
                .containsExactly("-A PREROUTING -p tcp -j KOORD_INBOUND");

        // when: init runs again (a restarted init container)
        Shell.Result second = init("--inbound-port", "16001", "--capture-ports", "8080", "--exclude-ports", "16000");

        // then: same rules, same behaviour, no "chain already exists"
        assertThat(second.exitCode()).as(second.stderr()).isZero();
        assertThat(natRules()).isEqualTo(rules);
        assertThat(get(pod, 8080)).isEqualTo("proxy");

        // when: a second capture port is added
        Shell.Result third = init("--capture-ports", "8080,9090", "--exclude-ports", "16000");

        // then: it is captured too, and there is still one jump
        assertThat(third.exitCode()).as(third.stderr()).isZero();
        assertThat(get(pod, 9090)).isEqualTo("proxy");
        assertThat(get(pod, 16000)).isEqualTo("admin");
        assertThat(natRules().lines().filter(l -> l.startsWith("-A PREROUTING")))
                .hasSize(1);
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

    private Shell.Result init(String... flags) {
        List<String> command = new ArrayList<>();
        command.add("init");
        command.addAll(List.of(flags));
        return lab.exec(
                pod,
                PodProcesses.javaJar(PodProcesses.proxyJar(), command.toArray(String[]::new))
                        .toArray(String[]::new));
    }

    private String natRules() {
        return lab.exec(pod, "iptables", "-t", "nat", "-S").orThrow().stdout();
    }

    /** A GET from inside the pod to 127.0.0.1:port, the way the proxy reaches the app. */
    private String loopbackGet(int port) {
        String script = "exec 3<>/dev/tcp/127.0.0.1/" + port
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
    private static String get(Pod target, int port) throws IOException, InterruptedException {
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + target.address() + ":" + port + "/"))
                .timeout(Duration.ofSeconds(10))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String[] withoutNetAdmin(List<String> command) {
        List<String> full = new ArrayList<>(List.of("setpriv", "--bounding-set=-net_admin,-net_raw"));
        full.addAll(command);
        return full.toArray(String[]::new);
    }
}
