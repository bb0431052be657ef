/**
 * The {@code bench} subcommand: every comparison of the benchmark issue in one run (ZooKeeper
 * creates, ordered PUTs at saturation, at half of it and from one client, cold start, proxy CPU
 * and RSS from {@code /proc}, pass-through against the app and nginx measured by wrk), one table
 * of figures, one of ratios against the goals, and the JSON figures ({@link
 * io.koordinator.loadtest.bench.BenchReport#KEYS}).
 *
 * <h2>Threading</h2>
 *
 * Runs on the main thread; pipelined create callbacks run on ZooKeeper's event thread and only
 * record latency and release a permit; load runs use the load generator's own client threads and
 * report progress on the main thread. A shutdown hook closes whatever is running (an ensemble, a
 * cluster; nginx and wrk are closed by the phase that started them).
 */
package io.koordinator.loadtest.bench;
