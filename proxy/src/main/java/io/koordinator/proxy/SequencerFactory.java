package io.koordinator.proxy;

import io.koordinator.sequencer.Sequencer;
import io.koordinator.sequencer.SequencerConfig;

/** Builds the ZooKeeper sequencer the {@code proxy} subcommand runs on. */
final class SequencerFactory {
    static final String ZK_SEQUENCER = "io.koordinator.sequencer.zk.ZkSequencer";

    private SequencerFactory() {}

    static Sequencer zooKeeper(SequencerConfig config) {
        try {
            return (Sequencer) Class.forName(ZK_SEQUENCER)
                    .getConstructor(SequencerConfig.class)
                    .newInstance(config);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the ZooKeeper sequencer is not available in this build: " + e, e);
        }
    }
}
