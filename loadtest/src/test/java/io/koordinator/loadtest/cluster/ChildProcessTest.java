package io.koordinator.loadtest.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildProcessTest {

    @AfterEach
    void stopCopying() throws Exception {
        ChildProcess.copyStderrTo(null);
    }

    @Test
    void stderrIsCopiedToAFileForEachChildWhileItIsStillKeptInMemory(@TempDir Path dir) throws Exception {
        ChildProcess.copyStderrTo(dir.resolve("logs"));
        try (ChildProcess a = ChildProcess.start("same", List.of("sh", "-c", "echo one >&2; echo two >&2"));
                ChildProcess b = ChildProcess.start("same", List.of("sh", "-c", "echo three >&2"))) {
            assertThat(a.awaitExit(Duration.ofSeconds(10))).isZero();
            assertThat(b.awaitExit(Duration.ofSeconds(10))).isZero();
            List<Path> files = awaitFiles(dir.resolve("logs"), "one\ntwo\n", "three\n");
            assertThat(files).extracting(p -> p.getFileName().toString()).allMatch(n -> n.endsWith("-same.log"));
            assertThat(a.stderrTail()).containsExactly("one", "two");
        }

        ChildProcess.copyStderrTo(null);
        try (ChildProcess c = ChildProcess.start("later", List.of("sh", "-c", "echo four >&2"))) {
            assertThat(c.awaitExit(Duration.ofSeconds(10))).isZero();
        }
        assertThat(copies(dir.resolve("logs"))).hasSize(2);
    }

    /** The copies, in the order the children started, once they hold {@code contents}. */
    private static List<Path> awaitFiles(Path dir, String... contents) throws java.io.IOException {
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(copies(dir).stream().map(ChildProcessTest::read))
                        .containsExactly(contents));
        return copies(dir);
    }

    private static List<Path> copies(Path dir) throws java.io.IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted(java.util.Comparator.comparingInt(ChildProcessTest::number))
                    .toList();
        }
    }

    private static int number(Path p) {
        String n = p.getFileName().toString();
        return Integer.parseInt(n.substring(0, n.indexOf('-')));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
