package io.koordinator.proxy;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until the proxy subcommand lands. */
@Command(name = "proxy", description = "Not built yet.")
public final class ProxyCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("proxy: not built yet");
        return 2;
    }
}
