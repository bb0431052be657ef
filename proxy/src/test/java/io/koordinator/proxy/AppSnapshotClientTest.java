package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppSnapshotClientTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private static AppSnapshotClient client(int port, String path) {
        return new AppSnapshotClient("127.0.0.1", port, path, TIMEOUT, TIMEOUT);
    }

    @Test
    void aGetStreamsTheAnswerToTheFileAndSendsThePosition() throws Exception {
        try (TestApp app = new TestApp()) {
            Path file = dir.resolve("got");
            client(app.port(), "/snapshot").get(42, file);

            assertThat(Files.readString(file)).isEqualTo("GET /snapshot ");
            assertThat(app.seen()).singleElement().satisfies(s -> {
                assertThat(s.header(HeaderRules.POSITION)).isEqualTo("42");
                assertThat(s.header("host")).isEqualTo("127.0.0.1:" + app.port());
            });
        }
    }

    @Test
    void aPutSendsTheWholeFile() throws Exception {
        try (TestApp app = new TestApp()) {
            Path file = dir.resolve("state");
            Files.writeString(file, "s".repeat(3 * 1024 * 1024));
            client(app.port(), "/snapshot").put(7, file);

            assertThat(app.seen()).singleElement().satisfies(s -> {
                assertThat(s.method()).isEqualTo("PUT");
                assertThat(s.header(HeaderRules.POSITION)).isEqualTo("7");
                assertThat(s.body()).hasSize(3 * 1024 * 1024);
            });
        }
    }

    @Test
    void anAnswerOtherThanSuccessIsAnErrorThatSaysWhatTheAppAnswered() throws Exception {
        try (TestApp app = new TestApp()) {
            AppSnapshotClient failing = client(app.port(), "/status/503");
            Path file = Files.writeString(dir.resolve("state"), "state");

            assertThatThrownBy(() -> failing.get(1, dir.resolve("got")))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("503 to GET /status/503");
            assertThatThrownBy(() -> failing.put(1, file))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("503 to PUT /status/503: PUT /status/503 state");
        }
    }

    @Test
    void noAppListeningIsAConnectFailure() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path file = Files.write(dir.resolve("state"), "x".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> client(port, "/snapshot").put(1, file)).isInstanceOf(ConnectException.class);
    }
}
