/**
 * The load generator: closed-loop clients over lean keep-alive HTTP/1.1 connections, latency in
 * HdrHistogram, every write recorded with its outcome for the checker.
 *
 * <h2>Threading</h2>
 *
 * One platform thread per connection ({@code load-client-<i>}) owns its {@link
 * io.koordinator.loadtest.load.HttpConnection} and its own list of writes; the lists are merged
 * after every client ended. {@link io.koordinator.loadtest.load.TargetStats} and the interval
 * recorder are shared and thread-safe. Progress is reported on the thread that called {@code
 * run}.
 */
package io.koordinator.loadtest.load;
