package io.koordinator.sequencer.codec;

import io.koordinator.sequencer.Command;
import java.util.List;

/**
 * One decoded log entry: either a batch of commands, or a seal that ends its segment.
 *
 * @param seal true for a seal entry: the segment ends here and the log continues in the next
 *     segment; a seal holds no commands
 * @param commands the commands in order; empty for a seal
 */
public record Entry(boolean seal, List<Command> commands) {
    public static final Entry SEAL = new Entry(true, List.of());

    public Entry {
        commands = List.copyOf(commands);
        if (seal && !commands.isEmpty()) {
            throw new IllegalArgumentException("a seal entry holds no commands");
        }
    }
}
