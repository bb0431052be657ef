package io.koordinator.sequencer.zk;

import io.koordinator.sequencer.Sequencer;
import io.koordinator.sequencer.SequencerConfig;
import io.koordinator.sequencer.SequencerContract;
import java.time.Duration;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class ZkSequencerIT extends SequencerContract {
    private static TestingServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestingServer(true);
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    static SequencerConfig config(String connectString, String group, String replicaId) {
        return SequencerConfig.defaults(connectString, group, replicaId)
                .withRoot("/it")
                .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(3));
    }

    @Override
    protected Sequencer newSequencer(String group, String replicaId) throws Exception {
        ZkSequencer s = new ZkSequencer(config(server.getConnectString(), group, replicaId));
        s.start();
        return s;
    }

    @Override
    protected void breakConnection() throws Exception {
        server.stop();
    }

    @Override
    protected void restoreConnection() throws Exception {
        server.restart();
    }
}
