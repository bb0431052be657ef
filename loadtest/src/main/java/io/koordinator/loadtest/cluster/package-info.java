/**
 * A replicated group on one machine from real child processes: ZooKeeper ensemble, kv-apps and
 * proxies ({@link io.koordinator.loadtest.cluster.LocalCluster}).
 *
 * <h2>Threading</h2>
 *
 * {@code start} and {@code close} are called by the owner's thread; each child process has two
 * daemon threads pumping its stdout (into a queue) and stderr (into a bounded tail). Status and
 * metrics calls open their own connection and may come from any thread. Faults (kill, restart,
 * pause, resume of a proxy, an app or a ZooKeeper server) come from one thread at a time, usually
 * not the owner's: a restart replaces the element of a copy-on-write list, so readers see the old
 * or the new process, never a torn one. A partition and its healing ({@code PodNetwork}, with the
 * replicas in network namespaces) are faults too: one thread at a time.
 */
package io.koordinator.loadtest.cluster;
