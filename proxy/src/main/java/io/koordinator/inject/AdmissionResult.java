package io.koordinator.inject;

import java.nio.charset.StandardCharsets;

/**
 * The HTTP answer to one POST /mutate, and what happened, for metrics and the log.
 *
 * @param httpStatus 200 with an AdmissionReview; 400 / 413 with {@code {"error": ..., "detail": ...}}
 * @param body JSON
 * @param outcome one of {@link Outcome}
 * @param detail the reason: skip reason, refusal message, or what was malformed
 */
public record AdmissionResult(int httpStatus, byte[] body, Outcome outcome, String detail) {

    /** What the webhook did with a request; the {@code outcome} label of the admissions counter. */
    public enum Outcome {
        /** A patch adding Koordinator. */
        INJECTED,
        /** Allowed unchanged: opted out, host network, already injected, not a CREATE. */
        SKIPPED,
        /** Allowed unchanged: not a pod. */
        IGNORED,
        /** {@code allowed: false}: an invalid annotation, no group, no app port. */
        REFUSED,
        /** {@code allowed: false}: the injector failed on an unexpected shape (logged with its stack trace). */
        FAILED,
        /** HTTP 400: not an AdmissionReview v1. */
        MALFORMED,
        /** HTTP 413: the review is over the size cap. */
        TOO_LARGE;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public AdmissionResult withOutcome(Outcome newOutcome) {
        return new AdmissionResult(httpStatus, body, newOutcome, detail);
    }

    public AdmissionResult withDetail(String newDetail) {
        return new AdmissionResult(httpStatus, body, outcome, newDetail);
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
