package io.koordinator.inject;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until the wait subcommand lands. */
@Command(name = "wait", description = "Not built yet.")
public final class WaitCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("wait: not built yet");
        return 2;
    }
}
