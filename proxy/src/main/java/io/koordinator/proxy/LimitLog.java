package io.koordinator.proxy;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WARN per limit per minute at most, however often the limit is hit: a flood must not turn
 * into a flood of log lines. The line says how many hits it stands for; every hit is counted in
 * {@code koordinator_proxy_limit_hits_total}. Thread-safe.
 */
final class LimitLog {
    static final long INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private static final Logger log = LoggerFactory.getLogger(LimitLog.class);

    private final String logId;
    private final Map<Limit, AtomicLong> nextWarn = new EnumMap<>(Limit.class);
    private final Map<Limit, AtomicLong> unlogged = new EnumMap<>(Limit.class);

    LimitLog(String logId) {
        this.logId = logId;
        long now = System.nanoTime();
        for (Limit l : Limit.values()) {
            nextWarn.put(l, new AtomicLong(now));
            unlogged.put(l, new AtomicLong());
        }
    }

    void hit(Limit limit, String detail) {
        AtomicLong next = nextWarn.get(limit);
        long now = System.nanoTime();
        long due = next.get();
        if (now - due >= 0 && next.compareAndSet(due, now + INTERVAL_NANOS)) {
            long others = unlogged.get(limit).getAndSet(0);
            log.warn(
                    "{} limit {}: {}{}; every hit is counted in koordinator_proxy_limit_hits_total{limit=\"{}\"}",
                    logId,
                    limit.label(),
                    detail,
                    others == 0 ? "" : " (and " + others + " more since the last line)",
                    limit.label());
        } else {
            unlogged.get(limit).incrementAndGet();
            log.debug("{} limit {}: {}", logId, limit.label(), detail);
        }
    }
}
