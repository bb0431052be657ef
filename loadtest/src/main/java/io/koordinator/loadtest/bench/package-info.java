/**
 * The {@code bench} subcommand: the raw ZooKeeper baseline and ordered throughput through the
 * proxy, with the ratio between them.
 *
 * <h2>Threading</h2>
 *
 * Runs on the main thread; pipelined create callbacks run on ZooKeeper's event thread and only
 * record latency and release a permit. A shutdown hook closes whatever is running.
 */
package io.koordinator.loadtest.bench;
