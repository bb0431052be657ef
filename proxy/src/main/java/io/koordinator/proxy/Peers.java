package io.koordinator.proxy;

import io.koordinator.sequencer.ReplicaInfo;
import io.koordinator.sequencer.Sequencer;
import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peers a joining replica asks for state, the most advanced first: the other replicas of the
 * group that are ready and delivering. A peer that cannot serve (gone since it published itself,
 * no snapshot endpoints, no archive, an archive that starts too late) answers with an {@link
 * IOException}, and the next one is asked.
 */
final class Peers {
    private static final Logger log = LoggerFactory.getLogger(Peers.class);

    /** No ready peer can serve now. */
    static final class NoPeerException extends Exception {
        NoPeerException(String message) {
            super(message);
        }
    }

    /** One request to one peer; an {@link IOException} means "ask the next one". */
    interface Ask<T> {
        T ask(ReplicaInfo peer) throws Exception;
    }

    private Peers() {}

    static <T> T first(Sequencer sequencer, ProxyConfig config, String what, Ask<T> ask) throws Exception {
        List<ReplicaInfo> peers = sequencer.replicas().stream()
                .filter(r -> !r.replicaId().equals(config.replicaId()))
                .filter(r -> r.ready() && ReplicaState.DELIVERING.name().equals(r.state()))
                .sorted(Comparator.comparingLong(ReplicaInfo::appliedPosition).reversed())
                .toList();
        if (peers.isEmpty()) {
            throw new NoPeerException("no ready peer to transfer from");
        }
        IOException last = null;
        for (ReplicaInfo peer : peers) {
            try {
                return ask.ask(peer);
            } catch (IOException e) {
                last = e;
                log.debug("{} peer {} cannot serve {}: {}", config.logId(), peer.replicaId(), what, e.toString());
            }
        }
        throw new NoPeerException("no ready peer could serve " + what + " (last: " + last.getMessage() + ")");
    }
}
