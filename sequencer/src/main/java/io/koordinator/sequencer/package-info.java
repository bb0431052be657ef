/**
 * The ordered log of a replicated group, on ZooKeeper through Curator. Knows nothing about HTTP.
 *
 * <h2>Contracts</h2>
 *
 * <ul>
 *   <li>{@link io.koordinator.sequencer.Sequencer}: batched appends, following, replica registry.
 *   <li>{@link io.koordinator.sequencer.LogListener}: called sequentially, in strict log order.
 *   <li>{@link io.koordinator.sequencer.Positions}: 64-bit positions, segment / sequence / index.
 * </ul>
 *
 * <h2>Implementations</h2>
 *
 * <ul>
 *   <li>{@link io.koordinator.sequencer.zk.ZkSequencer}: the log on ZooKeeper (layout, gap rule
 *       and rollover rule in its package documentation).
 *   <li>{@link io.koordinator.sequencer.MemorySequencer}: the log in this process, for tests.
 * </ul>
 *
 * Entries are encoded by {@link io.koordinator.sequencer.codec.EntryCodec}. The test-jar holds
 * {@code SequencerContract}, the contract test every implementation runs.
 *
 * <h2>Threading</h2>
 *
 * Appends may come from any thread; their futures complete on a sequencer thread. Each follower
 * owns one thread that calls its listener. Curator's event thread is never blocked.
 * {@link io.koordinator.sequencer.DedupTable} is owned by one follower thread.
 */
package io.koordinator.sequencer;
