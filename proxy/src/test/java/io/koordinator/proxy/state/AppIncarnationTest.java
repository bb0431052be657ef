package io.koordinator.proxy.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The app's incarnation from real listening sockets on loopback and the real {@code /proc/net}:
 * a new listener is a new incarnation, and while the sentinel connection to the listener stays
 * open, {@code /proc} is not read again.
 */
class AppIncarnationTest {

    @Test
    void aListenerIsReadOnceWhileItsSentinelStaysOpen() throws Exception {
        assumeTrue(new AppIncarnation().available(), "needs /proc/net/tcp (Linux)");
        try (ServerSocket app = listen(0);
                AppIncarnation watch = new AppIncarnation()) {
            int port = app.getLocalPort();
            // given a listener (the first call reads /proc and opens the sentinel, the second
            // reads once more: its reading is taken after the sentinel connected)
            OptionalLong first = watch.watch(port);
            assertThat(first).isPresent();
            awaitSentinel(watch, port, first);
            long scans = watch.scans();

            // when it is asked a hundred times within the rescan interval
            for (int i = 0; i < 100; i++) {
                assertThat(watch.watch(port)).isEqualTo(first);
            }

            // then /proc was not read again
            assertThat(watch.scans()).isEqualTo(scans);
        }
    }

    @Test
    void anAppThatRestartsOnTheSamePortIsANewIncarnationAtTheNextCall() throws Exception {
        assumeTrue(new AppIncarnation().available(), "needs /proc/net/tcp (Linux)");
        try (AppIncarnation watch = new AppIncarnation()) {
            ServerSocket app = listen(0);
            int port = app.getLocalPort();
            List<Socket> accepted = new ArrayList<>();
            Thread acceptor = acceptAll(app, accepted);
            OptionalLong before = watch.watch(port);
            awaitSentinel(watch, port, before);

            // when the app exits (its listener and every connection it accepted close) and a new
            // one listens on the same port
            app.close();
            acceptor.join(5_000);
            synchronized (accepted) {
                for (Socket s : accepted) {
                    s.close();
                }
            }
            try (ServerSocket again = listen(port)) {
                // then the next call reads the new listener (the closed sentinel says so at once)
                OptionalLong after = watch.watch(port);
                assertThat(after).isPresent();
                assertThat(after).isNotEqualTo(before);
            }
        }
    }

    @Test
    void aListenerReplacedWhileTheSentinelStaysOpenIsSeenByOfAtOnceAndByWatchWithinTheRescan() throws Exception {
        assumeTrue(new AppIncarnation().available(), "needs /proc/net/tcp (Linux)");
        try (AppIncarnation watch = new AppIncarnation()) {
            // given an app whose accepted connections outlive its listener (as an in-process restart)
            ServerSocket app = listen(0);
            int port = app.getLocalPort();
            List<Socket> accepted = new ArrayList<>();
            Thread acceptor = acceptAll(app, accepted);
            OptionalLong before = watch.watch(port);
            awaitSentinel(watch, port, before);
            app.close();
            acceptor.join(5_000);
            try (ServerSocket again = listen(port)) {
                // then the exact reading sees the new listener at once
                OptionalLong now = watch.of(port);
                assertThat(now).isPresent().isNotEqualTo(before);
                // and the watch no later than its rescan interval
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(AppIncarnation.RESCAN_MILLIS + 2_000);
                while (!watch.watch(port).equals(now) && System.nanoTime() < deadline) {
                    TimeUnit.MILLISECONDS.sleep(50);
                }
                assertThat(watch.watch(port)).isEqualTo(now);
            } finally {
                synchronized (accepted) {
                    for (Socket s : accepted) {
                        s.close();
                    }
                }
            }
        }
    }

    @Test
    void nothingListeningIsEmptyAndReadEveryTime() throws Exception {
        assumeTrue(new AppIncarnation().available(), "needs /proc/net/tcp (Linux)");
        int port;
        try (ServerSocket s = listen(0)) {
            port = s.getLocalPort();
        }
        try (AppIncarnation watch = new AppIncarnation()) {
            assertThat(watch.watch(port)).isEmpty();
            assertThat(watch.watch(port)).isEmpty();
            assertThat(watch.scans()).isEqualTo(2);
        }
    }

    @Test
    void aTableWithoutAReachableListenerIsReadEveryTime(@TempDir Path dir) throws Exception {
        // given a /proc/net copy naming a listener on port 0x1F90 that nothing here serves
        Files.writeString(
                dir.resolve("tcp"),
                "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
                        + "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1\n");
        try (AppIncarnation watch = new AppIncarnation(dir)) {
            // then its inode is the incarnation, and with no sentinel every call reads the table
            for (int i = 0; i < 3; i++) {
                assertThat(watch.watch(0x1F90)).hasValue(4242);
                TimeUnit.MILLISECONDS.sleep(20);
            }
            assertThat(watch.scans()).isEqualTo(3);
        }
    }

    @Test
    void procAddressesAreDecodedInTheHostsByteOrder() throws Exception {
        assertThat(AppIncarnation.reachableAt("00000000")).isEqualTo(InetAddress.getByName("127.0.0.1"));
        assertThat(AppIncarnation.reachableAt("00000000000000000000000000000000"))
                .isEqualTo(InetAddress.getByName("::1"));
        if (java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN) {
            assertThat(AppIncarnation.reachableAt("0100007F")).isEqualTo(InetAddress.getByName("127.0.0.1"));
            assertThat(AppIncarnation.reachableAt("0A0013C6")).isEqualTo(InetAddress.getByName("198.19.0.10"));
            assertThat(AppIncarnation.reachableAt("00000000000000000000000001000000"))
                    .isEqualTo(InetAddress.getByName("::1"));
        }
    }

    private static ServerSocket listen(int port) throws Exception {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress("127.0.0.1", port));
        return s;
    }

    /** Accepts (and keeps) connections until the listener closes, as an app would. */
    private static Thread acceptAll(ServerSocket app, List<Socket> accepted) {
        Thread t = new Thread(() -> {
            while (!app.isClosed()) {
                try {
                    Socket s = app.accept();
                    synchronized (accepted) {
                        accepted.add(s);
                    }
                } catch (java.io.IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Calls until the sentinel is connected and a reading taken after it is kept (bounded). */
    private static void awaitSentinel(AppIncarnation watch, int port, OptionalLong expected) throws Exception {
        for (int i = 0; i < 100; i++) {
            long before = watch.scans();
            assertThat(watch.watch(port)).isEqualTo(expected);
            if (watch.scans() == before) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
        throw new AssertionError("the sentinel never connected");
    }
}
