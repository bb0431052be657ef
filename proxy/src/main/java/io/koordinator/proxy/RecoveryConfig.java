package io.koordinator.proxy;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Settings of checkpointing and recovery; see {@link ProxyConfigKeys} for each one's flag.
 *
 * @param stateDir directory of the durable checkpoint, or {@code null} for none (a temporary one)
 * @param appKind how the app keeps its state
 * @param transferToken the group's state-transfer token, or {@code null} to use the generated one
 * @param resyncOnDivergence whether a diverged minority replica re-syncs from a peer
 * @param digestInterval deliveries between published digests, 0 for never
 * @param responseCacheEntries responses to {@code Idempotency-Key} commands kept
 * @param syncInterval group commit of the journal
 * @param checkpointInterval how often a full checkpoint replaces the journal
 * @param archiveMaxBytes bound of the log archive, 0 when none is kept (always 0 for an app with
 *     snapshot endpoints: a snapshot stands in for the log before it)
 */
public record RecoveryConfig(
        Path stateDir,
        AppKind appKind,
        String transferToken,
        boolean resyncOnDivergence,
        int digestInterval,
        int responseCacheEntries,
        Duration syncInterval,
        Duration checkpointInterval,
        long archiveMaxBytes) {
    /** Whether this replica keeps a log archive. */
    public boolean archives() {
        return archiveMaxBytes > 0;
    }
}
