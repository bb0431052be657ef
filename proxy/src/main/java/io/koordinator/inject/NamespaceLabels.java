package io.koordinator.inject;

import java.util.Map;

/**
 * The labels of a namespace, which the AdmissionReview does not carry. Implementations must not throw: when
 * they cannot tell, they answer no labels, and the API server's own admission (Pod Security) still applies.
 */
@FunctionalInterface
interface NamespaceLabels {

    /** No lookup at all: every namespace has no labels. */
    NamespaceLabels NONE = namespace -> Map.of();

    Map<String, String> of(String namespace);
}
