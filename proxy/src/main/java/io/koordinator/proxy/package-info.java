/**
 * The sidecar ({@code koordinator proxy}): the inbound listener, the filter chain, the ordered and
 * pass-through paths, the delivery loop and the admin listener.
 *
 * <h2>Filter chain</h2>
 *
 * {@link io.koordinator.proxy.ConnectionLimit} (on the listener's channel, at accept), {@link
 * io.koordinator.proxy.StrictRequestDecoder} (framing, head size limits), {@link
 * io.koordinator.proxy.HeaderReadTimeout}, then {@link io.koordinator.proxy.DownstreamHandler}
 * (limits, validation, body aggregation, response order), then {@link
 * io.koordinator.proxy.FilterChain} (classification; {@link io.koordinator.proxy.OrderedInFlightLimit}
 * in front of the ordered path), then {@link io.koordinator.proxy.OrderedPath}, {@link
 * io.koordinator.proxy.LinearizablePath} (GET/HEAD under {@code --read-policy linearizable}) or
 * {@link io.koordinator.proxy.PassThroughPath}.
 *
 * <h2>Threading</h2>
 *
 * <ul>
 *   <li>Downstream connections live on the {@code koord-io} event loops; everything a connection
 *       owns (its aggregation and response queue) is touched only there. Nothing blocks there.
 *   <li>Pass-through requests use an upstream connection from the pool of the same event loop.
 *   <li>Ordered requests are appended from the event loop (non-blocking); the append's completion
 *       runs on a sequencer thread and only answers a {@link io.koordinator.proxy.ResponseSlot},
 *       which hops back onto the connection's event loop.
 *   <li>The follower thread of the sequencer runs the {@link io.koordinator.proxy.DeliveryLoop}: it
 *       delivers one command at a time and blocks on the app's answer, over its own blocking
 *       {@link io.koordinator.proxy.DeliveryConnection} on that same thread (no event loop in
 *       between); closing the connection or interrupting the thread ends a blocked exchange.
 *   <li>The replica's control runs on its one {@code koord-control-<replica id>} thread, in order:
 *       {@link io.koordinator.proxy.ReplicaControl}'s tick (catching up, checkpoints, divergence),
 *       every decision of {@link io.koordinator.proxy.AppRecovery} and its retries, and {@link
 *       io.koordinator.proxy.AppWatch}'s poll of the app's incarnation. The delivery loop only
 *       reports to it ({@link io.koordinator.proxy.DeliveryEvents}, filtered by the generation of
 *       its follower/delivery pair): on the follower thread the watch may turn the replica
 *       WAITING_FOR_APP and back, and answers the new-connection veto; a stopped follower is
 *       handed to the control thread, which alone starts a recovery.
 *       None of it runs on Curator's event thread.
 *   <li>Linearizable reads join a {@link io.koordinator.proxy.SharedBarrier} from the event loop;
 *       the barrier completes on the sequencer's barrier thread, which hands each read back to its
 *       connection's event loop, where the wait for the applied position polls (scheduled tasks,
 *       never blocking) and the read then goes out as a pass-through request.
 *   <li>The admin listener shares the event loops; its handlers only read volatile state.
 *   <li>{@link io.koordinator.proxy.ConnectionLimit} runs on the {@code koord-accept} loop; the
 *       header-read timer of a connection runs on its own event loop; the in-flight and
 *       connection counts are atomics, released by whichever thread ends the request or the
 *       connection.
 * </ul>
 */
package io.koordinator.proxy;
