package io.koordinator.sequencer;

/**
 * A snapshot of a sequencer's counters; all counts since start.
 *
 * @param appendsInFlight entries being created now
 * @param entriesAppended entries this sequencer created
 * @param commandsAppended commands in those entries
 * @param appendRetries creates retried after an unknown outcome
 * @param appendsRejected appends failed with {@link SequencerUnavailableException}
 * @param duplicatesSkipped commands the followers skipped as duplicates
 * @param reconnects re-reads of the log after a reconnect
 * @param sessionExpiries sessions lost and replaced
 * @param entriesCompacted entries this sequencer deleted as the group's compaction leader
 * @param floorMoves times this sequencer raised the group's compaction floor
 * @param entriesFoundByProbe entries the followers found by their fallback stall probe, with no
 *     watch event announcing them: each one waited at least the probe delay (0 on the happy path)
 * @param ownEntriesFromAppend entries the followers took from the answers of this sequencer's
 *     own appends, not waiting for a read of them (a read sent already is answered, and dropped)
 * @param probesFailed stall probes that failed on a lost connection or session and ran again
 */
public record SequencerStats(
        int appendsInFlight,
        long entriesAppended,
        long commandsAppended,
        long appendRetries,
        long appendsRejected,
        long duplicatesSkipped,
        long reconnects,
        long sessionExpiries,
        long entriesCompacted,
        long floorMoves,
        long entriesFoundByProbe,
        long ownEntriesFromAppend,
        long probesFailed) {

    /** Average commands per entry, 0 before the first entry. */
    public double commandsPerEntry() {
        return entriesAppended == 0 ? 0 : (double) commandsAppended / entriesAppended;
    }
}
