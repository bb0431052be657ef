package io.koordinator.sequencer.zk;

import io.koordinator.sequencer.ReplicaInfo;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica's ephemeral {@code replicas/<replica-id>} node: created once registered and
 * connected, re-created after a session expiry, its data rewritten every second when the replica's
 * state changed. Data is one JSON object: {@code {"replicaId":..,"address":..,"appliedPosition":..,
 * "ready":..}}.
 *
 * <p>Threading: {@link #register} from any thread; {@link #tick} on the sequencer's timer thread,
 * which owns the rest.
 */
final class ReplicaRegistry {
    private static final Logger log = LoggerFactory.getLogger(ReplicaRegistry.class);

    private final ZkSequencer owner;
    private volatile Supplier<ReplicaInfo> progress; // set by register(), any thread
    private volatile String path; // set by register()
    private volatile boolean needsCreate = true; // also set on Curator's event thread
    private byte[] written; // timer thread
    private boolean warnedForeignNode; // timer thread

    ReplicaRegistry(ZkSequencer owner) {
        this.owner = owner;
    }

    void register(ReplicaInfo info, Supplier<ReplicaInfo> progress) {
        String id = info.replicaId();
        if (id == null || id.isEmpty() || id.contains("/")) {
            throw new IllegalArgumentException("replica id must be one non-empty path segment: " + id);
        }
        String newPath = owner.layout.replicaPath(id);
        String oldPath = this.path;
        if (oldPath != null && !oldPath.equals(newPath)) {
            // registered again under another id: the old node goes, the new one is created
            deleteQuietly(oldPath);
            needsCreate = true;
        }
        this.path = newPath;
        this.progress = () -> {
            ReplicaInfo now = progress.get();
            return now == null ? info : now;
        };
        try {
            owner.timer().execute(this::tick);
        } catch (RejectedExecutionException e) {
            // closed: nothing to publish
        }
    }

    /** The old session's ephemeral node is gone. */
    void sessionReplaced() {
        needsCreate = true;
    }

    void tick() {
        Supplier<ReplicaInfo> source = progress;
        if (source == null || !owner.isConnected() || owner.closed()) {
            return;
        }
        try {
            byte[] data = json(source.get());
            if (needsCreate) {
                create(data);
            } else if (!Arrays.equals(data, written)) {
                owner.client.setData().forPath(path, data);
                written = data;
            }
        } catch (KeeperException.NoNodeException e) {
            needsCreate = true;
        } catch (Exception e) {
            log.debug("{} updating {} failed, retrying: {}", owner.identity, path, e.toString());
        }
    }

    private void create(byte[] data) throws Exception {
        try {
            owner.client
                    .create()
                    .creatingParentsIfNeeded()
                    .withMode(CreateMode.EPHEMERAL)
                    .forPath(path, data);
            log.info("{} registered replica at {}", owner.identity, path);
        } catch (KeeperException.NodeExistsException e) {
            Stat stat = owner.client.checkExists().forPath(path);
            if (stat == null) {
                return; // vanished meanwhile: create on the next tick
            }
            if (stat.getEphemeralOwner() != owner.sessionId()) {
                if (!warnedForeignNode) {
                    warnedForeignNode = true;
                    log.warn(
                            "{} {} belongs to another session (an earlier instance?); waiting for it to expire",
                            owner.identity,
                            path);
                }
                return;
            }
            owner.client.setData().forPath(path, data);
        }
        written = data;
        needsCreate = false;
        warnedForeignNode = false;
    }

    /**
     * Stops updating; with {@code deleteNode} (the client stays open, so its ephemeral node would
     * stay too) deletes the node in the background.
     */
    void close(boolean deleteNode) {
        boolean wasRegistered = progress != null;
        progress = null;
        if (deleteNode && wasRegistered && !needsCreate) {
            deleteQuietly(path);
        }
    }

    private void deleteQuietly(String nodePath) {
        try {
            owner.client.delete().inBackground().forPath(nodePath);
        } catch (Exception e) {
            log.debug("{} deleting {} failed: {}", owner.identity, nodePath, e.toString());
        }
    }

    static byte[] json(ReplicaInfo info) {
        return ("{\"replicaId\":" + quote(info.replicaId()) + ",\"address\":" + quote(info.address())
                        + ",\"appliedPosition\":" + info.appliedPosition() + ",\"ready\":" + info.ready() + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
