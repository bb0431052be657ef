package io.koordinator.proxy;

import io.koordinator.sequencer.Sequencer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group's token on the admin port: the one check of {@code Authorization: Bearer <token>} for
 * every protected route ({@code /status}, {@code /transfer/snapshot}), and the token a joiner sends
 * to its peer.
 *
 * <p>The token is {@code --transfer-token} ({@code KOORD_TRANSFER_TOKEN}, mounted by the injector
 * from the Secret of {@code koordinator.io/transfer-token-secret}), or else the one generated in the
 * group's subtree ({@code <group>/secrets/transfer-token}, {@link Sequencer#sharedSecret}), read
 * once and kept. Comparison is in constant time ({@link MessageDigest#isEqual}).
 *
 * <p>Each refusal is counted in {@code koordinator_admin_refusals_total{reason}}; the log gets at
 * most one WARN per cause (missing token, wrong token) for the life of the proxy, so a client
 * trying tokens cannot fill it.
 *
 * <p>Threading: any thread. {@link #token()} and {@link #check} may block on ZooKeeper until the
 * generated token has been read once: call them on an event loop only when {@link #tokenKnown()}.
 */
final class AdminAuth {
    private static final Logger log = LoggerFactory.getLogger(AdminAuth.class);
    static final String SCHEME = "Bearer ";
    static final String SECRET_NAME = "transfer-token";

    /** What {@link #check} found. */
    enum Verdict {
        ALLOWED(null),
        /** No {@code Authorization: Bearer} header: 401. */
        MISSING("no_token"),
        /** A token that is not the group's: 403. */
        WRONG("bad_token");

        private final String reason;

        Verdict(String reason) {
            this.reason = reason;
        }

        /** The {@code reason} label of {@code koordinator_admin_refusals_total}. */
        String reason() {
            return reason;
        }
    }

    private final Sequencer sequencer;
    private final ProxyMetrics metrics;
    private final String logId;
    private final Map<Verdict, AtomicBoolean> logged = new EnumMap<>(Verdict.class);
    private volatile String token; // the configured one, or the generated one once read

    AdminAuth(ProxyConfig config, Sequencer sequencer, ProxyMetrics metrics) {
        this.sequencer = sequencer;
        this.metrics = metrics;
        this.logId = config.logId();
        this.token = config.recovery().transferToken();
        for (Verdict v : Verdict.values()) {
            logged.put(v, new AtomicBoolean());
        }
    }

    /** The group's token: the configured one, or the one generated in the group's subtree. */
    String token() throws Exception {
        String t = token;
        if (t == null) {
            t = sequencer.sharedSecret(SECRET_NAME);
            token = t;
        }
        return t;
    }

    /** Whether {@link #token()} and {@link #check} can answer without ZooKeeper. */
    boolean tokenKnown() {
        return token != null;
    }

    /**
     * Checks an {@code Authorization} header value (or {@code null}) against the group's token,
     * counting and logging (once per cause) a refusal of {@code what} (e.g. {@code GET /status}).
     *
     * @throws Exception the generated token cannot be read (ZooKeeper unreachable)
     */
    Verdict check(String authorization, String what) throws Exception {
        Verdict v = verdict(authorization);
        if (v != Verdict.ALLOWED) {
            metrics.adminRefused(v.reason());
            if (logged.get(v).compareAndSet(false, true)) {
                log.warn(
                        "{} refused {}: {} (further refusals of this cause are only counted in"
                                + " koordinator_admin_refusals_total{reason=\"{}\"})",
                        logId,
                        what,
                        v == Verdict.MISSING ? "no Bearer token" : "a wrong token",
                        v.reason());
            }
        }
        return v;
    }

    private Verdict verdict(String authorization) throws Exception {
        if (authorization == null || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return Verdict.MISSING;
        }
        byte[] given = authorization.substring(SCHEME.length()).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, token().getBytes(StandardCharsets.UTF_8)) ? Verdict.ALLOWED : Verdict.WRONG;
    }
}
