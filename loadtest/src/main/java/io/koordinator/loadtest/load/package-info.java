/**
 * The load generator: closed-loop or open-loop clients over lean keep-alive HTTP/1.1
 * connections, latency in HdrHistogram (corrected for coordinated omission in open loop, with
 * the uncorrected figure beside it), every write recorded with its outcome for the checker; and
 * its reports: percentile table, JSON summary ({@link io.koordinator.loadtest.load.LoadReport}),
 * interval log ({@link io.koordinator.loadtest.load.IntervalLog}) and chart ({@link
 * io.koordinator.loadtest.load.LatencyChart}).
 *
 * <h2>Threading</h2>
 *
 * One platform thread per connection ({@code load-client-<i>}) owns its {@link
 * io.koordinator.loadtest.load.HttpConnection}, its random source, key choosers, open-loop
 * schedule and its own list of writes; the lists are merged after every client ended. {@link
 * io.koordinator.loadtest.load.TargetStats} and the interval recorders are shared and
 * thread-safe. Progress, and so the interval log, is reported on the thread that called {@code
 * run}.
 */
package io.koordinator.loadtest.load;
