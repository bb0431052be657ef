package io.koordinator.cli;

import io.koordinator.proxy.RequestCodec;
import io.koordinator.proxy.RequestData;
import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.zk.ZkGroupReader;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code koordinator log --tail N}: the last N commands of a group's log, decoded with the
 * sequencer's entry codec and the proxy's request codec, oldest first: position, method, path,
 * request id, origin, size of the command's payload. Seals (segment ends) hold no command and are
 * not shown.
 */
@picocli.CommandLine.Command(
        name = "log",
        mixinStandardHelpOptions = true,
        description = "Decodes the last commands of a group's log, read from ZooKeeper.",
        footer = {"", "Exit: 0 done, 2 bad flag, 3 ZooKeeper unreachable, 4 no such group, 5 access refused."})
public final class LogCommand extends OperatorCommand<List<LogCommand.Line>> {
    static final int MAX_TAIL = 100_000;

    @Option(
            names = "--tail",
            paramLabel = "N",
            defaultValue = "10",
            description = "How many of the last commands (1.." + MAX_TAIL + "). Default: ${DEFAULT-VALUE}.")
    int tail;

    /**
     * One command as the log holds it.
     *
     * @param method and {@code path}: the HTTP request's, or {@code ?} and the reason when the
     *     payload does not decode
     * @param bytes the command's payload size
     */
    record Line(long position, String method, String path, String requestId, String origin, int bytes) {}

    @Override
    void validate() throws CliFailure {
        if (tail < 1 || tail > MAX_TAIL) {
            throw new CliFailure(CliFailure.USAGE, "--tail must be in [1, " + MAX_TAIL + "]: " + tail);
        }
    }

    @Override
    List<Line> read(GroupConnection connection, GroupOptions.Settings settings)
            throws CliFailure, InterruptedException {
        return connection.call(() -> lastCommands(connection.reader(), tail));
    }

    /** The last {@code n} commands, oldest first, reading entries from the tail back. */
    static List<Line> lastCommands(ZkGroupReader reader, int n) throws Exception {
        List<ZkGroupReader.EntryRef> entries = reader.entries();
        List<Line> newestFirst = new ArrayList<>();
        for (int e = entries.size() - 1; e >= 0 && newestFirst.size() < n; e--) {
            ZkGroupReader.ReadEntry read = reader.read(entries.get(e));
            if (read == null) {
                break; // compacted meanwhile: everything older is gone too
            }
            List<Command> commands = read.entry().commands();
            for (int i = commands.size() - 1; i >= 0 && newestFirst.size() < n; i--) {
                long p = read.position();
                newestFirst.add(line(Positions.of(Positions.segment(p), Positions.sequence(p), i), commands.get(i)));
            }
        }
        Collections.reverse(newestFirst);
        return newestFirst;
    }

    private static Line line(long position, Command c) {
        String method;
        String path;
        try {
            RequestData r = RequestCodec.decode(c.payload());
            method = r.method();
            path = r.uri();
        } catch (IllegalArgumentException e) {
            method = "?";
            path = "(not an HTTP request: " + e.getMessage() + ")";
        }
        return new Line(
                position, method, path, c.requestId().toString(), c.requestId().origin(), c.payload().length);
    }

    @Override
    void print(PrintWriter out, List<Line> lines) {
        if (lines.isEmpty()) {
            out.println("the log holds no command");
            return;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"POSITION", "METHOD", "PATH", "REQUEST-ID", "ORIGIN", "BYTES"});
        for (Line l : lines) {
            rows.add(new String[] {
                Positions.format(l.position()),
                l.method(),
                l.path(),
                l.requestId(),
                l.origin(),
                Integer.toString(l.bytes())
            });
        }
        Table.print(out, rows);
    }
}
