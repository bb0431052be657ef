package io.koordinator.loadtest.zk;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks free TCP ports for servers started later by another process. The ports come from below
 * the kernel's ephemeral range, so neither an outgoing connection's local port nor another
 * program binding port 0 can take one between the pick and the bind (a port picked with port 0
 * can be, on a busy machine). Each pick is checked by binding it.
 */
public final class FreePorts {
    /** Lowest port handed out. */
    static final int FLOOR = 10_000;

    private FreePorts() {}

    /** {@code n} distinct ports, each free at the time of the call. */
    public static int[] pick(int n) throws IOException {
        int ceiling = ephemeralLow() - 1;
        if (ceiling - FLOOR < 1000) {
            return viaPortZero(n);
        }
        List<ServerSocket> held = new ArrayList<>();
        int[] ports = new int[n];
        try {
            int found = 0;
            for (int attempt = 0; found < n && attempt < 100 * n; attempt++) {
                int candidate = ThreadLocalRandom.current().nextInt(FLOOR, ceiling + 1);
                try {
                    ServerSocket s = new ServerSocket();
                    s.setReuseAddress(false);
                    try {
                        s.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), candidate));
                    } catch (IOException e) {
                        s.close();
                        continue;
                    }
                    held.add(s);
                    ports[found++] = candidate;
                } catch (IOException e) {
                    // try another
                }
            }
            if (found < n) {
                throw new IOException("found only " + found + " of " + n + " free ports below " + ceiling);
            }
            return ports;
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }

    /** The first of {@code n} consecutive ports, each free at the time of the call. */
    public static int pickConsecutive(int n) throws IOException {
        int ceiling = ephemeralLow() - 1;
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(FLOOR, ceiling - n + 1);
            List<ServerSocket> held = new ArrayList<>();
            try {
                for (int p = base; p < base + n; p++) {
                    ServerSocket s = new ServerSocket();
                    held.add(s);
                    s.setReuseAddress(false);
                    s.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), p));
                }
                return base;
            } catch (IOException e) {
                // one of them is taken: another base
            } finally {
                for (ServerSocket s : held) {
                    s.close();
                }
            }
        }
        throw new IOException("found no " + n + " consecutive free ports below " + ceiling);
    }

    private static int[] viaPortZero(int n) throws IOException {
        int[] ports = new int[n];
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0);
                held.add(s);
                ports[i] = s.getLocalPort();
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
        return ports;
    }

    /** The low end of {@code net.ipv4.ip_local_port_range}, 32768 if unknown. */
    static int ephemeralLow() {
        // readLine, not Files.readString: procfs reports a size of 0 and readString comes back short.
        try (BufferedReader r = Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
            return Integer.parseInt(r.readLine().trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32768;
        }
    }
}
