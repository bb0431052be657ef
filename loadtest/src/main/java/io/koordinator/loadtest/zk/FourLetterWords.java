package io.koordinator.loadtest.zk;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * ZooKeeper's four-letter words over a plain socket (no client session, so no reconnect noise).
 *
 * @see <a href="https://zookeeper.apache.org/doc/r3.9.3/zookeeperAdmin.html#sc_4lw">4lw</a>
 */
public final class FourLetterWords {
    private FourLetterWords() {}

    /** The {@code Mode:} line of {@code srvr} (leader, follower, standalone), or null if not serving. */
    public static String mode(String host, int port) {
        String reply = send(host, port, "srvr");
        if (reply == null) {
            return null;
        }
        for (String line : reply.split("\n")) {
            if (line.startsWith("Mode: ")) {
                return line.substring("Mode: ".length()).trim();
            }
        }
        return null;
    }

    /** A numeric line {@code <name>\t<value>} of {@code mntr}, or -1 if not serving or absent. */
    public static long monitor(String host, int port, String name) {
        String reply = send(host, port, "mntr");
        if (reply == null) {
            return -1;
        }
        for (String line : reply.split("\n")) {
            String[] kv = line.split("\t");
            if (kv.length == 2 && kv[0].equals(name)) {
                try {
                    return Long.parseLong(kv[1].trim());
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    static String send(String host, int port, String word) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 1000);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write(word.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }
}
