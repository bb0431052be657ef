package io.koordinator.loadtest.cluster;

import static org.assertj.core.api.Assertions.assertThat;

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
        try (Stream<Path> s = Files.list(dir.resolve("logs"))) {
            assertThat(s.count()).isEqualTo(2);
        }
    }

    /** The copies, sorted by name, once they hold {@code contents} in that order. */
    private static List<Path> awaitFiles(Path dir, String... contents) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            List<Path> files;
            try (Stream<Path> s = Files.list(dir)) {
                files = s.sorted(java.util.Comparator.comparingInt(ChildProcessTest::number))
                        .toList();
            }
            List<String> read = files.stream().map(ChildProcessTest::read).toList();
            if (read.equals(List.of(contents)) || System.nanoTime() > deadline) {
                assertThat(read).containsExactly(contents);
                return files;
            }
            Thread.sleep(20);
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
