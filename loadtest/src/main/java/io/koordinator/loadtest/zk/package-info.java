/**
 * Real ZooKeeper servers in one JVM: {@link io.koordinator.loadtest.zk.LocalQuorum} and the
 * {@code zookeeper} subcommand.
 *
 * <h2>Threading</h2>
 *
 * Each server runs on its own daemon thread (plus ZooKeeper's own threads). {@code start},
 * {@code stop}, {@code restart} and {@code close} may be called from any thread; a server's
 * start and stop are serialised by its monitor.
 */
package io.koordinator.loadtest.zk;
