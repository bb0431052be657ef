package io.koordinator.proxy.state;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Which incarnation of the app is running: the inode of the socket listening on the app's port,
 * read from {@code /proc/net/tcp} and {@code /proc/net/tcp6}. The containers of a pod share one
 * network namespace, so the proxy sees the app's listener without any privilege; a restarted app
 * listens on a new socket with a new inode. The same holds for local runs on one host.
 *
 * <p>Reading those files costs the kernel a walk of its whole established-socket hash, which is
 * sized by the node's memory and shared by every namespace: about 3.7 ms per file on a host with
 * 262,144 buckets, more on bigger nodes, whatever the pod's own sockets. {@link #of} reads them
 * every time: it is exact, and is what every decision uses (the veto of a new upstream connection,
 * recovery). {@link #watch}, for the replica's periodic check, reads them less often: once a
 * listener is found, a <em>sentinel</em> is opened to it, one idle TCP connection that never sends
 * anything. While the sentinel stays open, the process that accepted it still runs and the last
 * reading stands, for at most {@value #RESCAN_MILLIS} ms; when the app exits, the kernel closes
 * its end and the next call reads {@code /proc} again. The reading kept is always one taken after
 * the sentinel connected, so a restart between the two cannot be missed. Where no sentinel can be
 * opened (nothing listens, the connection is refused or not finished yet), every call reads
 * {@code /proc}.
 *
 * <p>What the sentinel cannot see is a listener replaced while the process that accepted the
 * sentinel lives on and keeps it open (an app that reopens its listener in-process): {@link
 * #watch} sees that within {@value #RESCAN_MILLIS} ms, {@link #of} at once, so a new upstream
 * connection to such a listener is still vetoed. Before the sentinel, the proxy read {@code /proc}
 * on every periodic check, ten a second.
 *
 * <p>Thread-safe: calls are serialised; a call that reads {@code /proc} holds the others for that
 * long. The sentinel's connect is non-blocking, and checking it is one non-blocking read.
 */
public final class AppIncarnation implements AutoCloseable {
    /** The longest a reading is kept while its sentinel stays open. */
    static final long RESCAN_MILLIS = 1_000;

    private static final String LISTEN = "0A";

    private final Path procNet;
    // All guarded by this.
    private int port = -1;
    private SocketChannel sentinel;
    private boolean sentinelConnected;
    /** The last reading, valid for reuse only if taken after the sentinel connected. */
    private Listener last;

    private boolean lastAfterConnect;
    private long lastNanos;
    private long scans;
    private boolean closed;

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
     * listens. Where several listen (IPv4 and IPv6, or SO_REUSEPORT), the lowest inode. Reads
     * {@code /proc} every time.
     */
    public synchronized OptionalLong of(int port) {
        return read(port, false);
    }

    /**
     * {@link #of} for a periodic check: the last reading while the sentinel says the app is still
     * there, at most {@value #RESCAN_MILLIS} ms old; a fresh one otherwise. Only a listener is
     * ever reused: an empty answer is always a fresh reading.
     */
    public synchronized OptionalLong watch(int port) {
        return read(port, true);
    }

    private OptionalLong read(int port, boolean mayReuse) {
        if (port != this.port) {
            closeSentinel();
            this.port = port;
        }
        if (sentinel != null && !sentinelStillOpen()) {
            closeSentinel();
        }
        long now = System.nanoTime();
        if (mayReuse
                && last != null
                && sentinelConnected
                && lastAfterConnect
                && now - lastNanos < TimeUnit.MILLISECONDS.toNanos(RESCAN_MILLIS)) {
            return OptionalLong.of(last.inode());
        }
        last = scan(port);
        lastNanos = now;
        lastAfterConnect = sentinelConnected;
        if (last != null && sentinel == null && !closed) {
            openSentinel(last);
        }
        return last == null ? OptionalLong.empty() : OptionalLong.of(last.inode());
    }

    /** Readings of {@code /proc} so far (for tests and the curious). */
    synchronized long scans() {
        return scans;
    }

    /** Closes the sentinel; later calls read {@code /proc} every time. Idempotent, never throws. */
    @Override
    public synchronized void close() {
        closed = true;
        closeSentinel();
    }

    /** A listening socket: its inode and where to reach it. */
    private record Listener(long inode, InetAddress address) {}

    private boolean sentinelStillOpen() {
        try {
            if (!sentinelConnected) {
                sentinelConnected = sentinel.finishConnect();
                return true;
            }
            // an idle connection reads nothing; -1 is the app's end closing, data is unexpected
            return sentinel.read(ByteBuffer.allocate(1)) == 0;
        } catch (IOException e) {
            return false;
        }
    }

    private void openSentinel(Listener l) {
        try {
            SocketChannel c = SocketChannel.open();
            c.configureBlocking(false);
            sentinel = c;
            sentinelConnected = c.connect(new InetSocketAddress(l.address(), port));
        } catch (IOException e) {
            closeSentinel();
        }
    }

    private void closeSentinel() {
        if (sentinel != null) {
            try {
                sentinel.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        sentinel = null;
        sentinelConnected = false;
        lastAfterConnect = false;
    }

    private Listener scan(int port) {
        scans++;
        Listener best = null;
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
                String line = lines.get(i);
                if (!line.contains(hexPort)) {
                    continue; // most lines: sockets that involve another port (splitting each one showed in profiles)
                }
                String[] f = line.trim().split("\\s+");
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                if (f.length < 10 || !LISTEN.equals(f[3]) || !f[1].endsWith(hexPort)) {
                    continue;
                }
                try {
                    long inode = Long.parseLong(f[9]);
                    if (inode != 0 && (best == null || inode < best.inode())) {
                        best = new Listener(inode, reachableAt(f[1].substring(0, f[1].indexOf(':'))));
                    }
                } catch (NumberFormatException | UnknownHostException e) {
                    // not a line of the table
                }
            }
        }
        return best;
    }

    /**
     * The address of a listener as {@code /proc/net/tcp*} prints it: hex, 32-bit words in the
     * host's byte order; the wildcard is reached on loopback.
     */
    static InetAddress reachableAt(String hex) throws UnknownHostException {
        if (hex.length() != 8 && hex.length() != 32) {
            throw new UnknownHostException("not an address: " + hex);
        }
        byte[] bytes = new byte[hex.length() / 2];
        ByteBuffer out = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
        for (int w = 0; w < hex.length(); w += 8) {
            out.putInt((int) Long.parseLong(hex.substring(w, w + 8), 16));
        }
        InetAddress a = InetAddress.getByAddress(bytes);
        if (a.isAnyLocalAddress()) {
            return a instanceof Inet6Address ? InetAddress.getByName("::1") : InetAddress.getByName("127.0.0.1");
        }
        return a;
    }
}
