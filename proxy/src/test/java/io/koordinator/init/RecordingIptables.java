package io.koordinator.init;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** An {@link Iptables} for unit tests: answers from a script (then success), records every command. */
final class RecordingIptables implements Iptables {

    final List<List<String>> calls = new ArrayList<>();
    private final String binary;
    private final Deque<Result> script = new ArrayDeque<>();

    RecordingIptables() {
        this("iptables");
    }

    RecordingIptables(String binary) {
        this.binary = binary;
    }

    /** The next command gets this answer. */
    RecordingIptables answer(int exitCode, String stdout, String stderr) {
        script.add(new Result(exitCode, stdout, stderr));
        return this;
    }

    @Override
    public String binary() {
        return binary;
    }

    @Override
    public Result run(List<String> args) {
        calls.add(List.copyOf(args));
        Result next = script.poll();
        return next != null ? next : new Result(0, "", "");
    }
}
