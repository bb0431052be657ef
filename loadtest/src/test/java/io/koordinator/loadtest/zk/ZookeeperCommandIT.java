package io.koordinator.loadtest.zk;

import static org.assertj.core.api.Assertions.assertThat;

import io.koordinator.loadtest.cluster.ChildProcess;
import io.koordinator.loadtest.cluster.ClusterConfig;
import io.koordinator.loadtest.cluster.Jars;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The {@code zookeeper} subcommand as other tools use it: a child process from the shaded jar. */
class ZookeeperCommandIT {
    private static final Pattern DATA_DIR = Pattern.compile(" in (\\S+)/server-1$");

    @Test
    void printsOnlyTheConnectStringServesAndCleansUpOnSigterm() throws Exception {
        Jars jars = Jars.locate().requireExisting();
        Path dataDir;
        try (ChildProcess zk = ChildProcess.java(
                "zookeeper",
                ClusterConfig.DEFAULT_JVM_OPTIONS,
                jars.loadtest().toString(),
                List.of("zookeeper", "--servers", "3"))) {
            // Given the command started, its first stdout line is the connect string
            String connect = zk.awaitLine(Duration.ofSeconds(90));
            assertThat(connect).matches("127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+");

            // and every server answers as part of a quorum with exactly one leader
            List<String> modes = java.util.Arrays.stream(connect.split(","))
                    .map(hp -> FourLetterWords.mode("127.0.0.1", Integer.parseInt(hp.substring(hp.indexOf(':') + 1))))
                    .toList();
            assertThat(modes).containsExactlyInAnyOrder("leader", "follower", "follower");

            dataDir = zk.stderrTail().stream()
                    .map(DATA_DIR::matcher)
                    .filter(Matcher::find)
                    .map(m -> Path.of(m.group(1)))
                    .findFirst()
                    .orElseThrow();
            assertThat(dataDir).isDirectory();

            // When it gets SIGTERM
            zk.close();

            // Then it exited, printed nothing else, and removed its data directory
            assertThat(zk.isAlive()).isFalse();
            assertThat(zk.awaitLine(Duration.ofMillis(100))).isNull();
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(dataDir));
    }
}
