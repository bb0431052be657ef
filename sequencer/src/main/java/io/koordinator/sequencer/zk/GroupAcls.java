package io.koordinator.sequencer.zk;

import io.koordinator.sequencer.SequencerConfig;
import io.koordinator.sequencer.ZkCredentials;
import io.koordinator.sequencer.ZkTls;
import java.util.Collections;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;

/**
 * The ACLs of a group whose proxies hold digest credentials: the group's node and everything under
 * it belong to the credentials that created them ({@link ZooDefs.Ids#CREATOR_ALL_ACL}), so a
 * client with other credentials or none can neither read nor write them. The root and its parents,
 * which every group shares, get read and create for anyone and nothing else: no group can delete,
 * rewrite or re-ACL another's node (deleting a group node also needs rights on its non-empty
 * subtree, which only its own credentials have).
 */
final class GroupAcls implements ACLProvider {
    // Not List.of: ZooKeeper's client asks the list whether it contains null, which List.of refuses.
    static final List<ACL> SHARED_PARENTS = Collections.unmodifiableList(Collections.singletonList(
            new ACL(ZooDefs.Perms.READ | ZooDefs.Perms.CREATE, ZooDefs.Ids.ANYONE_ID_UNSAFE)));

    private final String groupPath;

    GroupAcls(String groupPath) {
        this.groupPath = groupPath;
    }

    @Override
    public List<ACL> getDefaultAcl() {
        return ZooDefs.Ids.CREATOR_ALL_ACL;
    }

    @Override
    public List<ACL> getAclForPath(String path) {
        return path.equals(groupPath) || path.startsWith(groupPath + "/")
                ? ZooDefs.Ids.CREATOR_ALL_ACL
                : SHARED_PARENTS;
    }

    /**
     * The Curator client for {@code config}: with credentials, it authenticates with them and
     * creates the group's nodes for them alone ({@link GroupAcls}); with TLS, it connects to
     * ZooKeeper's secure client port ({@link ZkTls#clientConfig()}).
     */
    static CuratorFramework newClient(SequencerConfig config) {
        CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder()
                .connectString(config.connectString())
                .sessionTimeoutMs((int) config.sessionTimeout().toMillis())
                .connectionTimeoutMs((int) config.connectionTimeout().toMillis())
                .retryPolicy(new BoundedExponentialBackoffRetry(100, 1000, 3));
        ZkCredentials credentials = config.credentials();
        if (credentials != null) {
            builder.authorization("digest", credentials.authBytes()).aclProvider(new GroupAcls(config.groupPath()));
        }
        if (config.tls() != null) {
            builder.zkClientConfig(config.tls().clientConfig());
        }
        return builder.build();
    }

    /** Whether {@code path} (a group created before it had credentials) is readable by anyone. */
    static boolean readableByAnyone(CuratorFramework client, String path) throws Exception {
        return client.getACL().forPath(path).stream()
                .anyMatch(acl ->
                        acl.getId().equals(ZooDefs.Ids.ANYONE_ID_UNSAFE) && (acl.getPerms() & ZooDefs.Perms.READ) != 0);
    }
}
