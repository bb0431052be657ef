/**
 * Pods simulated in Linux network namespaces: each "pod" is a namespace with its own address on a bridge,
 * running the real {@code init} rules, the real proxy and the real app as child processes. Needs root; the
 * tests skip with a loud message otherwise.
 *
 * <p>Topology of one {@link io.koordinator.loadtest.pod.NetnsLab}, dual-stack (IPv4 from 198.18.0.0/15, the
 * RFC 2544 benchmarking range; IPv6 from fd00::/8, unique local addresses; traffic only ever goes to addresses
 * inside namespaces the lab created):
 *
 * <pre>
 * root namespace (test JVM, ZooKeeper)     198.18.N.1, fd00:198:18:N::1  on veth kdit&lt;pid&gt;x&lt;k&gt;
 *        |
 * koordit-&lt;pid&gt;-&lt;k&gt;-br: bridge br0
 *        |                    |                    |
 * ...-pod0 eth0         ...-pod1 eth0         ...-pod2 eth0
 * 198.18.N.10           198.18.N.11           198.18.N.12
 * fd00:198:18:N::10     fd00:198:18:N::11     fd00:198:18:N::12
 * </pre>
 *
 * <h2>Threading</h2>
 *
 * Tests drive a lab from their own thread; the lab's {@code close()} may also run from its shutdown hook,
 * so it is synchronized and idempotent.
 */
package io.koordinator.loadtest.pod;
