package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.Main;
import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.zk.ZkSequencer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code koordinator status} and {@code koordinator log} against a real ZooKeeper server and two
 * real proxies (ports 0) that ordered five requests; and their one-sentence failures.
 */
class OperatorCliIT {
    static final int REQUESTS = 5;
    static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Logger log = LoggerFactory.getLogger(OperatorCliIT.class);
    static TestingServer zk;
    static final List<AutoCloseable> closeables = new ArrayList<>();
    static final List<ProxyServer> proxies = new ArrayList<>();

    record Run(int exit, String out, String err) {}

    @BeforeAll
    static void start() throws Exception {
        zk = new TestingServer(true);
        for (int i = 1; i <= 2; i++) {
            TestApp app = new TestApp();
            closeables.add(app);
            ProxyConfig config = Proxies.config("cli-" + i, app.port(), Map.of(Key.ZOOKEEPER, zk.getConnectString()));
            ProxyServer proxy = new ProxyServer(config, new ZkSequencer(config.sequencerConfig()));
            closeables.add(proxy);
            proxy.start();
            proxies.add(proxy);
        }
        for (ProxyServer p : proxies) {
            await().atMost(Duration.ofSeconds(60)).until(p::isReady);
        }
        try (RawClient c = new RawClient(proxies.get(0).listenPort())) {
            for (int i = 0; i < REQUESTS; i++) { // one at a time: one entry each
                c.send("PUT /kv/k" + i + " HTTP/1.1\r\nHost: kv\r\nContent-Length: 1\r\n\r\n" + i);
                assertThat(c.read().status()).isEqualTo(200);
            }
        }
        // every replica has published that it applied the last one (published once a second)
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode s = JSON.readTree(run("status", "--json").out());
            assertThat(s.get("replicas")).hasSize(2);
            for (JsonNode r : s.get("replicas")) {
                assertThat(r.get("lag").asLong()).as(r.toString()).isZero();
                assertThat(r.get("appliedPosition").asLong())
                        .isEqualTo(s.get("log").get("tail").asLong());
            }
        });
    }

    @AfterAll
    static void stop() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        zk.close();
    }

    /** Runs the jar's command line in this JVM against the test's group unless {@code args} names another. */
    static Run run(String command, String... args) {
        List<String> all = new ArrayList<>(List.of(command));
        if (!List.of(args).contains("--zookeeper")) {
            all.addAll(List.of("--zookeeper", zk.getConnectString()));
        }
        if (!List.of(args).contains("--group")) {
            all.addAll(List.of("--group", "kv", "--namespace", "test"));
        }
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void statusShowsTheReplicasTheLogAndTheFloor() {
        Run r = run("status");
        log.info("koordinator status:\n{}", r.out());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("group test.kv at ZooKeeper " + zk.getConnectString())
                .contains("log: " + REQUESTS + " entries")
                .contains("compaction floor")
                .contains("REPLICA", "APPLIED", "DURABLE", "LAG", "DIGEST");
        for (ProxyServer p : proxies) {
            assertThat(r.out())
                    .containsPattern(p.config().replicaId() + " +127\\.0\\.0\\.1:" + p.adminPort()
                            + " +DELIVERING +yes +0:4:0 +\\S+ +0 ");
        }
    }

    @Test
    void statusJsonAgreesWithZooKeeper() throws Exception {
        Run r = run("status", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode s = JSON.readTree(r.out());
        assertThat(s.get("group").asString()).isEqualTo("test.kv");
        JsonNode log = s.get("log");
        assertThat(log.get("entries").asLong()).isEqualTo(REQUESTS);
        long bytes = 0;
        try (CuratorFramework c = client(null)) {
            String segment = "/koordinator/groups/test.kv/log/0000000000";
            for (String e : c.getChildren().forPath(segment)) {
                bytes += c.checkExists().forPath(segment + "/" + e).getDataLength();
            }
        }
        assertThat(log.get("bytes").asLong()).isEqualTo(bytes).isPositive();
        assertThat(log.get("first").asLong()).isZero();
        assertThat(s.get("compactionFloor").asLong())
                .isLessThanOrEqualTo(log.get("first").asLong());
        for (JsonNode replica : s.get("replicas")) {
            assertThat(replica.get("ready").asBoolean()).isTrue();
            assertThat(replica.get("state").asString()).isEqualTo("DELIVERING");
            assertThat(replica.get("durablePosition").asLong())
                    .isLessThanOrEqualTo(log.get("tail").asLong());
            assertThat(replica.has("digestPosition")).isTrue();
        }
    }

    @Test
    void logTailDecodesTheLastCommands() throws Exception {
        Run r = run("log", "--tail", "3");
        log.info("koordinator log --tail 3:\n{}", r.out());
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).startsWith("POSITION").contains("METHOD", "PATH", "REQUEST-ID", "ORIGIN", "BYTES");
        for (int i = 0; i < 3; i++) {
            int k = REQUESTS - 3 + i;
            assertThat(lines.get(1 + i)).matches("0:" + k + ":0 +PUT +/kv/k" + k + " +cli-1-\\d+ +cli-1 +\\d+");
        }

        JsonNode all = JSON.readTree(run("log", "--tail", "100", "--json").out());
        assertThat(all).hasSize(REQUESTS);
        for (int i = 0; i < REQUESTS; i++) {
            assertThat(all.get(i).get("path").asString()).isEqualTo("/kv/k" + i);
            assertThat(all.get(i).get("position").asLong()).isEqualTo((long) i << 16);
            assertThat(all.get(i).get("bytes").asInt()).isPositive();
        }
    }

    @Test
    void anUnknownGroupIsOneSentenceAndLeavesNoTrace() throws Exception {
        for (String command : new String[] {"status", "log"}) {
            Run r = run(command, "--group", "nope");
            assertThat(r.exit()).isEqualTo(4);
            assertThat(r.err().lines())
                    .containsExactly("There is no group 'nope' under /koordinator/groups at ZooKeeper "
                            + zk.getConnectString() + ".");
            assertThat(r.out()).isEmpty();
        }
        try (CuratorFramework c = client(null)) {
            assertThat(c.checkExists().forPath("/koordinator/groups/nope")).isNull();
        }
    }

    @Test
    void anUnreachableZooKeeperFailsWithinTheConnectTimeout() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        long t0 = System.nanoTime();
        Run r = run("status", "--zookeeper", "127.0.0.1:" + closed, "--connect-timeout", "1s");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.err().lines())
                .containsExactly("Cannot reach ZooKeeper at 127.0.0.1:" + closed + " within 1000 ms over plain TCP.");
        assertThat(ms).as("took %d ms", ms).isLessThan(10_000);
    }

    @Test
    void credentialsOpenAProtectedGroupAndWrongOnesAreRefused(@TempDir Path dir) throws Exception {
        // given: a group whose subtree only user:right may read
        List<ACL> acl = List.of(new ACL(
                ZooDefs.Perms.ALL, new Id("digest", DigestAuthenticationProvider.generateDigest("user:right"))));
        try (CuratorFramework c = client("user:right")) {
            c.create().creatingParentsIfNeeded().forPath("/koordinator/groups/locked.kv");
            for (String child : new String[] {"log", "replicas"}) {
                c.create().withACL(acl).forPath("/koordinator/groups/locked.kv/" + child);
            }
        }
        Path file = dir.resolve("credentials");
        Files.writeString(file, "user:right\n", StandardCharsets.UTF_8);

        // when / then
        Run wrong = run("status", "--group", "locked.kv", "--zk-credentials", "user:wrong");
        assertThat(wrong.exit()).isEqualTo(5);
        assertThat(wrong.err().lines())
                .singleElement()
                .asString()
                .startsWith("ZooKeeper refused access to ")
                .endsWith(" with the given credentials.");
        Run none = run("log", "--group", "locked.kv");
        assertThat(none.exit()).isEqualTo(5);
        assertThat(none.err()).contains("without credentials (give --zk-credentials).");
        Run right = run("status", "--group", "locked.kv", "--zk-credentials-file", file.toString());
        assertThat(right.exit()).as(right.err()).isZero();
        assertThat(right.out()).contains("log: 0 entries, 0 bytes", "no replica registered");
        Run malformed = run("status", "--group", "locked.kv", "--zk-credentials", "nocolon");
        assertThat(malformed.exit()).isEqualTo(2);
        assertThat(malformed.err().lines()).containsExactly("--zk-credentials must be USER:PASSWORD.");
    }

    private static CuratorFramework client(String credentials) throws InterruptedException {
        CuratorFrameworkFactory.Builder b = CuratorFrameworkFactory.builder()
                .connectString(zk.getConnectString())
                .retryPolicy(new RetryOneTime(100));
        if (credentials != null) {
            b.authorization("digest", credentials.getBytes(StandardCharsets.UTF_8));
        }
        CuratorFramework c = b.build();
        c.start();
        c.blockUntilConnected();
        return c;
    }
}
