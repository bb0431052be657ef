package io.koordinator.loadtest;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code koordinator-loadtest.jar}: the sample app, a local quorum, the demo. */
@Command(
        name = "koordinator-loadtest",
        mixinStandardHelpOptions = true,
        description = "Sample app, local ZooKeeper quorum, load generator, demo and benchmarks.",
        subcommands = {})
public final class LoadtestMain implements Runnable {
    public static void main(String[] args) {
        System.exit(new CommandLine(new LoadtestMain()).execute(args));
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
