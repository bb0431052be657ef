package io.koordinator.loadtest.check.linear;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A history as JSON lines, one object per operation, in invocation order:
 *
 * <pre>{@code
 * {"process":"c3","op":"append","key":"a-1","value":"r.3.17;","invoke_ns":812345,"complete_ns":9123456,
 *  "outcome":"ok","result":"r.1.4;r.3.17;"}
 * }</pre>
 *
 * {@code op} is read, write, append or delete; {@code value} the value written (null for read and
 * delete); {@code invoke_ns} and {@code complete_ns} one monotonic clock in nanoseconds; {@code
 * outcome} ok, fail or unknown; {@code result} for an ok read the value read (null: absent), for
 * an ok append the new value returned (null when not known), else null; {@code read_policy}, on
 * reads only, the read policy that served it ({@code ordered}, {@code linearizable}, or {@code
 * local}: may be stale by design, not checked).
 */
public final class History {
    private static final ObjectMapper JSON = new ObjectMapper();

    private History() {}

    /** Collects operations from many client threads. */
    public static final class Recorder {
        private final ConcurrentLinkedQueue<HistoryOp> ops = new ConcurrentLinkedQueue<>();

        public void add(HistoryOp op) {
            ops.add(op);
        }

        public int size() {
            return ops.size();
        }

        /** Everything recorded so far, in invocation order. */
        public List<HistoryOp> snapshot() {
            List<HistoryOp> all = new ArrayList<>(ops);
            all.sort(Comparator.comparingLong(HistoryOp::invokeNanos));
            return all;
        }
    }

    /** One operation as a JSON object. */
    public static String toJson(HistoryOp op) {
        ObjectNode n = JSON.createObjectNode();
        n.put("process", op.process());
        n.put("op", op.kind().wire());
        n.put("key", op.key());
        n.put("value", op.value());
        n.put("invoke_ns", op.invokeNanos());
        n.put("complete_ns", op.completeNanos());
        n.put("outcome", op.outcome().wire());
        n.put("result", op.result());
        if (op.readPolicy() != null) {
            n.put("read_policy", op.readPolicy());
        }
        return JSON.writeValueAsString(n);
    }

    /** Parses one line written by {@link #toJson}. */
    public static HistoryOp fromJson(String line) {
        JsonNode n = JSON.readTree(line);
        return new HistoryOp(
                n.path("process").asString(),
                HistoryOp.Kind.ofWire(n.path("op").asString()),
                n.path("key").asString(),
                text(n, "value"),
                n.path("invoke_ns").asLong(),
                n.path("complete_ns").asLong(),
                HistoryOp.Outcome.ofWire(n.path("outcome").asString()),
                text(n, "result"),
                text(n, "read_policy"));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asString();
    }

    public static void write(Path file, List<HistoryOp> ops) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (HistoryOp op : ops) {
                w.write(toJson(op));
                w.newLine();
            }
        }
    }

    public static List<HistoryOp> read(Path file) throws IOException {
        List<HistoryOp> ops = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.isBlank()) {
                    ops.add(fromJson(line));
                }
            }
        }
        return ops;
    }
}
