package io.koordinator.inject;

/**
 * The pod cannot be injected as it stands: an annotation is invalid, the app port or the group cannot be
 * told. The webhook answers {@code allowed: false} with this message, which {@code kubectl} shows the user,
 * so the message names the annotation or field to fix.
 */
public final class Refusal extends RuntimeException {

    public Refusal(String message) {
        super(message, null, false, false);
    }

    /** A refusal for an invalid annotation value: "annotation KEY: PROBLEM". */
    static Refusal annotation(String key, IllegalArgumentException problem) {
        return new Refusal("annotation " + key + ": " + problem.getMessage());
    }
}
