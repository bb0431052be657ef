/**
 * The {@code init} subcommand: inbound capture for one pod, run once as the pod's init
 * container before the app and the proxy start.
 *
 * <p>It installs two chains of its own in the {@code nat} table of the pod's network
 * namespace:
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
 * the app on {@code 127.0.0.1}, which leaves through OUTPUT, so it is never captured; the
 * admin port is not a capture port, so probes and scrapes reach the proxy directly.
 *
 * <p>Re-running is safe: the current {@code nat} table is read first ({@code iptables -S}),
 * missing chains are created, existing ones flushed and refilled, and the PREROUTING jump
 * is kept exactly once ({@link io.koordinator.init.InboundRules#reconcile}).
 *
 * <h2>Threading</h2>
 *
 * Single-threaded: the command runs the iptables binary once per rule, one process after
 * the other, on the main thread, and exits.
 */
package io.koordinator.init;
