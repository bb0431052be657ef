package io.koordinator.sequencer.zk;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;

/** One real ZooKeeper server and a plain client on it, for tests that look at the nodes themselves. */
record ServerWithClient(TestingServer server, CuratorFramework raw) implements AutoCloseable {
    static ServerWithClient start() throws Exception {
        TestingServer server = new TestingServer(true);
        CuratorFramework raw = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100));
        raw.start();
        raw.blockUntilConnected();
        return new ServerWithClient(server, raw);
    }

    @Override
    public void close() throws Exception {
        raw.close();
        server.close();
    }
}
