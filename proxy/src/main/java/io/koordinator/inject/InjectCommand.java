package io.koordinator.inject;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until the inject subcommand lands. */
@Command(name = "inject", description = "Not built yet.")
public final class InjectCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("inject: not built yet");
        return 2;
    }
}
