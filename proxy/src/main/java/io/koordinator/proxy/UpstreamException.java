package io.koordinator.proxy;

/** An exchange with the app failed; {@link #kind()} says how far it got. */
final class UpstreamException extends Exception {
    enum Kind {
        /** No connection: the app never saw the request. */
        CONNECT,
        /** A reused keep-alive connection closed before any response byte: the app had closed it. */
        STALE,
        /** The connection failed after the request was sent. */
        RESET,
        /** No complete response in time. */
        TIMEOUT,
        /** The response could not be parsed or was too large. */
        PROTOCOL,
        /** A new connection reached an app other than the one the replica's state belongs to; nothing was sent. */
        VETOED
    }

    private final Kind kind;

    UpstreamException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    Kind kind() {
        return kind;
    }

    /** Whether sending the same request again cannot apply it twice (as far as the proxy can tell). */
    boolean retryable() {
        return kind == Kind.CONNECT || kind == Kind.STALE;
    }

    /** Whether the app may have received the request (and so may have applied it). */
    boolean mayHaveReachedApp() {
        return kind == Kind.RESET || kind == Kind.TIMEOUT || kind == Kind.PROTOCOL;
    }
}
