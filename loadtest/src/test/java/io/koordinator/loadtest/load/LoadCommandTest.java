package io.koordinator.loadtest.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.koordinator.loadtest.LoadtestMain;
import io.koordinator.loadtest.kv.KvApp;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadCommandTest {

    @Test
    void loadThenCheckABareAppExitsZero() throws Exception {
        try (KvApp app = KvApp.start("127.0.0.1", 0)) {
            String target = "127.0.0.1:" + app.port();
            int rc = LoadtestMain.commandLine()
                    .execute(
                            "load",
                            "--target",
                            target,
                            "--connections",
                            "4",
                            "--max-requests",
                            "400",
                            "--duration",
                            "60s",
                            "--check-app",
                            target);
            assertThat(rc).isZero();
            assertThat(app.requests()).isGreaterThanOrEqualTo(400);
        }
    }

    @Test
    void checkAgainstAnAppThatGotNothingFails() throws Exception {
        try (KvApp loaded = KvApp.start("127.0.0.1", 0);
                KvApp idle = KvApp.start("127.0.0.1", 0)) {
            int rc = LoadtestMain.commandLine()
                    .execute(
                            "load",
                            "--target",
                            "127.0.0.1:" + loaded.port(),
                            "--max-requests",
                            "100",
                            "--mix",
                            "50,50,0,0",
                            "--check-app",
                            "127.0.0.1:" + idle.port());
            assertThat(rc).isEqualTo(1);
        }
    }

    @Test
    void openLoopWritesTheIntervalLogTheSummaryAndTheChart(@TempDir Path dir) throws Exception {
        try (KvApp app = KvApp.start("127.0.0.1", 0)) {
            Path json = dir.resolve("run.json");
            Path hlog = dir.resolve("run.hlog");
            Path chart = dir.resolve("run.svg");
            int rc = LoadtestMain.commandLine()
                    .execute(
                            "load",
                            "--target",
                            "127.0.0.1:" + app.port(),
                            "--connections",
                            "2",
                            "--rate",
                            "400",
                            "--max-requests",
                            "200",
                            "--duration",
                            "20s",
                            "--key-distribution",
                            "zipfian",
                            "--value-bytes",
                            "64",
                            "--json",
                            json.toString(),
                            "--hlog",
                            hlog.toString(),
                            "--chart",
                            chart.toString());
            assertThat(rc).isZero();
            assertThat(Files.readString(json)).contains("\"mode\" : \"open\"", "\"requests\" : 200");
            assertThat(Files.readString(hlog)).contains("Tag=uncorrected,", "Histogram log format version");
            assertThat(Files.readString(chart)).startsWith("<?xml").contains("<svg");
        }
    }

    @Test
    void badWorkloadOptionsAreUsageErrors() {
        assertThat(LoadtestMain.commandLine()
                        .execute("load", "--target", "127.0.0.1:1", "--key-distribution", "pareto"))
                .isEqualTo(2);
        assertThat(LoadtestMain.commandLine().execute("load", "--target", "127.0.0.1:1", "--chart", "x.gif"))
                .isEqualTo(2);
        assertThat(LoadtestMain.commandLine().execute("load", "--target", "127.0.0.1:1", "--rate", "-5"))
                .isEqualTo(2);
    }

    @Test
    void badMixIsAUsageError() {
        assertThat(LoadtestMain.commandLine().execute("load", "--target", "127.0.0.1:1", "--mix", "50,50"))
                .isEqualTo(2);
    }

    @Test
    void parsesHostPort() {
        assertThat(LoadCommand.address("127.0.0.1:8080")).isEqualTo(new InetSocketAddress("127.0.0.1", 8080));
        assertThat(Duration.ofSeconds(20)).isEqualTo(io.koordinator.loadtest.DurationConverter.parse("20s"));
        assertThat(io.koordinator.loadtest.DurationConverter.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(io.koordinator.loadtest.DurationConverter.format(Duration.ofMillis(1500)))
                .isEqualTo("1500ms");
    }
}
