package io.koordinator.proxy;

import java.util.Locale;

/** The limits against abuse; each hit is counted in {@code koordinator_proxy_limit_hits_total{limit}}. */
enum Limit {
    /** {@code --header-read-timeout}: the connection got 408 and was closed. */
    HEADER_READ_TIMEOUT,
    /** The idle timeout in the middle of a request body: the connection got 408 and was closed. */
    BODY_IDLE_TIMEOUT,
    /** {@code --max-request-line-bytes}: 414. */
    MAX_REQUEST_LINE_BYTES,
    /** {@code --max-header-bytes}: 431. */
    MAX_HEADER_BYTES,
    /** {@code --max-connections}: the connection was closed as it was accepted. */
    MAX_CONNECTIONS,
    /** {@code --max-ordered-in-flight} or {@code --max-ordered-in-flight-bytes}: 503. */
    MAX_ORDERED_IN_FLIGHT;

    /** The metric label: the flag's name without dashes. */
    String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
