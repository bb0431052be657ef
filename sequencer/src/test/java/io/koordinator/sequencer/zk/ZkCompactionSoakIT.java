package io.koordinator.sequencer.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.LogCheckpoint;
import io.koordinator.sequencer.RequestId;
import io.koordinator.sequencer.SequencerConfig;
import io.koordinator.sequencer.zk.CompactionFixture.Replica;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sustained load with compaction on: three replicas append and follow for {@value #SECONDS} s, and
 * on (up to {@value #MAX_SECONDS} s) until the log holds three times the bound, at most {@value
 * #COMMANDS_PER_REPLICA} commands each; the log rolls over segments, and the group's znode count
 * stays bounded while the log grows far past the bound.
 */
class ZkCompactionSoakIT {
    private static final Logger log = LoggerFactory.getLogger(ZkCompactionSoakIT.class);
    private static final int SECONDS = 30;
    private static final int MAX_SECONDS = 60;
    private static final int COMMANDS_PER_REPLICA = 40_000;
    private static final int OUTSTANDING = 4;
    private static final long RETAIN = 200;
    private static final long ROLLOVER = 2_000;
    /** Retained entries + what a 250 ms round lets pile up + deletes in flight + the rest of the subtree. */
    private static final long BOUND = 2_500;

    @Test
    void theZnodeCountStaysBoundedUnderSustainedLoad() throws Exception {
        try (TestingServer server = new TestingServer(true);
                CuratorFramework raw =
                        CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100))) {
            raw.start();
            raw.blockUntilConnected();

            // given three replicas with compaction every 250 ms keeping 200 entries, segments of 2,000
            List<Replica> replicas = new ArrayList<>();
            SequencerConfig config = null;
            for (String id : List.of("r0", "r1", "r2")) {
                config = CompactionFixture.config(server.getConnectString(), "soak", id, Duration.ofMillis(250), RETAIN)
                        .withSegmentRollover(ROLLOVER);
                replicas.add(Replica.start(config, LogCheckpoint.START));
            }
            ZkLayout layout = new ZkLayout(config);
            String groupPath = config.groupPath();

            // and a sampler of the group's znode count
            AtomicLong maxCount = new AtomicLong();
            List<Long> samples = new java.util.concurrent.CopyOnWriteArrayList<>();
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleWithFixedDelay(
                    () -> {
                        try {
                            long count = CompactionFixture.znodeCount(raw, layout, groupPath);
                            samples.add(count);
                            maxCount.accumulateAndGet(count, Math::max);
                        } catch (Exception e) {
                            // a segment vanished between the listing and its stat: next sample
                        }
                    },
                    500,
                    500,
                    TimeUnit.MILLISECONDS);
            try {
                // when each replica appends with a few commands outstanding, for a bounded time
                long started = System.nanoTime();
                BooleanSupplier goOn = () -> {
                    long elapsed = System.nanoTime() - started;
                    long entries = replicas.stream()
                            .mapToLong(r -> r.sequencer().stats().entriesAppended())
                            .sum();
                    return elapsed < TimeUnit.SECONDS.toNanos(SECONDS)
                            || (entries <= 3 * BOUND && elapsed < TimeUnit.SECONDS.toNanos(MAX_SECONDS));
                };
                List<CompletableFuture<Long>> loads = new ArrayList<>();
                for (Replica r : replicas) {
                    loads.add(CompletableFuture.supplyAsync(() -> load(r.sequencer(), goOn)));
                }
                long acked = 0;
                for (CompletableFuture<Long> load : loads) {
                    acked += load.get(MAX_SECONDS + 60, TimeUnit.SECONDS);
                }
                double seconds = (System.nanoTime() - started) / 1e9;

                // then every follower reads the same log to its end
                long end = replicas.stream()
                        .mapToLong(r -> r.follower().tailSeen())
                        .max()
                        .getAsLong();
                await().atMost(Duration.ofSeconds(120))
                        .until(() ->
                                replicas.stream().allMatch(r -> r.follower().appliedPosition() >= end));
                long entries = replicas.stream()
                        .mapToLong(r -> r.sequencer().stats().entriesAppended())
                        .sum();
                long deleted = replicas.stream()
                        .mapToLong(r -> r.sequencer().stats().entriesCompacted())
                        .sum();
                long segmentsDeleted = replicas.stream()
                        .mapToLong(r -> r.sequencer().segmentsCompacted())
                        .sum();
                long finalCount = CompactionFixture.znodeCount(raw, layout, groupPath);
                log.info(
                        "soak: {} commands in {} entries over {} s; {} entries and {} segments compacted; znodes"
                                + " max {} final {} (samples every 0.5 s: {})",
                        acked,
                        entries,
                        String.format("%.1f", seconds),
                        deleted,
                        segmentsDeleted,
                        maxCount.get(),
                        finalCount,
                        samples);
                for (Replica r : replicas) {
                    assertThat(r.follower().failure()).isEmpty();
                    assertThat(r.sequencer().gapsSkipped()).isZero();
                    assertThat(r.recorder().ids).isEqualTo(replicas.get(0).recorder().ids);
                }
                assertThat(replicas.get(0).recorder().ids).hasSizeGreaterThanOrEqualTo((int) acked);

                // and the log grew well past the bound while the subtree stayed below it
                assertThat(entries).as("entries appended").isGreaterThan(3 * BOUND);
                // (how far the count rises between two compaction rounds grows with the append rate,
                // which a quiet machine raises: the bound is the fixed one or a quarter of the log,
                // whichever is larger; an unbounded subtree would reach the whole log)
                assertThat(maxCount.get()).as("largest znode count").isLessThan(Math.max(BOUND, entries / 4));
                assertThat(segmentsDeleted).as("whole segments deleted").isGreaterThan(0);
                // (the leader goes on deleting meanwhile, so the log may hold more than counted above)
                assertThat(CompactionFixture.assertFloorWrittenBeforeEveryDelete(server.getTempDirectory(), layout))
                        .isGreaterThanOrEqualTo(deleted);
            } finally {
                sampler.shutdownNow();
                replicas.forEach(Replica::close);
            }
        }
    }

    /** Appends while {@code goOn} says so, within the command budget, {@value #OUTSTANDING} outstanding; returns the acks. */
    private static long load(ZkSequencer s, BooleanSupplier goOn) {
        Semaphore window = new Semaphore(OUTSTANDING);
        AtomicLong acked = new AtomicLong();
        String origin = s.config.replicaId();
        try {
            for (int i = 0; i < COMMANDS_PER_REPLICA && goOn.getAsBoolean(); i++) {
                if (!window.tryAcquire(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("appends stopped completing");
                }
                Command c = new Command(new RequestId(origin, i), System.currentTimeMillis(), null, new byte[16]);
                s.append(c).whenComplete((position, error) -> {
                    if (error == null) {
                        acked.incrementAndGet();
                    }
                    window.release();
                });
            }
            if (!window.tryAcquire(OUTSTANDING, 30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("appends stopped completing");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return acked.get();
    }
}
