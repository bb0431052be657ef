package io.koordinator.proxy;

/** How an app keeps its state, which decides how a replica recovers it (the README's app contract). */
public enum AppKind {
    /** Memory only, unmodified: its state dies with its process. */
    MEMORY,
    /** Unmodified, its state survives its own restart (files on a volume, an embedded database). */
    DURABLE,
    /**
     * Records the last {@code X-Koordinator-Position} it applied, and answers a redelivered position
     * (marked {@code X-Koordinator-Redelivery: true}) without applying it twice.
     */
    POSITION_AWARE
}
