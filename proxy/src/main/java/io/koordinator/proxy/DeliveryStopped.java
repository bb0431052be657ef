package io.koordinator.proxy;

import io.koordinator.sequencer.Positions;

/**
 * Why delivery stopped at a command; thrown from the delivery loop, it stops the follower, and
 * the replica's control decides how to recover. Never means "skip the command".
 */
final class DeliveryStopped extends Exception {
    enum Cause {
        /** The command may have reached the app without its answer: its effect is unknown here. */
        IN_DOUBT,
        /** The app listening now is another incarnation than the one the state belongs to; nothing was sent. */
        APP_RESTARTED,
        /** The command cannot be delivered at all (its payload does not decode). */
        CORRUPT
    }

    private final Cause cause;
    private final long position;

    DeliveryStopped(Cause cause, long position, String message, Throwable underlying) {
        super(message + " (at " + Positions.format(position) + ")", underlying);
        this.cause = cause;
        this.position = position;
    }

    Cause kind() {
        return cause;
    }

    long position() {
        return position;
    }
}
