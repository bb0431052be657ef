package io.koordinator.proxy;

import io.koordinator.proxy.state.AppIncarnation;
import java.util.OptionalLong;

/**
 * The watch on the app's incarnation: the app restarted when the socket listening on its port is
 * another one than the replica's state belongs to. Polled by the control's tick, it turns the
 * replica WAITING_FOR_APP while nothing listens, back to CATCHING_UP when the same app listens
 * again, and hands another incarnation to {@link AppRecovery}; asked by the delivery loop, it vetoes
 * a new connection to another incarnation before anything is sent.
 *
 * <p>It keeps no state: the incarnation the state belongs to is its {@link Owner}'s.
 *
 * <p>Threading: {@link #check()}, {@link #afterDeliveryStop} and {@link #afterInDoubt} on the
 * control thread; {@link #appWaiting()}, {@link #appAnswered()} and {@link #newConnectionVeto()}
 * on the follower thread. Only the control thread starts a recovery.
 */
final class AppWatch {
    /**
     * What the watch asks of the replica that owns the follower and the expected incarnation; on
     * the control thread, except the first two, which the veto also calls on the follower thread.
     */
    interface Owner {
        /** The app incarnation the replica's state belongs to; 0 until known. */
        long appIncarnation();

        /** The replica's state belongs to app incarnation {@code incarnation} from now on. */
        void expect(long incarnation);

        /** Whether a follower runs. */
        boolean following();

        /** Writes a full checkpoint now, if a follower and its delivery loop run; on the control thread. */
        void writeCheckpoint();
    }

    private final ProxyConfig config;
    private final Replica replica;
    private final AppIncarnation incarnations;
    private final AppRecovery recovery;
    private final Owner owner;

    AppWatch(ProxyConfig config, Replica replica, AppIncarnation incarnations, AppRecovery recovery, Owner owner) {
        this.config = config;
        this.replica = replica;
        this.incarnations = incarnations;
        this.recovery = recovery;
        this.owner = owner;
    }

    /** Compares what listens on the app's port now with what the state belongs to, and acts on it. */
    void check() {
        if (!incarnations.available()) {
            return;
        }
        // Every 100 ms the sentinel's view is enough to see that nothing changed; anything else is
        // decided on a fresh reading of /proc (an empty view is always one).
        ReplicaState seenIn = replica.state();
        OptionalLong seen = incarnations.watch(config.appPort());
        if (!recovery.waitingToStart()
                && seenIn != ReplicaState.WAITING_FOR_APP
                && owner.appIncarnation() != 0
                && seen.isPresent()
                && seen.getAsLong() == owner.appIncarnation()) {
            return;
        }
        OptionalLong now = seen.isEmpty() ? seen : incarnations.of(config.appPort());
        if (recovery.waitingToStart()) {
            if (now.isPresent()) {
                recovery.appListening();
            }
            return;
        }
        ReplicaState state = replica.state();
        if (now.isEmpty()) {
            if (state == ReplicaState.DELIVERING || state == ReplicaState.CATCHING_UP) {
                replica.transition(ReplicaState.WAITING_FOR_APP, waitingForApp());
            }
            return;
        }
        long current = now.getAsLong();
        if (owner.appIncarnation() == 0) {
            owner.expect(current);
            owner.writeCheckpoint();
            return;
        }
        if (current == owner.appIncarnation()) {
            if (state == ReplicaState.WAITING_FOR_APP && owner.following()) {
                replica.transition(ReplicaState.CATCHING_UP, "the app listens again");
            }
            return;
        }
        // Another incarnation listens: the app restarted.
        if (state == ReplicaState.TRANSFERRING || state == ReplicaState.DRAINING) {
            return; // a transfer matches its snapshot to whatever app listens when it restores
        }
        String why = "the app restarted (listener " + owner.appIncarnation() + " -> " + current + ")";
        if (config.recovery().appKind() == AppKind.MEMORY) {
            owner.expect(current);
            recovery.recoverApp(why, "app_restarted");
        } else {
            // Its state survived its restart: carry on, from the recorded state.
            owner.expect(current);
            recovery.restartFromStore(why);
        }
    }

    /** The app is gone or another one: wait for it to listen, then treat it as restarted. */
    void afterDeliveryStop(String why) {
        replica.transition(ReplicaState.WAITING_FOR_APP, why + "; waiting for the app to come back");
        OptionalLong now = incarnations.of(config.appPort());
        if (now.isPresent() && now.getAsLong() != owner.appIncarnation()) {
            check(); // already back
        } else if (now.isPresent()) {
            recovery.restartFromStore(why);
        }
        // else: check() sees it listen again, as another incarnation
    }

    /** A delivery failed with its effect on the app unknown ({@code why}). */
    void afterInDoubt(String why) {
        OptionalLong now = incarnations.of(config.appPort());
        if (now.isPresent() && now.getAsLong() == owner.appIncarnation()) {
            // The same app is alive but failed the command: its effect is unknown.
            recovery.restartFromStore(why);
        } else {
            // The app died with it; what happens next depends on how it comes back.
            afterDeliveryStop(why);
        }
    }

    /** The current delivery loop finds the app not accepting connections. */
    void appWaiting() {
        ReplicaState s = replica.state();
        if (s == ReplicaState.DELIVERING || s == ReplicaState.CATCHING_UP) {
            replica.transition(ReplicaState.WAITING_FOR_APP, waitingForApp());
        }
    }

    /** The app answered the current delivery loop. */
    void appAnswered() {
        if (replica.state() == ReplicaState.WAITING_FOR_APP && !recovery.waitingToStart()) {
            replica.transition(ReplicaState.WAITING_FOR_APP, ReplicaState.CATCHING_UP, "the app answers again");
        }
    }

    /** See {@link DeliveryEvents#newConnectionVeto()}. */
    String newConnectionVeto() {
        if (!incarnations.available()) {
            return null;
        }
        OptionalLong now = incarnations.of(config.appPort());
        if (now.isEmpty()) {
            return null; // connected, but the listener is gone again: the exchange fails on its own
        }
        long current = now.getAsLong();
        if (owner.appIncarnation() == 0) {
            owner.expect(current); // the first app this replica's state is matched to
            return null;
        }
        if (current != owner.appIncarnation()) {
            return "the app at port " + config.appPort() + " is another incarnation (listener "
                    + owner.appIncarnation() + " -> " + current
                    + "): its state must be recovered before anything more is delivered";
        }
        return null;
    }

    private String waitingForApp() {
        return "waiting for the app at " + config.appHost() + ":" + config.appPort() + " to accept connections";
    }
}
