/**
 * The sample replicated application: a deterministic key-value store over HTTP ({@link
 * io.koordinator.loadtest.kv.KvApp}, subcommand {@code kv-app}).
 *
 * <h2>Threading</h2>
 *
 * One acceptor thread and one worker event loop; every connection lives on the worker loop,
 * which alone reads and mutates the {@link io.koordinator.loadtest.kv.KvStore}. Writes are
 * therefore applied one at a time, in arrival order, which is log order behind a proxy. Request
 * counters are volatile fields written by the worker loop and read by anyone.
 */
package io.koordinator.loadtest.kv;
