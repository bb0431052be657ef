package io.koordinator.proxy;

import io.koordinator.proxy.state.AppIncarnation;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The new-connection veto of reads that must see this replica's state: a new upstream connection
 * that reaches another incarnation of the app than the one the replica's state belongs to (the
 * app restarted and may have lost its state, which the replica has not rebuilt yet) is refused
 * before anything is sent. Unknown incarnations (no {@code /proc/net/tcp}, nothing matched yet)
 * are not vetoed.
 *
 * <p>Thread-safe; each call (only when a new connection opens) reads {@code /proc} through the
 * replica's {@link AppIncarnation#of}, exact, never a cached reading.
 */
final class AppVeto implements Supplier<String> {
    private final AppIncarnation incarnations;
    private final int appPort;
    private final LongSupplier expected;

    /**
     * @param incarnations the replica's watch of the app's listener
     * @param expected the incarnation the replica's state belongs to, 0 while not known
     */
    AppVeto(AppIncarnation incarnations, int appPort, LongSupplier expected) {
        this.incarnations = incarnations;
        this.appPort = appPort;
        this.expected = expected;
    }

    @Override
    public String get() {
        long want = expected.getAsLong();
        if (want == 0 || !incarnations.available()) {
            return null;
        }
        OptionalLong now = incarnations.of(appPort);
        if (now.isPresent() && now.getAsLong() != want) {
            return "the app at port " + appPort + " restarted (listener " + want + " -> " + now.getAsLong()
                    + ") and this replica has not rebuilt its state yet";
        }
        return null;
    }
}
