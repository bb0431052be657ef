package io.koordinator.loadtest.zk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class LocalQuorumIT {

    private static ZooKeeper connect(String connectString) throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(connectString, 30_000, e -> {
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        assertThat(connected.await(30, TimeUnit.SECONDS)).isTrue();
        return zk;
    }

    @Test
    void serversBoundToOneAddressStartAndServeThere() throws Exception {
        // 127.0.0.2 is loopback too, but not the 127.0.0.1 the quorum checks by default
        LocalQuorumConfig config = LocalQuorumConfig.loopback(1).withAddresses("127.0.0.2", "127.0.0.2");
        try (LocalQuorum quorum = new LocalQuorum(config)) {
            quorum.start();
            assertThat(quorum.connectString()).matches("127\\.0\\.0\\.2:\\d+");
            assertThat(quorum.mode(0)).isEqualTo("standalone");
            ZooKeeper zk = connect(quorum.connectString());
            zk.close();
        }
    }

    @Test
    void threeServersReplicateAndSurviveTheLossOfOne() throws Exception {
        try (LocalQuorum quorum = LocalQuorum.start(3)) {
            // Given a serving 3-server quorum with one leader
            assertThat(quorum.connectString()).matches("127\\.0\\.0\\.1:\\d+(,127\\.0\\.0\\.1:\\d+){2}");
            long leaders = java.util.stream.IntStream.range(0, 3)
                    .mapToObj(quorum::mode)
                    .filter("leader"::equals)
                    .count();
            assertThat(leaders).isEqualTo(1);

            // When a znode is written through one server
            ZooKeeper first = connect("127.0.0.1:" + quorum.clientPort(0));
            try {
                first.create(
                        "/probe",
                        "v1".getBytes(StandardCharsets.UTF_8),
                        ZooDefs.Ids.OPEN_ACL_UNSAFE,
                        CreateMode.PERSISTENT);
            } finally {
                first.close();
            }
            // Then every server has it after a sync
            for (int i = 0; i < 3; i++) {
                ZooKeeper zk = connect("127.0.0.1:" + quorum.clientPort(i));
                try {
                    CountDownLatch synced = new CountDownLatch(1);
                    zk.sync("/probe", (rc, path, ctx) -> synced.countDown(), null);
                    assertThat(synced.await(30, TimeUnit.SECONDS)).isTrue();
                    assertThat(new String(zk.getData("/probe", false, null), StandardCharsets.UTF_8))
                            .isEqualTo("v1");
                } finally {
                    zk.close();
                }
            }

            // When one server stops, the remaining two still take writes
            quorum.stop(0);
            ZooKeeper rest = connect("127.0.0.1:" + quorum.clientPort(1) + ",127.0.0.1:" + quorum.clientPort(2));
            try {
                Awaitility.await()
                        .atMost(Duration.ofSeconds(60))
                        .ignoreExceptions()
                        .until(() -> {
                            rest.setData("/probe", "v2".getBytes(StandardCharsets.UTF_8), -1);
                            return true;
                        });
            } finally {
                rest.close();
            }

            // And a restarted server catches up
            quorum.restart(0);
            quorum.awaitServing(Duration.ofSeconds(60));
            ZooKeeper back = connect("127.0.0.1:" + quorum.clientPort(0));
            try {
                Awaitility.await()
                        .atMost(Duration.ofSeconds(60))
                        .until(() ->
                                new String(back.getData("/probe", false, null), StandardCharsets.UTF_8).equals("v2"));
            } finally {
                back.close();
            }
        }
    }

    @Test
    void standaloneServerAndTemporaryDataDirIsDeletedOnClose() throws Exception {
        LocalQuorum quorum = LocalQuorum.start(1);
        Path dir;
        try {
            assertThat(quorum.mode(0)).isEqualTo("standalone");
            dir = quorum.dataDir();
            assertThat(dir).isDirectory();
            ZooKeeper zk = connect(quorum.connectString());
            try {
                assertThat(zk.exists("/zookeeper", false)).isNotNull();
            } finally {
                zk.close();
            }
        } finally {
            quorum.close();
            quorum.close();
        }
        assertThat(Files.exists(dir)).isFalse();
    }
}
