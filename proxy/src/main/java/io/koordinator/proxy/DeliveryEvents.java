package io.koordinator.proxy;

/**
 * What the delivery loop tells the replica's control, and asks it. Called on the delivery
 * (follower) thread; none may block for long.
 */
interface DeliveryEvents {
    /** The app does not accept connections ({@code why}); delivery retries the command, which it never saw. */
    void appWaiting(String why);

    /** The app answered a delivery. */
    void appAnswered();

    /**
     * Asked before a delivery opens a new connection to the app: {@code null} to go on, or why
     * not (the app listening now is not the incarnation the replica's state belongs to).
     */
    String newConnectionVeto();

    /** The follower stopped for good because of {@code cause}; recovery decides what comes next. */
    void followerStopped(Throwable cause);
}
