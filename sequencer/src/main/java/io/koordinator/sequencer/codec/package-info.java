/**
 * The binary format of log entries: {@link io.koordinator.sequencer.codec.EntryCodec} writes and
 * strictly validates it; {@link io.koordinator.sequencer.codec.Entry} is a decoded entry (a batch
 * of commands or a seal).
 *
 * <h2>Threading</h2>
 *
 * Everything here is stateless or immutable and may be used from any thread.
 */
package io.koordinator.sequencer.codec;
