package io.koordinator.cli;

import io.koordinator.sequencer.Positions;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/**
 * {@code koordinator status}: a group's replicas (applied and durable positions, lag against the
 * log's tail, readiness, state, latest published digest), the log's size in entries and bytes,
 * and the compaction floor, read from ZooKeeper. Needs no admin port and no token.
 */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "Shows a group's replicas, log size and compaction floor, read from ZooKeeper.",
        footer = {"", "Exit: 0 done, 2 bad flag, 3 ZooKeeper unreachable, 4 no such group, 5 access refused."})
public final class StatusCommand extends OperatorCommand<GroupStatus> {
    @Override
    GroupStatus read(GroupConnection connection, GroupOptions.Settings settings)
            throws CliFailure, InterruptedException {
        return GroupStatus.read(connection, settings);
    }

    @Override
    void print(PrintWriter out, GroupStatus s) {
        GroupStatus.LogSize log = s.log();
        out.printf("group %s at ZooKeeper %s (%s)%n", s.group(), s.zookeeper(), s.groupPath());
        out.printf(
                "log: %d entries, %d bytes, from %s to %s; compaction floor %s%n",
                log.entries(),
                log.bytes(),
                Positions.format(log.first()),
                Positions.format(log.tail()),
                Positions.format(s.compactionFloor()));
        if (s.replicas().isEmpty()) {
            out.println("no replica registered");
            return;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"REPLICA", "ADDRESS", "STATE", "READY", "APPLIED", "DURABLE", "LAG", "DIGEST"});
        for (GroupStatus.Replica r : s.replicas()) {
            rows.add(new String[] {
                r.id(),
                r.address(),
                r.state(),
                r.ready() ? "yes" : "no",
                Positions.format(r.appliedPosition()),
                Positions.format(r.durablePosition()),
                Long.toString(r.lag()),
                r.digestPosition() == Positions.NONE
                        ? "none"
                        : r.digest() + " at " + Positions.format(r.digestPosition())
            });
        }
        Table.print(out, rows);
    }
}
