/**
 * The {@code demo} subcommand and the report formats it shares with the benchmarks.
 *
 * <h2>Threading</h2>
 *
 * The command runs on the main thread; progress lines are printed from it too. A shutdown hook
 * (Ctrl-C) stops the load and the child processes from its own thread; both are idempotent.
 */
package io.koordinator.loadtest.demo;
