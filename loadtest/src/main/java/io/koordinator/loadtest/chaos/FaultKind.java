package io.koordinator.loadtest.chaos;

/** The faults a chaos run injects, each healed after it has been held for a while. */
enum FaultKind {
    /** SIGKILL of a replica's proxy, then a restart with the same ports and replica id. */
    PROXY_KILL("proxy-kill"),
    /** SIGKILL of a replica's app (its state is in memory: gone), then a restart, empty. */
    APP_KILL("app-kill"),
    /** SIGKILL of a replica's app and proxy together, then a restart of both. */
    REPLICA_KILL("replica-kill"),
    /** SIGKILL of the ZooKeeper server that leads, then a restart on its data directory. */
    ZK_LEADER_KILL("zk-leader-kill"),
    /**
     * Expiry of a replica's ZooKeeper session: its proxy is stopped (SIGSTOP) for longer than the
     * session timeout the ensemble grants, so the ensemble expires the session, then resumed.
     */
    SESSION_EXPIRY("session-expiry"),
    /** SIGSTOP of a replica's proxy for a few seconds, well within the session timeout, then SIGCONT. */
    PROXY_PAUSE("proxy-pause"),
    /**
     * A replica cut off its peers and off ZooKeeper, both ways, while its clients still reach it,
     * then reconnected; sometimes for longer than the session timeout. Needs the replicas in
     * network namespaces of their own.
     */
    PARTITION("partition");

    private final String label;

    FaultKind(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }
}
