package io.koordinator.proxy;

/** How GET and HEAD requests are served (DESIGN.md "Reads"). */
public enum ReadPolicy {
    /** Through the log like every other request: linearizable, at the cost of an append. */
    ORDERED,
    /**
     * Not written to the log: the replica waits until it has applied a read barrier taken after the
     * read arrived (one barrier shared by the reads that arrive while the previous one is in
     * flight), then serves from its local app. Linearizable, at the cost of a ZooKeeper sync.
     */
    LINEARIZABLE,
    /** Passed through to the local app: fast, may be stale. */
    LOCAL
}
