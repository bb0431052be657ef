/**
 * The chaos run ({@link io.koordinator.loadtest.chaos.ChaosCommand}): a replicated group on this
 * machine, a recorded client history, faults on a schedule drawn from a seed, and the checks
 * afterwards (linearizability, acknowledged writes, agreement, never ready while diverged, znodes).
 *
 * <h2>Threading</h2>
 *
 * The command's thread starts everything, prints progress and checks at the end. Each client is a
 * thread of its own with its own connections; the fault schedule runs on one thread; the sampler
 * on one scheduled thread. They share only thread-safe collections and counters.
 */
package io.koordinator.loadtest.chaos;
