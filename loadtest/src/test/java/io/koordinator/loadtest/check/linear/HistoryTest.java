package io.koordinator.loadtest.check.linear;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.koordinator.loadtest.check.linear.HistoryOp.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryTest {
    @Test
    void roundTripsThroughJsonLines(@TempDir Path dir) throws Exception {
        List<HistoryOp> ops = List.of(
                HistoryOp.write("c1", "p-0", "say \"hi\"\n", 10, 20, Outcome.OK),
                HistoryOp.read("c2", "p-0", 11, 25, Outcome.OK, null),
                HistoryOp.read("c2", "p-0", 26, 27, Outcome.OK, "say \"hi\"\n"),
                HistoryOp.read("c2", "p-0", 28, 29, Outcome.OK, null, HistoryOp.LINEARIZABLE),
                HistoryOp.read("c2", "p-0", 28, 29, Outcome.OK, null, HistoryOp.LOCAL),
                HistoryOp.append("c3", "a-1", "r.3.1;", 12, 90, Outcome.UNKNOWN, null),
                HistoryOp.delete("c4", "p-0", 30, 31, Outcome.FAIL));
        Path file = dir.resolve("h.jsonl");
        History.write(file, ops);
        assertEquals(ops, History.read(file));
        String first = Files.readAllLines(file).get(0);
        assertTrue(first.startsWith("{\"process\":\"c1\",\"op\":\"write\",\"key\":\"p-0\""), first);
        assertTrue(first.contains("\"invoke_ns\":10,\"complete_ns\":20,\"outcome\":\"ok\""), first);
        assertTrue(Files.readAllLines(file).get(3).endsWith("\"read_policy\":\"linearizable\"}"));
    }
}
