package io.koordinator.proxy;

import io.koordinator.sequencer.Sequencer;
import io.koordinator.sequencer.SequencerConfig;
import io.koordinator.sequencer.zk.ZkSequencer;

/** Builds the ZooKeeper sequencer the {@code proxy} subcommand runs on. */
final class SequencerFactory {
    private SequencerFactory() {}

    static Sequencer zooKeeper(SequencerConfig config) {
        return new ZkSequencer(config);
    }
}
