package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.proxy.state.StateStore;
import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.MemorySequencer;
import io.koordinator.sequencer.RequestId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one command in doubt: the journal recorded that a command went to the app, and the proxy
 * died before the answer was recorded. Whatever kind the app is, the replica is not ready until
 * that command is resolved, and it is never silently applied twice.
 */
class InDoubtTest {
    @TempDir
    Path stateDir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        open.add(c);
        return c;
    }

    /** A log holding one command, and a state directory whose journal ends with its INTENT. */
    private MemorySequencer.Log logWithACommandInDoubt(ProxyConfig config) throws Exception {
        MemorySequencer.Log log = new MemorySequencer.Log();
        byte[] request = RequestCodec.encode(new RequestData("POST", "/in-doubt", List.of(), new byte[0]));
        Command command = new Command(new RequestId("r1", 1), System.currentTimeMillis(), null, request);
        long position;
        try (MemorySequencer writer = new MemorySequencer(log, config.sequencerConfig())) {
            writer.start();
            position = writer.append(command).get();
        }
        StateStore store = StateStore.in(stateDir, config.sequencerConfig().dedupWindow());
        store.load();
        store.intent(position, command);
        store.close();
        return log;
    }

    @Test
    void aMemoryOnlyAppWithACommandInDoubtStaysOutOfServiceAndSaysWhatFixesIt() throws Exception {
        TestApp app = closeLater(new TestApp());
        ProxyConfig config = Proxies.config("r1", app.port(), Map.of(Key.STATE_DIR, stateDir.toString()));
        MemorySequencer.Log log = logWithACommandInDoubt(config);

        ProxyServer proxy = closeLater(Proxies.start(config, log));

        // Then it is stopped with the command and the remedy named, never ready, and the app got nothing
        await().atMost(Duration.ofSeconds(30))
                .until(() -> proxy.notReadyReason().orElse("").contains("may have reached the app"));
        assertThat(proxy.notReadyReason().orElseThrow()).contains("STOPPED").contains("restart the app container");
        long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (System.nanoTime() < until) {
            assertThat(proxy.isReady()).isFalse();
            Thread.onSpinWait();
        }
        assertThat(app.seen()).isEmpty();
    }

    @Test
    void aPositionAwareAppGetsTheCommandInDoubtAgainMarkedAsARedelivery() throws Exception {
        TestApp app = closeLater(new TestApp());
        ProxyConfig config = Proxies.config(
                "r1", app.port(), Map.of(Key.STATE_DIR, stateDir.toString(), Key.APP_KIND, "position-aware"));
        MemorySequencer.Log log = logWithACommandInDoubt(config);

        ProxyServer proxy = closeLater(Proxies.start(config, log));

        // Then the command goes to the app once more, marked, and the replica is ready after it
        await().atMost(Duration.ofSeconds(30)).until(proxy::isReady);
        assertThat(app.seen()).hasSize(1);
        assertThat(app.seen().get(0).uri()).isEqualTo("/in-doubt");
        assertThat(app.seen().get(0).header(HeaderRules.REDELIVERY)).isEqualTo("true");
    }
}
