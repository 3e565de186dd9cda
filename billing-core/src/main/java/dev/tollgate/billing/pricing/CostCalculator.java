package dev.tollgate.billing.pricing;

import java.math.BigInteger;
import java.util.Objects;

/**
 * The cost of one request in nano-units: base price by token kind plus the per-request price, times
 * {@code (1 + markup)} and {@code (1 - discount)}, rounded up once at the end.
 *
 * <p>The exact value is {@code ceil(base * (10^6 + markupPpm) * (10^6 - discountPpm) / 10^18)},
 * where {@code base} is in nano-units per million tokens (one factor 10^6) and markup and discount
 * are parts per million (10^12 together). That product exceeds 64 bits for almost any real request,
 * so it is never formed: {@link #cost} splits it into 10^6-sized digits that each fit a {@code
 * long} (exact for requests up to a few thousand currency units), and only on overflow redoes the
 * whole computation with {@link BigInteger}.
 */
public final class CostCalculator {

  /** Parts per million, and tokens per price unit. */
  public static final long MILLION = 1_000_000L;

  private static final long E12 = MILLION * MILLION;
  private static final long E18 = E12 * MILLION;
  private static final BigInteger BIG_E18 = BigInteger.valueOf(E18);

  private CostCalculator() {}

  /**
   * The cost of one request without prompt-cache writes.
   *
   * @see #cost(ModelPrice, long, long, long, long, long, long, long)
   */
  public static long cost(
      ModelPrice price,
      long promptTokens,
      long cachedPromptTokens,
      long completionTokens,
      long reasoningTokens,
      long discountPpm) {
    return cost(
        price,
        promptTokens,
        cachedPromptTokens,
        0,
        0,
        completionTokens,
        reasoningTokens,
        discountPpm);
  }

  /**
   * The cost of one request.
   *
   * @param promptTokens input tokens, cached ones and cache writes included
   * @param cachedPromptTokens input tokens served from the provider's cache, priced at the cached
   *     input price
   * @param cacheWriteTokens input tokens written to the provider's cache, priced at the cache-write
   *     price (the one-hour ones among them at the one-hour price); the rest of the prompt ({@code
   *     prompt - cached - cacheWrite}, never negative) at the input price
   * @param cacheWrite1hTokens the part of {@code cacheWriteTokens} written for one hour (at most
   *     all of them)
   * @param completionTokens output tokens, reasoning ones included
   * @param reasoningTokens output tokens spent on reasoning, priced at the reasoning price; the
   *     rest of the completion ({@code completion - reasoning}, never negative) at the output price
   * @param discountPpm the account discount, parts per million: 0 (none) to 1,000,000 (free)
   * @return nano-units, rounded up
   * @throws IllegalArgumentException for a negative token count or a discount out of range
   */
  public static long cost(
      ModelPrice price,
      long promptTokens,
      long cachedPromptTokens,
      long cacheWriteTokens,
      long cacheWrite1hTokens,
      long completionTokens,
      long reasoningTokens,
      long discountPpm) {
    Objects.requireNonNull(price, "price");
    requireNonNegative("promptTokens", promptTokens);
    requireNonNegative("cachedPromptTokens", cachedPromptTokens);
    requireNonNegative("cacheWriteTokens", cacheWriteTokens);
    requireNonNegative("cacheWrite1hTokens", cacheWrite1hTokens);
    requireNonNegative("completionTokens", completionTokens);
    requireNonNegative("reasoningTokens", reasoningTokens);
    if (discountPpm < 0 || discountPpm > MILLION) {
      throw new IllegalArgumentException(
          "discountPpm: " + discountPpm + " (expected: 0.." + MILLION + ")");
    }
    long uncached = Math.max(0, promptTokens - cachedPromptTokens - cacheWriteTokens);
    long write1h = Math.min(cacheWrite1hTokens, cacheWriteTokens);
    long write5m = cacheWriteTokens - write1h;
    long plainOutput = Math.max(0, completionTokens - reasoningTokens);
    long markup = MILLION + price.markupPpm();
    long keep = MILLION - discountPpm;
    try {
      long input =
          Math.addExact(
              Math.addExact(
                  Math.multiplyExact(uncached, price.inputPerMillion()),
                  Math.multiplyExact(cachedPromptTokens, price.cachedInputPerMillion())),
              Math.addExact(
                  Math.multiplyExact(write5m, price.cacheWritePerMillion()),
                  Math.multiplyExact(write1h, price.cacheWrite1hPerMillion())));
      long base =
          Math.addExact(
              input,
              Math.addExact(
                  Math.addExact(
                      Math.multiplyExact(plainOutput, price.outputPerMillion()),
                      Math.multiplyExact(reasoningTokens, price.reasoningPerMillion())),
                  Math.multiplyExact(price.perRequest(), MILLION)));
      return scaleExact(base, markup, keep);
    } catch (ArithmeticException overflow) {
      return scaleBig(
          price,
          new long[] {uncached, cachedPromptTokens, write5m, write1h, plainOutput, reasoningTokens},
          markup,
          keep);
    }
  }

  /**
   * {@code ceil(base * markup * keep / 10^18)} in {@code long}s, by writing the product in base
   * 10^6: with {@code base = b1*M + b0}, {@code b1*markup = c1*M + c0} and {@code c1*keep = e1*M +
   * e0} (M = 10^6), the product is {@code e1*M^3 + e0*M^2 + c0*keep*M + b0*markup*keep}. The last
   * three terms are each below about 10^18, so the result is {@code e1} plus their rounded-up sum
   * over M^3. Throws {@link ArithmeticException} when an intermediate does not fit.
   */
  private static long scaleExact(long base, long markup, long keep) {
    long b1 = base / MILLION;
    long b0 = base % MILLION;
    long x = Math.multiplyExact(b1, markup);
    long c1 = x / MILLION;
    long c0 = x % MILLION;
    long y = Math.multiplyExact(c1, keep);
    long e1 = y / MILLION;
    long e0 = y % MILLION;
    long rest =
        Math.addExact(
            Math.addExact(e0 * E12, Math.multiplyExact(c0 * keep, MILLION)),
            Math.multiplyExact(Math.multiplyExact(b0, markup), keep));
    return Math.addExact(e1, Math.ceilDiv(rest, E18));
  }

  /**
   * The slow path: {@code tokens} are uncached, cached, 5-minute writes, 1-hour writes, plain
   * output and reasoning, in that order.
   */
  private static long scaleBig(ModelPrice price, long[] tokens, long markup, long keep) {
    long[] prices = {
      price.inputPerMillion(),
      price.cachedInputPerMillion(),
      price.cacheWritePerMillion(),
      price.cacheWrite1hPerMillion(),
      price.outputPerMillion(),
      price.reasoningPerMillion()
    };
    BigInteger base = big(price.perRequest()).multiply(big(MILLION));
    for (int i = 0; i < tokens.length; i++) {
      base = base.add(big(tokens[i]).multiply(big(prices[i])));
    }
    BigInteger[] qr = base.multiply(big(markup)).multiply(big(keep)).divideAndRemainder(BIG_E18);
    BigInteger rounded = qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE);
    try {
      return rounded.longValueExact();
    } catch (ArithmeticException e) {
      throw new ArithmeticException("cost exceeds " + Long.MAX_VALUE + " nano-units: " + rounded);
    }
  }

  private static BigInteger big(long value) {
    return BigInteger.valueOf(value);
  }

  private static void requireNonNegative(String name, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: >= 0)");
    }
  }
}
