package io.koordinator.loadtest.archive;

import static org.assertj.core.api.Assertions.assertThat;

import io.koordinator.loadtest.cluster.ChildProcess;
import io.koordinator.loadtest.cluster.Jars;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code class-archive} subcommand as the Dockerfile runs it: a child process of the shaded
 * jar writes an archive that a proxy's JVM maps with {@code -Xshare:on} (which fails instead of
 * running on without it), its own classes included; the same archive is refused for another jar.
 */
class ClassArchiveIT {
    private static final Duration LIMIT = Duration.ofSeconds(120);

    @Test
    void writesAnArchiveTheProxyJarMapsAndAnotherJarDoesNot(@TempDir Path dir) throws Exception {
        Jars jars = Jars.locate().requireExisting();
        Path archive = dir.resolve("proxy.jsa");

        // Given the archive from a short training run
        try (ChildProcess training = ChildProcess.java(
                "class-archive",
                List.of(),
                jars.loadtest().toString(),
                List.of("class-archive", "--out", archive.toString(), "--duration", "3s"))) {
            assertThat(training.awaitExit(LIMIT))
                    .as("class-archive exit; stderr: %s", training.stderrTail())
                    .isZero();
            assertThat(training.awaitLine(Duration.ofSeconds(1))).startsWith("class-archive: " + archive);
        }
        assertThat(Files.size(archive)).isGreaterThan(1 << 20);

        // When the proxy's jar starts with it, sharing required
        List<String> shared = run(jars.proxy(), archive);

        // Then the JVM maps it, and the proxy's own classes come from it
        assertThat(shared.get(0)).isEqualTo("exit 0");
        assertThat(shared).anyMatch(l -> l.contains("io.koordinator.Main source: shared objects file (top)"));

        // And a jar of another size or time (a rebuilt one) is refused
        Path other = dir.resolve("koordinator.jar");
        Files.copy(jars.proxy(), other, StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(other, FileTime.fromMillis(System.currentTimeMillis()));
        assertThat(run(other, archive).get(0)).isNotEqualTo("exit 0");
    }

    /** {@code java -Xshare:on -XX:SharedArchiveFile=archive -jar jar --version}: its exit, then its stdout. */
    private static List<String> run(Path jar, Path archive) throws Exception {
        try (ChildProcess java = ChildProcess.java(
                "proxy-version",
                List.of("-Xshare:on", "-XX:SharedArchiveFile=" + archive, "-Xlog:class+load=info"),
                jar.toString(),
                List.of("--version"))) {
            int exit = java.awaitExit(LIMIT);
            List<String> lines = new ArrayList<>(List.of("exit " + exit));
            for (String line; (line = java.awaitLine(Duration.ofMillis(200))) != null; ) {
                lines.add(line);
            }
            return lines;
        }
    }
}
