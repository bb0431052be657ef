package io.koordinator.sequencer.zk;

import io.koordinator.sequencer.ReplicaInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * This replica's ephemeral {@code replicas/<replica-id>} node: created once registered and
 * connected, re-created after a session expiry, its data rewritten every second when the replica's
 * state changed. Data is one JSON object, the fields of {@link ReplicaInfo}.
 *
 * <p>Threading: {@link #register} from any thread; {@link #tick} on the sequencer's timer thread,
 * which owns the rest.
 */
final class ReplicaRegistry {
    private static final Logger log = LoggerFactory.getLogger(ReplicaRegistry.class);
    /** Unknown fields are ignored, so replicas of a newer version can publish more. */
    static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

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
        return JSON.writeValueAsBytes(info);
    }

    static ReplicaInfo parse(byte[] data) {
        return JSON.readValue(data, ReplicaInfo.class);
    }

    /** Every registered replica, as it last published itself; skips nodes that vanish or do not parse. */
    List<ReplicaInfo> readAll() throws Exception {
        return readAll(false);
    }

    /**
     * Every registered replica; with {@code strict}, a node that does not parse throws instead of
     * being skipped (compaction must not overlook a live replica it cannot read).
     */
    List<ReplicaInfo> readAll(boolean strict) throws Exception {
        List<ReplicaInfo> all = new ArrayList<>();
        for (String child : owner.client.getChildren().forPath(owner.layout.replicasPath())) {
            try {
                all.add(parse(owner.client.getData().forPath(owner.layout.replicaPath(child))));
            } catch (KeeperException.NoNodeException e) {
                // gone meanwhile
            } catch (JacksonException e) {
                if (strict) {
                    throw new IllegalStateException("replica node " + child + " does not parse", e);
                }
                log.debug("{} replica node {} does not parse: {}", owner.identity, child, e.toString());
            }
        }
        return all;
    }
}
