package io.koordinator.proxy;

import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the proxy acknowledges the app's answers at once ({@code TCP_QUICKACK} after every
 * request, {@link Transports#ackAtOnce}) instead of leaving the ACK to the kernel's delayed-ACK
 * timer. An app that writes a response's headers and body apart with Nagle's algorithm on (Python's
 * {@code http.server}, the JDK's HTTP server by default) holds the body until the headers are
 * acknowledged, and on a kept-alive connection the proxy's kernel waits up to 40 ms before it does:
 * 40 ms an exchange. Acknowledging every answer at once costs a packet per exchange (a tenth of the
 * ordered rate on a saturated 2-core node with an app that needs no such help), so it is turned on
 * only once a connection to this app shows the sign: a response's headers arrived and its body did
 * not follow them at once (docs/benchmarks.md). It stays on for the app's every connection.
 *
 * <p>Threading: any thread.
 */
final class AppAcks {
    private static final Logger log = LoggerFactory.getLogger(AppAcks.class);

    private final InetSocketAddress app;
    private volatile boolean atOnce;

    AppAcks(InetSocketAddress app) {
        this.app = app;
    }

    /** Whether every answer is to be acknowledged at once. */
    boolean atOnce() {
        return atOnce;
    }

    /** A response's body did not follow its headers at once: acknowledge every answer from now on. */
    void bodyHeldBack() {
        if (!atOnce) {
            atOnce = true;
            log.info(
                    "the app at {} held a response's body back after its headers (Nagle's algorithm on?):"
                            + " its answers are acknowledged at once from now on",
                    app);
        }
    }
}
