package io.koordinator.loadtest;

import io.koordinator.loadtest.archive.ClassArchiveCommand;
import io.koordinator.loadtest.bench.BenchCommand;
import io.koordinator.loadtest.chaos.ChaosCommand;
import io.koordinator.loadtest.demo.DemoCommand;
import io.koordinator.loadtest.kv.KvAppCommand;
import io.koordinator.loadtest.load.LoadCommand;
import io.koordinator.loadtest.zk.ZookeeperCommand;
import io.koordinator.proxy.LogSettings;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code koordinator-loadtest.jar}: the sample app, a local quorum, the demo. */
@Command(
        name = "koordinator-loadtest",
        mixinStandardHelpOptions = true,
        description = "Sample app, local ZooKeeper quorum, load generator, demo, benchmarks and the chaos run.",
        subcommands = {
            KvAppCommand.class,
            ZookeeperCommand.class,
            DemoCommand.class,
            BenchCommand.class,
            LoadCommand.class,
            ChaosCommand.class,
            ClassArchiveCommand.class
        })
public final class LoadtestMain implements Runnable {
    public static void main(String[] args) {
        LogSettings.fromEnvironment(); // before the subcommands' loggers load the configuration
        System.exit(commandLine().execute(args));
    }

    /** The command line with every subcommand; durations read as {@code 20s}, {@code 250ms}. */
    public static CommandLine commandLine() {
        return new CommandLine(new LoadtestMain()).registerConverter(Duration.class, new DurationConverter());
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
