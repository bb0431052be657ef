package io.koordinator.proxy.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Which incarnation of the app is running: the inode of the socket listening on the app's port,
 * read from {@code /proc/net/tcp} and {@code /proc/net/tcp6}. The containers of a pod share one
 * network namespace, so the proxy sees the app's listener without any privilege; a restarted app
 * listens on a new socket with a new inode. The same holds for local runs on one host.
 *
 * <p>Stateless and thread-safe; each call reads {@code /proc}.
 */
public final class AppIncarnation {
    private static final String LISTEN = "0A";

    private final Path procNet;

    public AppIncarnation() {
        this(Path.of("/proc/net"));
    }

    AppIncarnation(Path procNet) {
        this.procNet = procNet;
    }

    /** True where {@code /proc/net/tcp} exists (Linux), so restarts can be detected. */
    public boolean available() {
        return Files.isReadable(procNet.resolve("tcp"));
    }

    /**
     * The inode of a socket listening on {@code port} (any local address), or empty while none
     * listens. Where several listen (IPv4 and IPv6, or SO_REUSEPORT), the lowest inode.
     */
    public OptionalLong of(int port) {
        long best = Long.MAX_VALUE;
        String hexPort = String.format(Locale.ROOT, ":%04X", port);
        for (String file : new String[] {"tcp", "tcp6"}) {
            List<String> lines;
            try {
                lines = Files.readAllLines(procNet.resolve(file));
            } catch (NoSuchFileException e) {
                continue;
            } catch (IOException e) {
                continue;
            }
            for (int i = 1; i < lines.size(); i++) {
                String[] f = lines.get(i).trim().split("\\s+");
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                if (f.length < 10 || !LISTEN.equals(f[3]) || !f[1].endsWith(hexPort)) {
                    continue;
                }
                try {
                    long inode = Long.parseLong(f[9]);
                    if (inode != 0) {
                        best = Math.min(best, inode);
                    }
                } catch (NumberFormatException e) {
                    // not a line of the table
                }
            }
        }
        return best == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(best);
    }
}
