package io.koordinator.loadtest.kv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KvStoreTest {

    @Test
    void sameWritesInSameOrderGiveSameDigest() {
        KvStore a = new KvStore();
        KvStore b = new KvStore();
        for (KvStore s : new KvStore[] {a, b}) {
            s.put("k1", "v".getBytes(UTF_8), "r-1", 0);
            s.append("k2", "x".getBytes(UTF_8), "r-2", 1);
            s.delete("k1", "r-3", 2);
            s.append("k2", "y".getBytes(UTF_8), "r-4", 3);
        }
        assertThat(a.digestHex()).isEqualTo(b.digestHex()).hasSize(64);
        assertThat(a.applied()).isEqualTo(4);
        assertThat(a.appliedIds()).containsExactly("r-1", "r-2", "r-3", "r-4");
        assertThat(a.appliedIds()).isEqualTo(b.appliedIds());
    }

    @Test
    void aCopyKeepsTheStateOfWhenItWasTakenWhileTheOriginalGoesOn() {
        KvStore live = new KvStore();
        live.put("k1", "v".getBytes(UTF_8), "r-1", 5);
        live.append("k2", "x".getBytes(UTF_8), "r-2", 6);
        byte[] before = live.snapshot();
        KvStore copy = live.copy();

        live.put("k1", "w".getBytes(UTF_8), "r-3", 7);
        live.append("k2", "y".getBytes(UTF_8), "r-4", 8);
        live.delete("k2", "r-5", 9);

        assertThat(copy.snapshot()).isEqualTo(before);
        assertThat(copy.get("k2")).isEqualTo("x".getBytes(UTF_8));
        assertThat(copy.lastPosition()).isEqualTo(6);
        assertThat(live.applied()).isEqualTo(5);
    }

    @Test
    void digestDependsOnStateNotOnInsertionOrderOfKeys() {
        KvStore a = new KvStore();
        a.put("a", "1".getBytes(UTF_8), null, -1);
        a.put("b", "2".getBytes(UTF_8), null, -1);
        KvStore b = new KvStore();
        b.put("b", "2".getBytes(UTF_8), null, -1);
        b.put("a", "1".getBytes(UTF_8), null, -1);
        assertThat(a.digestHex()).isEqualTo(b.digestHex());
        assertThat(a.appliedIds()).containsExactly(KvStore.NO_REQUEST_ID, KvStore.NO_REQUEST_ID);
    }

    @Test
    void appendOrderChangesValueAndDigest() {
        KvStore a = new KvStore();
        a.append("k", "x".getBytes(UTF_8), "r-1", -1);
        a.append("k", "y".getBytes(UTF_8), "r-2", -1);
        KvStore b = new KvStore();
        b.append("k", "y".getBytes(UTF_8), "r-2", -1);
        b.append("k", "x".getBytes(UTF_8), "r-1", -1);
        assertThat(new String(a.get("k"), UTF_8)).isEqualTo("xy");
        assertThat(new String(b.get("k"), UTF_8)).isEqualTo("yx");
        assertThat(a.digestHex()).isNotEqualTo(b.digestHex());
    }

    @Test
    void keyAndValueBoundariesAreUnambiguous() {
        // "ab" -> "c" and "a" -> "bc" concatenate to the same bytes; the length prefixes tell them apart.
        KvStore a = new KvStore();
        a.put("ab", "c".getBytes(UTF_8), null, -1);
        KvStore b = new KvStore();
        b.put("a", "bc".getBytes(UTF_8), null, -1);
        assertThat(a.digestHex()).isNotEqualTo(b.digestHex());
    }

    @Test
    void deleteOfMissingKeyIsAppliedButLeavesStateAlone() {
        KvStore s = new KvStore();
        String empty = s.digestHex();
        assertThat(s.delete("nope", "r-1", 5)).isFalse();
        assertThat(s.digestHex()).isEqualTo(empty);
        assertThat(s.applied()).isEqualTo(1);
        assertThat(s.lastPosition()).isEqualTo(5);
    }

    @Test
    void positionsNotAboveTheLastAreCountedOutOfOrder() {
        KvStore s = new KvStore();
        s.put("k", new byte[0], "r-1", 10);
        s.put("k", new byte[0], "r-2", 10);
        s.put("k", new byte[0], "r-3", 7);
        s.put("k", new byte[0], "r-4", 11);
        assertThat(s.outOfOrder()).isEqualTo(2);
        assertThat(s.lastPosition()).isEqualTo(11);
    }

    @Test
    void returnedValuesAreCopies() {
        KvStore s = new KvStore();
        byte[] v = "abc".getBytes(UTF_8);
        s.put("k", v, null, -1);
        v[0] = 'z';
        s.get("k")[1] = 'z';
        assertThat(new String(s.get("k"), UTF_8)).isEqualTo("abc");
    }
}
