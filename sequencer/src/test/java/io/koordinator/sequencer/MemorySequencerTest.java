package io.koordinator.sequencer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

class MemorySequencerTest extends SequencerContract {
    private final Map<String, MemorySequencer.Log> logs = new ConcurrentHashMap<>();
    private final List<MemorySequencer.Log> used = new ArrayList<>();
    private final Map<Sequencer, MemorySequencer.Log> logOf = new ConcurrentHashMap<>();

    @Override
    protected Sequencer newSequencer(String group, String replicaId) {
        MemorySequencer.Log log = logs.computeIfAbsent(group, g -> new MemorySequencer.Log());
        used.add(log);
        MemorySequencer s = new MemorySequencer(log, SequencerConfig.defaults("memory", group, replicaId));
        s.start();
        logOf.put(s, log);
        return s;
    }

    @Override
    protected void breakConnection() {
        used.forEach(l -> l.setAvailable(false));
    }

    @Override
    protected void restoreConnection() {
        used.forEach(l -> l.setAvailable(true));
    }

    @Override
    protected void compact(Sequencer sequencer, long floor) {
        logOf.get(sequencer).compact(floor);
    }
}
