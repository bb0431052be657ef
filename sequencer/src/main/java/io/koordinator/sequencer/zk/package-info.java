/**
 * The {@link io.koordinator.sequencer.Sequencer} on ZooKeeper (Curator): {@link
 * io.koordinator.sequencer.zk.ZkSequencer}.
 *
 * <h2>Layout</h2>
 *
 * <pre>
 *   &lt;root&gt;/&lt;group&gt;/log/0000000000/e-0000000000   entries of segment 0 (PERSISTENT_SEQUENTIAL)
 *   &lt;root&gt;/&lt;group&gt;/log/0000000001/e-...          entries of segment 1, after segment 0's seal
 *   &lt;root&gt;/&lt;group&gt;/replicas/&lt;replica-id&gt;         ephemeral, JSON: address, applied and durable position, ready
 *   &lt;root&gt;/&lt;group&gt;/floor                          the compaction floor, JSON, only rises
 *   &lt;root&gt;/&lt;group&gt;/leader/...                      the compaction leader's latch
 * </pre>
 *
 * A segment's parent holds entries and nothing else, because ZooKeeper's sequential suffix counts
 * every child ever created under it. An entry's data is {@link
 * io.koordinator.sequencer.codec.EntryCodec}'s format.
 *
 * <h2>Gap rule</h2>
 *
 * ZooKeeper applies creates in order and a client never sees an older state than it has seen. So
 * if a read of {@code e-n} returns "no node" and was issued after the follower knew that an entry
 * {@code >= n} exists (from a watch event, a successful read, or a later segment), {@code e-n}
 * was never created or was deleted, and never appears: the follower skips the number. Because a
 * watch event does not raise the client's last-seen zxid (a reconnect may land on a server that
 * has not applied that entry yet), the skip is decided only by a read pipelined right behind a
 * successful {@code sync} on the same connection. A "no node" without such knowledge means "not
 * yet": the follower waits for the watch. If nothing arrives, it probes a few numbers ahead with
 * backing-off delays and lists the segment when it holds at most 10,000 children that changed
 * since the last listing, to learn of entries no watch announced. A probe that fails on a lost
 * connection or session (its synchronous listing can run before the connection state says so,
 * in a process paused past its session timeout) decides nothing and runs again; only other
 * failures stop the follower.
 *
 * <h2>Floor rule</h2>
 *
 * A compacted entry looks exactly like a gap. {@link io.koordinator.sequencer.zk.ZkCompactor}
 * writes the floor ({@code <group>/floor}) before it deletes anything below it; the read that
 * decides a gap is followed, on the same connection, by a read of the floor, so a deletion that
 * the entry read saw implies a floor the floor read sees. A follower that needs an entry below
 * the floor stops with {@link io.koordinator.sequencer.LogCompactedException}; it checks the
 * floor (behind a {@code sync}) before its first read as well.
 *
 * <h2>Rollover rule</h2>
 *
 * An appender whose create returns a sequence {@code >= segmentRollover} writes a <em>seal
 * entry</em> into that segment, creates the next segment's parent, and appends there from then
 * on. The segment ends at its <em>first</em> seal: entries after it (in the same segment) are
 * ignored by every follower, and a follower reading a seal continues at sequence 0 of the next
 * segment. An appender whose entry landed at or past the rollover threshold reads the entries
 * between the threshold and its own seal to find the first seal; if its entry lies after it, it
 * appends the same commands again into the next segment (the ignored copy is never delivered).
 * The next segment's parent is created only after a seal exists, so nothing is appended to
 * segment {@code g+1} before segment {@code g} is sealed.
 *
 * <h2>Threading</h2>
 *
 * Curator's event thread only records: connection states ({@code ZkSequencer#onConnectionState}),
 * watch events (raise followers' known tail), read and create results (queued). Create callbacks,
 * retries and rollover run on the sequencer's append thread; the replica registry and layout
 * set-up on its timer thread; compaction rounds on the compactor's own thread; read barriers
 * ({@link io.koordinator.sequencer.zk.ZkReadBarrier}: a sync and the log's tail) on the barrier's
 * own thread, which blocks on the raw ZooKeeper handle; each follower reads, decodes and calls its listener on its own
 * thread, so a slow listener slows only that follower (it reads at most 64 entries ahead).
 */
package io.koordinator.sequencer.zk;
