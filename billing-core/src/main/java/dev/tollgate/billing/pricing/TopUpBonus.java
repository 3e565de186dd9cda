package dev.tollgate.billing.pricing;

import java.math.BigInteger;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A bonus on top-ups by tiers of amount: a top-up of at least a tier's minimum gets that tier's
 * share on top (the highest tier it reaches), rounded down to the nano-unit. No tiers: no bonus.
 */
public final class TopUpBonus {

  /** Parts per million in 1 (a bonus of 100% is 1 000 000 ppm). */
  public static final long MILLION = 1_000_000L;

  /** Upper bound of a tier's share: ten times the top-up. */
  public static final long MAX_PPM = 10 * MILLION;

  /**
   * @param minNanos the least top-up the tier applies to, nano-units
   * @param ppm the bonus as a share of the top-up, parts per million
   */
  public record Tier(long minNanos, long ppm) {

    public Tier {
      if (minNanos < 0) {
        throw new IllegalArgumentException("minNanos: " + minNanos + " (expected: >= 0)");
      }
      if (ppm < 0 || ppm > MAX_PPM) {
        throw new IllegalArgumentException("ppm: " + ppm + " (expected: 0.." + MAX_PPM + ")");
      }
    }
  }

  public static final TopUpBonus NONE = new TopUpBonus(List.of());

  private final List<Tier> tiers;

  public TopUpBonus(List<Tier> tiers) {
    Objects.requireNonNull(tiers, "tiers");
    this.tiers = tiers.stream().sorted(Comparator.comparingLong(Tier::minNanos)).toList();
  }

  /** The bonus on a top-up of {@code amountNanos}: 0 below every tier. */
  public long bonusNanos(long amountNanos) {
    if (amountNanos <= 0) {
      return 0;
    }
    long ppm = 0;
    for (Tier tier : tiers) {
      if (amountNanos >= tier.minNanos()) {
        ppm = tier.ppm();
      }
    }
    BigInteger bonus =
        BigInteger.valueOf(amountNanos)
            .multiply(BigInteger.valueOf(ppm))
            .divide(BigInteger.valueOf(MILLION));
    return bonus.bitLength() < 64 ? bonus.longValue() : Long.MAX_VALUE;
  }

  public List<Tier> tiers() {
    return tiers;
  }
}
