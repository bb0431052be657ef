/**
 * The {@code init} subcommand: inbound capture for one pod, run once as the pod's init
 * container before the app and the proxy start.
 *
 * <p>It installs two chains of its own in the {@code nat} table of the pod's network
 * namespace, with iptables for IPv4 and the same chains and rules with ip6tables for IPv6:
 *
 * <pre>
 * PREROUTING  -p tcp                          -j KOORD_INBOUND
 * KOORD_INBOUND  -p tcp --dport &lt;inbound&gt;   -j RETURN       (the proxy's own port)
 * KOORD_INBOUND  -p tcp --dport &lt;excluded&gt;  -j RETURN       (one per excluded port)
 * KOORD_INBOUND  -p tcp --dport &lt;app port&gt;  -j KOORD_IN_REDIRECT  (one per capture port)
 * KOORD_IN_REDIRECT -p tcp -j REDIRECT --to-ports &lt;inbound&gt;
 * </pre>
 *
 * <p>Only connections that arrive from outside the pod pass PREROUTING. The proxy reaches
 * the app on {@code 127.0.0.1}, which leaves through OUTPUT, so it is never captured (nor is
 * any connection from inside the pod, over either family); the admin port is not a capture
 * port, so probes and scrapes reach the proxy directly. An IPv6 REDIRECT sends the connection
 * to an address of the interface it arrived on, at the inbound port: the proxy's default
 * listen address {@code 0.0.0.0} binds the dual-stack wildcard and accepts it.
 *
 * <p>IPv4 is always captured. IPv6 is captured as {@link io.koordinator.init.Ipv6Mode}
 * decides from the addresses the pod has ({@link io.koordinator.init.Ipv6Presence}): a pod
 * with an IPv6 address either gets the IPv6 rules or init fails, unless {@code --ipv6 off}
 * says otherwise ({@link io.koordinator.init.PodCapture}).
 *
 * <p>Re-running is safe: each family's {@code nat} table is read first ({@code iptables -S},
 * {@code ip6tables -S}),
 * missing chains are created, existing ones flushed and refilled, and the PREROUTING jump
 * is kept exactly once ({@link io.koordinator.init.InboundRules#reconcile}).
 *
 * <h2>Threading</h2>
 *
 * Single-threaded: the command runs the iptables binary once per rule, one process after
 * the other, on the main thread, and exits.
 */
package io.koordinator.init;
