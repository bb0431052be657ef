package io.koordinator.loadtest.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.koordinator.loadtest.chaos.ChaosWorkload.Attempt;
import io.koordinator.loadtest.check.linear.HistoryOp.Kind;
import io.koordinator.loadtest.check.linear.HistoryOp.Outcome;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OutcomeTest {
    @ParameterizedTest(name = "{0} {1} retry={2} -> {4}")
    @CsvSource(
            delimiter = '|',
            value = {
                "WRITE  | 201 | false | r1.0.0;                                              | OK",
                "APPEND | 200 | false | r1.0.0;                                              | OK",
                "READ   | 404 | false | {\"error\":\"no such key\",\"detail\":\"p-0\"}       | OK",
                "DELETE | 404 | false | absent                                               | OK",
                "WRITE  | 409 | true  | {\"error\":\"duplicate\",\"detail\":\"at 0:1:2\"}    | OK",
                "WRITE  | 409 | false | {\"error\":\"duplicate\",\"detail\":\"at 0:1:2\"}    | UNKNOWN",
                "WRITE  | 503 | false | {\"error\":\"ordering_unavailable\",\"detail\":\"\"} | FAIL",
                "WRITE  | 503 | false | {\"error\":\"replica_not_delivering\"}               | FAIL",
                "WRITE  | 503 | false | {\"error\":\"overloaded\"}                           | FAIL",
                "WRITE  | 503 | false | service unavailable                                | UNKNOWN",
                "WRITE  | 504 | false | {\"error\":\"timeout\"}                              | UNKNOWN",
                "WRITE  | 502 | false | {\"error\":\"app_unreachable\"}                      | UNKNOWN",
                "WRITE  | 413 | false | {\"error\":\"payload_too_large\"}                    | FAIL",
                "READ   | 404 | false | {\"error\":\"no such path\"}                         | FAIL",
                "WRITE  | 0   | false | ''                                                   | UNKNOWN",
            })
    void answersMapToOutcomes(Kind kind, int status, boolean retry, String body, Outcome expected) {
        assertEquals(expected, new Attempt(status, body, false).outcome(kind, retry));
    }

    @ParameterizedTest
    @CsvSource({"WRITE", "READ", "APPEND", "DELETE"})
    void aRefusedConnectionSentNothing(Kind kind) {
        assertEquals(Outcome.FAIL, new Attempt(0, "", true).outcome(kind, false));
    }
}
