package io.koordinator.init;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until the init subcommand lands. */
@Command(name = "init", description = "Not built yet.")
public final class InitCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("init: not built yet");
        return 2;
    }
}
