package io.koordinator.loadtest;

import io.koordinator.loadtest.kv.KvAppCommand;
import io.koordinator.loadtest.zk.ZookeeperCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code koordinator-loadtest.jar}: the sample app, a local quorum, the demo. */
@Command(
        name = "koordinator-loadtest",
        mixinStandardHelpOptions = true,
        description = "Sample app, local ZooKeeper quorum, load generator, demo and benchmarks.",
        subcommands = {KvAppCommand.class, ZookeeperCommand.class})
public final class LoadtestMain implements Runnable {
    public static void main(String[] args) {
        System.exit(new CommandLine(new LoadtestMain()).execute(args));
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
