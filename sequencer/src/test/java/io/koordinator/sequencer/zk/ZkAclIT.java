package io.koordinator.sequencer.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.RequestId;
import io.koordinator.sequencer.SequencerConfig;
import io.koordinator.sequencer.ZkCredentials;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Isolation between groups on a real ZooKeeper server: a group whose proxies hold digest
 * credentials owns its subtree. A client with another group's credentials, or none, gets NoAuth
 * on every read and write of it; the right credentials work; a sequencer with the wrong ones is
 * not connected and says why in one sentence.
 */
class ZkAclIT {
    private static final String ROOT = "/it-acl";
    private static final ZkCredentials ORDERS = ZkCredentials.generate("orders");
    private static final ZkCredentials CARTS = ZkCredentials.generate("carts");
    private static TestingServer server;
    private static ZkSequencer orders;
    private static String group;

    @BeforeAll
    static void start() throws Exception {
        server = new TestingServer(true);
        orders = new ZkSequencer(config("orders", "r-1", ORDERS));
        orders.start();
        group = ROOT + "/orders";
        orders.append(new Command(new RequestId("r-1", 1), System.currentTimeMillis(), null, new byte[] {1}))
                .get(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws Exception {
        orders.close();
        server.close();
    }

    private static SequencerConfig config(String name, String replica, ZkCredentials credentials) {
        return ZkSequencerIT.config(server.getConnectString(), name, replica)
                .withRoot(ROOT)
                .withCredentials(credentials);
    }

    private static CuratorFramework client(ZkCredentials credentials) throws InterruptedException {
        CuratorFrameworkFactory.Builder b = CuratorFrameworkFactory.builder()
                .connectString(server.getConnectString())
                .retryPolicy(new RetryOneTime(100));
        if (credentials != null) {
            b.authorization("digest", credentials.authBytes());
        }
        CuratorFramework c = b.build();
        c.start();
        c.blockUntilConnected();
        return c;
    }

    @Test
    void withoutCredentialsOrWithAnotherGroupsEveryReadAndWriteIsRefused() throws Exception {
        for (ZkCredentials other : new ZkCredentials[] {null, CARTS}) {
            try (CuratorFramework c = client(other)) {
                String entry = group + "/log/0000000000/e-0000000000";
                assertNoAuth(() -> c.getData().forPath(entry));
                assertNoAuth(() -> c.getChildren().forPath(group + "/log"));
                assertNoAuth(() -> c.getChildren().forPath(group));
                assertNoAuth(() -> c.getData().forPath(group + "/replicas"));
                assertNoAuth(() -> c.setData().forPath(entry, new byte[] {9}));
                assertNoAuth(() -> c.create()
                        .withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                        .forPath(group + "/log/0000000000/e-", new byte[] {9}));
                assertNoAuth(() -> c.delete().forPath(entry));
                assertNoAuth(() -> c.delete().deletingChildrenIfNeeded().forPath(group));
                assertNoAuth(
                        () -> c.setACL().withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath(group));
            }
        }
    }

    @Test
    void theGroupsOwnCredentialsReadAndWrite() throws Exception {
        try (CuratorFramework c = client(ORDERS)) {
            assertThat(c.getChildren().forPath(group + "/log/0000000000")).contains("e-0000000000");
            assertThat(c.getData().forPath(group + "/log/0000000000/e-0000000000"))
                    .isNotEmpty();
            assertThat(c.getACL().forPath(group + "/log/0000000000/e-0000000000"))
                    .extracting(ACL::getPerms)
                    .containsExactly(ZooDefs.Perms.ALL);
        }
    }

    @Test
    void theSharedRootCanBeReadAndCreatedInButNotChangedOrDeleted() throws Exception {
        try (CuratorFramework c = client(CARTS)) {
            assertThat(c.getACL().forPath(ROOT)).isEqualTo(GroupAcls.SHARED_PARENTS);
            assertThat(c.getChildren().forPath(ROOT)).contains("orders");
            assertNoAuth(() -> c.setData().forPath(ROOT, new byte[] {1}));
            assertNoAuth(() -> c.delete().forPath(group));
            assertNoAuth(() -> c.setACL().withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath(ROOT));
        }
    }

    @Test
    void aSequencerWithWrongOrNoCredentialsIsNotConnectedAndSaysWhy() throws Exception {
        for (ZkCredentials wrong : new ZkCredentials[] {CARTS, null}) {
            try (ZkSequencer s = new ZkSequencer(config("orders", "r-intruder", wrong))) {
                s.start();
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> s.connectionState().startsWith("REFUSED"));
                assertThat(s.isConnected()).isFalse();
                assertThat(s.connectionState())
                        .contains("ZooKeeper refused access to " + group)
                        .contains(wrong == null ? "without credentials" : "the credentials of digest user carts")
                        .doesNotContain(CARTS.password());
            }
        }
        // and the group's own replica carries on
        assertThat(orders.isConnected()).isTrue();
        assertThat(orders.replicas()).isNotNull();
    }

    @Test
    void anotherGroupWithItsOwnCredentialsWorksBesideIt() throws Exception {
        try (ZkSequencer carts = new ZkSequencer(config("carts", "c-1", CARTS))) {
            carts.start();
            long position = carts.append(
                            new Command(new RequestId("c-1", 1), System.currentTimeMillis(), null, new byte[0]))
                    .get(30, TimeUnit.SECONDS);
            assertThat(position).isNotNegative();
            try (CuratorFramework c = client(CARTS)) {
                assertNoAuth(() -> c.getChildren().forPath(group + "/log"));
                assertThat(c.getChildren().forPath(ROOT + "/carts")).containsAll(List.of("log", "replicas"));
            }
        }
    }

    private static void assertNoAuth(Executable call) {
        assertThatThrownBy(call::execute).isInstanceOf(KeeperException.NoAuthException.class);
    }
}
