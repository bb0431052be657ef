package io.koordinator.loadtest.zk;

import io.koordinator.loadtest.LoadtestConfigKeys;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code zookeeper}: runs a local ensemble, prints its connect string as the only line on
 * stdout once it serves (with {@code --tls-dir}, the secure port's connect string as a second
 * line), and runs until killed.
 */
@Command(
        name = "zookeeper",
        mixinStandardHelpOptions = true,
        description = {
            "Runs N real ZooKeeper servers (a quorum; N=1: standalone) in this JVM, fsync on.",
            "Prints the connect string as the only line on stdout once every server serves,",
            "then runs until killed, deleting its temporary data directory on exit."
        })
public final class ZookeeperCommand implements Callable<Integer> {
    @Option(
            names = "--servers",
            defaultValue = LoadtestConfigKeys.ZK_SERVERS_DEFAULT,
            description = "Number of servers, default ${DEFAULT-VALUE}.")
    int servers;

    @Option(
            names = "--base-port",
            defaultValue = "0",
            description = "Client ports P..P+N-1, quorum ports P+N.., election ports P+2N..; 0 (default): free ports.")
    int basePort;

    @Option(
            names = "--data-dir",
            description = "Keep the servers' data in DIR/server-<i> (kept on exit); default: a temporary directory.")
    Path dataDir;

    @Option(
            names = "--bind-address",
            defaultValue = "127.0.0.1",
            description = "Address the client ports bind to, default ${DEFAULT-VALUE}.")
    String bindAddress;

    @Option(
            names = "--advertised-address",
            description = "Address in the printed connect string; default: the bind address (127.0.0.1 for 0.0.0.0).")
    String advertisedAddress;

    @Option(
            names = "--member",
            defaultValue = "0",
            description = {
                "Run only server I (1-based) of the N; the others run in other processes started with the",
                "same --servers, --base-port and --data-dir. Default 0: all N in this JVM."
            })
    int member;

    @Option(
            names = "--max-session-timeout",
            description = "Longest session the servers grant (500ms, 6s); default ZooKeeper's 20 ticks (20s).")
    Duration maxSessionTimeout;

    @Option(
            names = "--tls-dir",
            description = {
                "Write a CA, the servers' and a client's certificate (ca.crt, tls.crt, tls.key) into DIR and serve",
                "TLS on a second, secure-only client port per server; its connect string is the second line on stdout."
            })
    Path tlsDir;

    @Override
    public Integer call() throws Exception {
        String advertised = advertisedAddress != null
                ? advertisedAddress
                : bindAddress.equals("0.0.0.0") ? "127.0.0.1" : bindAddress;
        LocalQuorum quorum = new LocalQuorum(LocalQuorumConfig.loopback(servers)
                .withBasePort(basePort)
                .withDataDir(dataDir)
                .withAddresses(bindAddress, advertised)
                .withMember(member)
                .withMaxSessionTimeout(maxSessionTimeout)
                .withTlsDir(tlsDir));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            quorum.close();
                            stopped.countDown();
                        },
                        "zookeeper-shutdown"));
        quorum.start();
        System.out.println(quorum.connectString());
        if (tlsDir != null) {
            System.out.println(quorum.secureConnectString());
        }
        System.out.flush();
        stopped.await();
        return 0;
    }
}
