/**
 * A replica's state besides its app: the {@link io.koordinator.proxy.state.ReplicaCheckpoint}
 * (one value: log position and dedup table, digest, delivery count, response cache, app
 * incarnation, log identity), its durable form in the state directory ({@link
 * io.koordinator.proxy.state.StateStore}: full checkpoint, journal, local snapshot), and how the
 * app's incarnation is recognised ({@link io.koordinator.proxy.state.AppIncarnation}).
 *
 * <h2>Threading</h2>
 *
 * The values here are immutable. {@code StateStore}'s journal is written by the delivery thread
 * only; rotation happens while delivery is paused between two commands; sync and checkpoint
 * writes come from the replica's control thread, and {@code sync}/{@code rotate} lock the store.
 * {@code ResponseCache} is owned by the delivery thread. {@code AppIncarnation} is thread-safe (its calls are serialised).
 */
package io.koordinator.proxy.state;
