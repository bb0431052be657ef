package io.koordinator.cli;

import io.koordinator.sequencer.zk.ZkGroupReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.zookeeper.KeeperException;

/**
 * A short-lived ZooKeeper client for one operator command, connected within {@code
 * --connect-timeout} or failing with one sentence, with the group's existence checked before
 * anything else is read. ZooKeeper's and Curator's own log lines are silenced while it is open:
 * the command's sentence says what went wrong.
 *
 * <p>Threading: the command's thread only.
 */
final class GroupConnection implements AutoCloseable {
    private static final String[] NOISY = {"org.apache.zookeeper", "org.apache.curator"};

    private final GroupOptions.Settings settings;
    private final CuratorFramework client;
    private final Level[] levels = new Level[NOISY.length];

    private GroupConnection(GroupOptions.Settings settings, CuratorFramework client) {
        this.settings = settings;
        this.client = client;
    }

    /** Connects and checks that the group exists. */
    static GroupConnection open(GroupOptions.Settings settings) throws CliFailure, InterruptedException {
        int timeoutMs = (int) Math.max(1, settings.connectTimeout().toMillis());
        CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder()
                .connectString(settings.config().connectString())
                .connectionTimeoutMs(timeoutMs)
                .sessionTimeoutMs(Math.max(timeoutMs * 2, 10_000))
                .retryPolicy(new RetryOneTime(100));
        if (settings.credentials() != null) {
            builder.authorization("digest", settings.credentials().getBytes(StandardCharsets.UTF_8));
        }
        if (settings.config().tls() != null) {
            builder.zkClientConfig(settings.config().tls().clientConfig());
        }
        GroupConnection connection = new GroupConnection(settings, builder.build());
        connection.quiet();
        try {
            try {
                connection.client.start();
            } catch (RuntimeException e) {
                throw connection.unreachable(); // e.g. no host of the connect string resolves
            }
            if (!connection.client.blockUntilConnected(timeoutMs, TimeUnit.MILLISECONDS)) {
                throw connection.unreachable();
            }
            connection.call(() -> {
                if (!connection.reader().exists()) {
                    throw new CliFailure(
                            CliFailure.UNKNOWN_GROUP,
                            "There is no group '" + settings.config().group() + "' under "
                                    + settings.config().root() + " at ZooKeeper "
                                    + settings.config().connectString() + ".");
                }
                return null;
            });
            return connection;
        } catch (CliFailure | InterruptedException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /** A reader of the group's subtree. */
    ZkGroupReader reader() {
        return new ZkGroupReader(
                client, settings.config(), settings.connectTimeout().multipliedBy(6));
    }

    /** A read of the group's subtree. */
    interface Read<T> {
        T run() throws Exception;
    }

    /** Runs {@code read}, turning what ZooKeeper answered into one sentence. */
    <T> T call(Read<T> read) throws CliFailure, InterruptedException {
        try {
            return read.run();
        } catch (CliFailure | InterruptedException e) {
            throw e;
        } catch (KeeperException.NoAuthException e) {
            throw new CliFailure(
                    CliFailure.ACCESS_REFUSED,
                    "ZooKeeper refused access to " + e.getPath() + " "
                            + (settings.credentials() == null
                                    ? "without credentials (give --zk-credentials)."
                                    : "with the given credentials."));
        } catch (KeeperException.AuthFailedException e) {
            throw new CliFailure(CliFailure.ACCESS_REFUSED, "ZooKeeper did not accept the credentials.");
        } catch (KeeperException.ConnectionLossException
                | KeeperException.SessionExpiredException
                | TimeoutException e) {
            throw unreachable();
        } catch (Exception e) {
            throw new CliFailure(CliFailure.OTHER, "Reading the group failed: " + e.getMessage());
        }
    }

    private CliFailure unreachable() {
        return new CliFailure(
                CliFailure.UNREACHABLE,
                "Cannot reach ZooKeeper at " + settings.config().connectString() + " within "
                        + settings.connectTimeout().toMillis() + " ms over "
                        + (settings.config().tls() == null ? "plain TCP." : "TLS (or a certificate was refused)."));
    }

    private void quiet() {
        for (int i = 0; i < NOISY.length; i++) {
            levels[i] = LogManager.getLogger(NOISY[i]).getLevel();
            Configurator.setLevel(NOISY[i], Level.OFF);
        }
    }

    /** Closes the client and gives ZooKeeper's and Curator's loggers their levels back. Never throws. */
    @Override
    public void close() {
        client.close();
        for (int i = 0; i < NOISY.length; i++) {
            Configurator.setLevel(NOISY[i], levels[i]);
        }
    }
}
