/**
 * The {@code class-archive} subcommand: a class-data archive of the proxy, made by a training
 * run ({@link io.koordinator.loadtest.archive.ClassArchiveCommand}).
 *
 * <h2>Threading</h2>
 *
 * Runs on the main thread; the cluster and the load generator own the threads they start.
 */
package io.koordinator.loadtest.archive;
