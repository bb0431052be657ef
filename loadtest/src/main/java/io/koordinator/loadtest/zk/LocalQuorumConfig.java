package io.koordinator.loadtest.zk;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link LocalQuorum}.
 *
 * @param servers number of servers, 1 (standalone) or more (a quorum)
 * @param basePort 0 to pick free ports; otherwise server {@code i} (0-based) of {@code n} uses
 *     client port {@code basePort + i}, quorum port {@code basePort + n + i} and election port
 *     {@code basePort + 2n + i}
 * @param dataDir parent of the servers' data directories ({@code server-1}, ...), kept on close;
 *     {@code null}: a temporary directory, deleted on close
 * @param bindAddress address the client ports bind to
 * @param advertisedAddress address written in the connect string
 * @param tickTime ZooKeeper's tick; sessions may last 2 to 20 ticks
 * @param startTimeout how long {@link LocalQuorum#start()} waits for every server to serve
 * @param member 0: run every server; {@code i}: run only server {@code i} (1-based) of the
 *     ensemble, the others being other processes with the same base port and data directory
 * @param maxSessionTimeout the longest session the servers grant (ZooKeeper's {@code
 *     maxSessionTimeout}); null: ZooKeeper's default of 20 ticks
 * @param tlsDir null: plain TCP only; otherwise a directory where {@link LocalQuorum#start()}
 *     writes a CA, the servers' and a client's certificate ({@link LocalZkCertificates}), and each
 *     server serves TLS on a second, secure-only client port as well ({@code basePort + 3n + i})
 */
public record LocalQuorumConfig(
        int servers,
        int basePort,
        Path dataDir,
        String bindAddress,
        String advertisedAddress,
        Duration tickTime,
        Duration startTimeout,
        int member,
        Duration maxSessionTimeout,
        Path tlsDir) {

    public LocalQuorumConfig {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(advertisedAddress, "advertisedAddress");
        Objects.requireNonNull(tickTime, "tickTime");
        Objects.requireNonNull(startTimeout, "startTimeout");
        if (servers < 1 || servers > 9) {
            throw new IllegalArgumentException("servers must be in [1, 9]: " + servers);
        }
        if (basePort < 0 || basePort + 4 * servers > 65535) {
            throw new IllegalArgumentException("basePort must be 0 or leave room for 4 ports per server: " + basePort);
        }
        if (member < 0 || member > servers) {
            throw new IllegalArgumentException("member must be in [0, " + servers + "]: " + member);
        }
        if (member != 0 && (basePort == 0 || dataDir == null)) {
            throw new IllegalArgumentException("a single member needs a fixed base port and data directory");
        }
        if (tickTime.toMillis() < 10) {
            throw new IllegalArgumentException("tickTime must be at least 10ms: " + tickTime);
        }
    }

    /** {@code servers} servers on free loopback ports, in a temporary directory. */
    public static LocalQuorumConfig loopback(int servers) {
        return new LocalQuorumConfig(
                servers,
                0,
                null,
                "127.0.0.1",
                "127.0.0.1",
                Duration.ofMillis(1000),
                Duration.ofSeconds(60),
                0,
                null,
                null);
    }

    public LocalQuorumConfig withBasePort(int v) {
        return new LocalQuorumConfig(
                servers,
                v,
                dataDir,
                bindAddress,
                advertisedAddress,
                tickTime,
                startTimeout,
                member,
                maxSessionTimeout,
                tlsDir);
    }

    public LocalQuorumConfig withDataDir(Path v) {
        return new LocalQuorumConfig(
                servers,
                basePort,
                v,
                bindAddress,
                advertisedAddress,
                tickTime,
                startTimeout,
                member,
                maxSessionTimeout,
                tlsDir);
    }

    public LocalQuorumConfig withAddresses(String bind, String advertised) {
        return new LocalQuorumConfig(
                servers,
                basePort,
                dataDir,
                bind,
                advertised,
                tickTime,
                startTimeout,
                member,
                maxSessionTimeout,
                tlsDir);
    }

    public LocalQuorumConfig withMember(int v) {
        return new LocalQuorumConfig(
                servers,
                basePort,
                dataDir,
                bindAddress,
                advertisedAddress,
                tickTime,
                startTimeout,
                v,
                maxSessionTimeout,
                tlsDir);
    }

    public LocalQuorumConfig withMaxSessionTimeout(Duration v) {
        return new LocalQuorumConfig(
                servers, basePort, dataDir, bindAddress, advertisedAddress, tickTime, startTimeout, member, v, tlsDir);
    }

    public LocalQuorumConfig withTlsDir(Path v) {
        return new LocalQuorumConfig(
                servers,
                basePort,
                dataDir,
                bindAddress,
                advertisedAddress,
                tickTime,
                startTimeout,
                member,
                maxSessionTimeout,
                v);
    }
}
