package io.koordinator;

import io.koordinator.cli.LogCommand;
import io.koordinator.cli.StatusCommand;
import io.koordinator.init.InitCommand;
import io.koordinator.inject.InjectCommand;
import io.koordinator.inject.WaitCommand;
import io.koordinator.proxy.LogSettings;
import io.koordinator.proxy.ProxyCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one entry point of the {@code koordinator} image: {@code proxy}, {@code inject}, {@code init}, {@code wait}, and the operator's {@code status} and {@code log}. */
@Command(
        name = "koordinator",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "State machine replication for plain HTTP applications.",
        subcommands = {
            ProxyCommand.class,
            InjectCommand.class,
            InitCommand.class,
            WaitCommand.class,
            StatusCommand.class,
            LogCommand.class
        })
public final class Main implements Runnable {

    /** Netty's switch for its buffer allocator's JFR events. */
    static final String NETTY_JFR = "io.netty.jfr.enabled";

    public static void main(String[] args) {
        LogSettings.fromEnvironment(); // before the subcommands' loggers load the configuration
        // Netty's allocator registers JFR events, one per buffer allocated and freed, which carry
        // no @Enabled(false), so any recording takes them (and about a hundred classes and their
        // generated handlers load at start); -Dio.netty.jfr.enabled=true keeps them.
        if (System.getProperty(NETTY_JFR) == null) {
            System.setProperty(NETTY_JFR, "false");
        }
        System.exit(commandLine().execute(args));
    }

    /** The command line with every subcommand, reading {@code KOORD_*} environment variables. */
    public static CommandLine commandLine() {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"koordinator " + (v == null ? "dev" : v)};
        }
    }
}
