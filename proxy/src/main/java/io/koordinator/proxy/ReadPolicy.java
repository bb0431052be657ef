package io.koordinator.proxy;

/** How GET and HEAD requests are served (DESIGN.md "Reads"). */
public enum ReadPolicy {
    /** Through the log like every other request: linearizable, at the cost of an append. */
    ORDERED,
    /** Passed through to the local app: fast, may be stale. */
    LOCAL
}
