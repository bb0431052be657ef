package io.koordinator.loadtest.load;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.DiscreteSampler;
import org.apache.commons.rng.sampling.distribution.RejectionInversionZipfSampler;

/**
 * Picks key indices {@code 0..n-1} of one key family, uniformly or Zipf-distributed with index 0
 * the hottest. Not thread-safe: one client owns each chooser and its random source.
 */
final class KeyChooser {
    /** YCSB's default Zipfian constant. */
    static final double ZIPF_EXPONENT = 0.99;

    private final int n;
    private final UniformRandomProvider random;
    private final DiscreteSampler zipf;

    KeyChooser(LoadConfig.KeyDistribution distribution, int n, UniformRandomProvider random) {
        if (n < 1) {
            throw new IllegalArgumentException("a key family needs at least one key: " + n);
        }
        this.n = n;
        this.random = random;
        this.zipf = distribution == LoadConfig.KeyDistribution.ZIPFIAN
                ? RejectionInversionZipfSampler.of(random, n, ZIPF_EXPONENT)
                : null;
    }

    /** The next key index, {@code 0..n-1}. */
    int next() {
        // The sampler counts ranks from 1.
        return zipf == null ? random.nextInt(n) : zipf.sample() - 1;
    }
}
