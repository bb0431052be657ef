package io.koordinator.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The shape of an operator subcommand: validate the flags, connect, read the group, then print
 * the result as text or as JSON ({@code --json}); a {@link CliFailure} becomes its sentence on
 * stderr and its exit status.
 *
 * @param <T> what the command reads, also its {@code --json} document
 */
abstract class OperatorCommand<T> implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    GroupOptions group = new GroupOptions();

    @Option(names = "--json", description = "Machine-readable output: one JSON document.")
    boolean json;

    /** Checks this command's own flags before anything connects. */
    void validate() throws CliFailure {}

    /** Reads what the command shows. */
    abstract T read(GroupConnection connection, GroupOptions.Settings settings) throws CliFailure, InterruptedException;

    /** Prints {@code value} for a person. */
    abstract void print(PrintWriter out, T value);

    @Override
    public final Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        try {
            validate();
            GroupOptions.Settings settings = group.settings();
            T value;
            try (GroupConnection connection = GroupConnection.open(settings)) {
                value = read(connection, settings);
            }
            if (json) {
                out.println(Json.MAPPER.writeValueAsString(value));
            } else {
                print(out, value);
            }
            out.flush();
            return 0;
        } catch (CliFailure e) {
            spec.commandLine().getErr().println(e.getMessage());
            return e.exitCode();
        }
    }
}
