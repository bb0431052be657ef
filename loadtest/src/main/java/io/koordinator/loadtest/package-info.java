/**
 * Entry point of {@code koordinator-loadtest.jar} ({@link io.koordinator.loadtest.LoadtestMain})
 * and the one list of its flags ({@link io.koordinator.loadtest.LoadtestConfigKeys}).
 *
 * <h2>Threading</h2>
 *
 * Subcommands run on the main thread; each owns the threads of the parts it starts.
 */
package io.koordinator.loadtest;
