/**
 * The operator CLI: {@code koordinator status} and {@code koordinator log --tail N}, subcommands
 * of the same jar as the proxy. They read a group's subtree in ZooKeeper directly (never its admin
 * ports), write nothing there, and fail with one sentence and an exit status of their own ({@link
 * io.koordinator.cli.CliFailure}) for an unknown group, refused credentials or an unreachable
 * ZooKeeper.
 *
 * <h2>Threading</h2>
 *
 * Each command runs on the caller's thread; Curator's threads only run the background reads of
 * {@link io.koordinator.sequencer.zk.ZkGroupReader}, which hand their results back through a latch.
 */
package io.koordinator.cli;
