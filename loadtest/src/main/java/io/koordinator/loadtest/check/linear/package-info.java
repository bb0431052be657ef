/**
 * A linearizability checker for the kv app's model and the history it reads.
 *
 * <p>{@link io.koordinator.loadtest.check.linear.HistoryOp} is one operation of a recorded
 * history (invocation, completion, outcome); {@link io.koordinator.loadtest.check.linear.History}
 * writes and reads a history as JSON lines; {@link io.koordinator.loadtest.check.linear.KvModel}
 * is the sequential specification of one key (a register that also takes appends); {@link
 * io.koordinator.loadtest.check.linear.LinearChecker} decides, key by key, whether some total
 * order of the operations respects real time and the model (Wing and Gong's search with Lowe's
 * cache of configurations already explored).
 *
 * <h2>Threading</h2>
 *
 * The checker is plain code on the caller's thread, one key after the other; nothing is shared.
 * {@link io.koordinator.loadtest.check.linear.History.Recorder} is thread-safe: many client
 * threads add to it.
 */
package io.koordinator.loadtest.check.linear;
