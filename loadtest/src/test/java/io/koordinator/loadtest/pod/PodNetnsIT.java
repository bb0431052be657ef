package io.koordinator.loadtest.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.loadtest.pod.NetnsLab.ChildProcess;
import io.koordinator.loadtest.pod.NetnsLab.Pod;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Three pods, each a network namespace running what Kubernetes would run in an injected pod: the real
 * {@code init} rules, the kv app on 8080 and the proxy beside it (inbound 16001, admin 16000). ZooKeeper runs
 * in the test JVM, bound to the lab's bridge address. The test plays the Service: it calls each pod's address
 * on the app port and spreads writes over the pods. The pods are dual-stack, so init captures IPv6 too and a
 * client of a pod's IPv6 address is served through its proxy like one of its IPv4 address.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PodNetnsIT {

    private static final int PODS = 3;
    private static final int APP_PORT = 8080;
    private static final int INBOUND_PORT = 16001;
    private static final int ADMIN_PORT = 16000;
    private static final String GROUP = "kv";
    /** The group's token: the admin port's /status asks for it. */
    private static final String TOKEN = io.koordinator.sequencer.Secrets.random();

    private static final Duration DEADLINE = Duration.ofSeconds(90);

    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final JsonMapper json = JsonMapper.builder().build();
    private final Map<Pod, ChildProcess> proxies = new HashMap<>();
    private final Map<Pod, ChildProcess> apps = new HashMap<>();
    private NetnsLab lab;
    private TestingServer zookeeper;

    @BeforeAll
    void startPods() throws Exception {
        NetnsLab.assumeRootWithTools();
        lab = NetnsLab.create(PODS, Path.of("target", "pod-netns"));
        // given: ZooKeeper where every pod can reach it, and only there: the bridge address of the root namespace
        zookeeper = new TestingServer(
                new InstanceSpec(
                        null,
                        -1,
                        -1,
                        -1,
                        true,
                        -1,
                        -1,
                        -1,
                        Map.of("clientPortAddress", lab.hostAddress()),
                        lab.hostAddress()),
                true);
        String connect = lab.hostAddress() + ":" + zookeeper.getPort();

        for (Pod pod : lab.pods()) {
            // the init container: the capture rules, exactly as the injector configures them
            Shell.Result init = lab.exec(
                    pod,
                    PodProcesses.javaJar(
                                    PodProcesses.proxyJar(),
                                    "init",
                                    "--inbound-port",
                                    Integer.toString(INBOUND_PORT),
                                    "--capture-ports",
                                    Integer.toString(APP_PORT),
                                    "--exclude-ports",
                                    Integer.toString(ADMIN_PORT))
                            .toArray(String[]::new));
            assertThat(init.exitCode())
                    .as("init in %s: %s", pod.name(), init.stderr())
                    .isZero();
            apps.put(
                    pod,
                    lab.start(
                            pod,
                            "kv",
                            PodProcesses.javaJar(
                                    PodProcesses.loadtestJar(),
                                    "kv-app",
                                    "--port",
                                    Integer.toString(APP_PORT),
                                    "--host",
                                    "0.0.0.0"),
                            Map.of()));
            proxies.put(
                    pod,
                    lab.start(
                            pod,
                            "proxy",
                            PodProcesses.javaJar(
                                    PodProcesses.proxyJar(),
                                    "proxy",
                                    "--group",
                                    GROUP,
                                    "--namespace",
                                    "podit",
                                    "--replica-id",
                                    pod.name(),
                                    "--zookeeper",
                                    connect,
                                    "--app-port",
                                    Integer.toString(APP_PORT),
                                    "--advertise-address",
                                    pod.address(),
                                    "--pass-through",
                                    "/healthz,/digest",
                                    "--transfer-token",
                                    TOKEN),
                            Map.of()));
        }
        for (Pod pod : lab.pods()) {
            awaitReady(pod);
        }
    }

    /** Waits for the proxy's /ready; on failure (or if a process exits) the message carries both logs. */
    private void awaitReady(Pod pod) {
        ChildProcess proxy = proxies.get(pod);
        ChildProcess app = apps.get(pod);
        try {
            await("proxy of " + pod.name() + " ready")
                    .atMost(DEADLINE)
                    .failFast(
                            "the proxy or the app of " + pod.name() + " exited",
                            () -> !proxy.process().isAlive() || !app.process().isAlive())
                    .untilAsserted(() ->
                            assertThat(statusCode(pod, ADMIN_PORT, "/ready")).isEqualTo(200));
        } catch (ConditionTimeoutException | TerminalFailureException e) {
            throw new AssertionError(
                    e.getMessage() + "\n--- proxy log:\n" + proxy.logTail() + "\n--- app log:\n" + app.logTail(), e);
        }
    }

    /** The status code of a GET, or -1 if the connection failed. */
    private int statusCode(Pod pod, int port, String path) throws InterruptedException {
        try {
            return call(pod, port, "GET", path, null).statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    @AfterAll
    void stopPods() throws IOException {
        if (lab != null) {
            lab.close();
        }
        if (zookeeper != null) {
            zookeeper.close();
        }
    }

    @ParameterizedTest(name = "ipv6={0}")
    @ValueSource(booleans = {false, true})
    @Order(1)
    void appPortIsServedThroughTheProxy(boolean ipv6) throws Exception {
        String key = ipv6 ? "/kv/captured-v6-" : "/kv/captured-v4-";
        for (Pod pod : lab.pods()) {
            // given
            long orderedBefore = count(pod, "ordered");

            // when: a client outside the pod calls the pod's address (IPv4 or IPv6) on the app port
            HttpResponse<String> put = call(pod, ipv6, APP_PORT, "PUT", key + pod.name(), "via " + pod.name());

            // then: it was answered, and the proxy of that pod ordered it (the app alone would not count it);
            // the proxy's own connection to the app on 127.0.0.1 was not captured, or nothing would be applied
            assertThat(put.statusCode()).as(put.body()).isBetween(200, 299);
            await("ordered count of " + pod.name() + "'s proxy")
                    .atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(count(pod, "ordered")).isGreaterThan(orderedBefore));
        }
        // and every replica applied every pod's write: the value is readable on each pod, over either family
        for (Pod reader : lab.pods()) {
            for (Pod writer : lab.pods()) {
                for (boolean readIpv6 : List.of(false, true)) {
                    HttpResponse<String> get = call(reader, readIpv6, APP_PORT, "GET", key + writer.name(), null);
                    assertThat(get.statusCode()).as("read ipv6=%s", readIpv6).isEqualTo(200);
                    assertThat(get.body()).isEqualTo("via " + writer.name());
                }
            }
        }
    }

    @Test
    @Order(2)
    void writesSpreadOverThePodsEndWithIdenticalDigests() throws Exception {
        // when: the test acts as the Service and spreads writes round-robin over the pods
        int writes = 60;
        for (int i = 0; i < writes; i++) {
            Pod pod = lab.pod(i % PODS);
            String key = "/kv/key-" + (i % 7);
            HttpResponse<String> response = i % 3 == 0
                    ? call(pod, APP_PORT, "PUT", key, "v" + i)
                    : call(pod, APP_PORT, "POST", key + "/append", "+" + i);
            assertThat(response.statusCode())
                    .as("write %d via %s: %s", i, pod.name(), response.body())
                    .isBetween(200, 299);
        }

        // then: every replica reaches the same digest after the same number of applied writes
        await("identical digests").atMost(DEADLINE).untilAsserted(() -> {
            List<JsonNode> digests = new ArrayList<>();
            for (Pod pod : lab.pods()) {
                digests.add(json.readTree(
                        call(pod, APP_PORT, "GET", "/digest", null).body()));
            }
            Set<String> distinct = digests.stream()
                    .map(d ->
                            d.get("digest").asString() + "@" + d.get("applied").asLong())
                    .collect(Collectors.toSet());
            assertThat(distinct).as("digest@applied of each pod: %s", digests).hasSize(1);
            assertThat(digests.get(0).get("applied").asLong()).isGreaterThanOrEqualTo(writes);
        });
    }

    @Test
    @Order(3)
    void probePathIsPassThroughNotOrdered() throws Exception {
        for (Pod pod : lab.pods()) {
            // given
            long orderedBefore = count(pod, "ordered");
            long passThroughBefore = count(pod, "passThrough");

            // when: a kubelet-style probe on the app port
            HttpResponse<String> probe = call(pod, APP_PORT, "GET", "/healthz", null);

            // then
            assertThat(probe.statusCode()).isEqualTo(200);
            await("pass-through count of " + pod.name() + "'s proxy")
                    .atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(count(pod, "passThrough")).isGreaterThan(passThroughBefore));
            assertThat(count(pod, "ordered")).isEqualTo(orderedBefore);
        }
    }

    private long count(Pod pod, String name) throws IOException, InterruptedException {
        HttpResponse<String> status = call(pod, false, ADMIN_PORT, "GET", "/status", null, "Bearer " + TOKEN);
        assertThat(status.statusCode()).as(status.body()).isEqualTo(200);
        JsonNode counts = json.readTree(status.body()).get("counts");
        assertThat(counts).as("/status of %s: %s", pod.name(), status.body()).isNotNull();
        assertThat(counts.has(name))
                .as("/status counts of %s: %s", pod.name(), counts)
                .isTrue();
        return counts.get(name).asLong();
    }

    private HttpResponse<String> call(Pod pod, int port, String method, String path, String body)
            throws IOException, InterruptedException {
        return call(pod, false, port, method, path, body, null);
    }

    private HttpResponse<String> call(Pod pod, boolean ipv6, int port, String method, String path, String body)
            throws IOException, InterruptedException {
        return call(pod, ipv6, port, method, path, body, null);
    }

    private HttpResponse<String> call(
            Pod pod, boolean ipv6, int port, String method, String path, String body, String authorization)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://" + pod.uriHost(ipv6) + ":" + port + path))
                .timeout(Duration.ofSeconds(30))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
