/**
 * The consistency checker: reads every replica's app and verifies agreement, exactly-once and
 * that no acknowledged write is lost ({@link io.koordinator.loadtest.check.ConsistencyChecker}
 * lists the rules).
 *
 * <h2>Threading</h2>
 *
 * Plain blocking code on the caller's thread; nothing is shared.
 */
package io.koordinator.loadtest.check;
