package io.koordinator.proxy;

import io.koordinator.sequencer.Sequencer;

/** Builds the linearizable read path for tests of the filter chain that never reach it. */
final class LinearizablePaths {
    private LinearizablePaths() {}

    static LinearizablePath path(ProxyConfig config, Sequencer sequencer, UpstreamClient upstream) {
        return new LinearizablePath(
                config,
                new SharedBarrier(sequencer::readBarrier),
                new PassThroughPath(upstream, config),
                () -> null,
                () -> Long.MAX_VALUE,
                () -> null,
                new ProxyMetrics());
    }
}
