package dev.tollgate.billing.pricing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The price of one model: nano-units per million tokens of each kind, a price per request, and the
 * model markup. Which price to use for reasoning tokens when none is configured (usually the output
 * price) is the caller's decision; prompt-cache writes default to what Anthropic charges over its
 * input price ({@link #defaultCacheWrite}, {@link #defaultCacheWrite1h}), so that a price that does
 * not name them never sells a cache write below its cost.
 *
 * @param model the model id the price is for
 * @param version a short stable hash of the price fields, recorded with every charge so a charge
 *     says which price it used; {@link #of} computes it
 * @param inputPerMillion uncached input tokens, nano-units per million
 * @param cachedInputPerMillion input tokens served from the provider's cache, nano-units per
 *     million
 * @param outputPerMillion output tokens that are not reasoning, nano-units per million
 * @param reasoningPerMillion reasoning tokens, nano-units per million
 * @param cacheWritePerMillion input tokens written to the provider's prompt cache for five minutes,
 *     nano-units per million
 * @param cacheWrite1hPerMillion input tokens written to the prompt cache for one hour, nano-units
 *     per million
 * @param perRequest nano-units per request
 * @param markupPpm the model markup in parts per million: 20% is {@code 200_000}
 */
public record ModelPrice(
    String model,
    String version,
    long inputPerMillion,
    long cachedInputPerMillion,
    long outputPerMillion,
    long reasoningPerMillion,
    long cacheWritePerMillion,
    long cacheWrite1hPerMillion,
    long perRequest,
    long markupPpm) {

  /** Upper bound of the markup: 100 times the base price. */
  public static final long MAX_MARKUP_PPM = 100_000_000L;

  public ModelPrice {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(version, "version");
    if (version.isBlank()) {
      throw new IllegalArgumentException("version: '' (expected: non-empty)");
    }
    requireNonNegative("inputPerMillion", inputPerMillion);
    requireNonNegative("cachedInputPerMillion", cachedInputPerMillion);
    requireNonNegative("outputPerMillion", outputPerMillion);
    requireNonNegative("reasoningPerMillion", reasoningPerMillion);
    requireNonNegative("cacheWritePerMillion", cacheWritePerMillion);
    requireNonNegative("cacheWrite1hPerMillion", cacheWrite1hPerMillion);
    requireNonNegative("perRequest", perRequest);
    if (markupPpm < 0 || markupPpm > MAX_MARKUP_PPM) {
      throw new IllegalArgumentException(
          "markupPpm: " + markupPpm + " (expected: 0.." + MAX_MARKUP_PPM + ")");
    }
  }

  /**
   * A price whose {@link #version} is computed from the price fields, with the default cache-write
   * prices ({@link #defaultCacheWrite}, {@link #defaultCacheWrite1h}).
   */
  public static ModelPrice of(
      String model,
      long inputPerMillion,
      long cachedInputPerMillion,
      long outputPerMillion,
      long reasoningPerMillion,
      long perRequest,
      long markupPpm) {
    return of(
        model,
        inputPerMillion,
        cachedInputPerMillion,
        outputPerMillion,
        reasoningPerMillion,
        defaultCacheWrite(inputPerMillion),
        defaultCacheWrite1h(inputPerMillion),
        perRequest,
        markupPpm);
  }

  /** A price whose {@link #version} is computed from the price fields. */
  public static ModelPrice of(
      String model,
      long inputPerMillion,
      long cachedInputPerMillion,
      long outputPerMillion,
      long reasoningPerMillion,
      long cacheWritePerMillion,
      long cacheWrite1hPerMillion,
      long perRequest,
      long markupPpm) {
    return new ModelPrice(
        model,
        versionOf(
            inputPerMillion,
            cachedInputPerMillion,
            outputPerMillion,
            reasoningPerMillion,
            cacheWritePerMillion,
            cacheWrite1hPerMillion,
            perRequest,
            markupPpm),
        inputPerMillion,
        cachedInputPerMillion,
        outputPerMillion,
        reasoningPerMillion,
        cacheWritePerMillion,
        cacheWrite1hPerMillion,
        perRequest,
        markupPpm);
  }

  /**
   * The five-minute cache-write price when none is configured: 1.25 times the input price (rounded
   * up), what Anthropic charges.
   */
  public static long defaultCacheWrite(long inputPerMillion) {
    return Math.addExact(inputPerMillion, Math.ceilDiv(inputPerMillion, 4));
  }

  /**
   * The one-hour cache-write price when none is configured: twice the input price, what Anthropic
   * charges.
   */
  public static long defaultCacheWrite1h(long inputPerMillion) {
    return Math.multiplyExact(inputPerMillion, 2);
  }

  /**
   * The first 12 hex digits of the SHA-256 of the price fields (markup included, model id not):
   * stable across restarts and instances, changed by any change of what a request costs.
   */
  public static String versionOf(
      long inputPerMillion,
      long cachedInputPerMillion,
      long outputPerMillion,
      long reasoningPerMillion,
      long cacheWritePerMillion,
      long cacheWrite1hPerMillion,
      long perRequest,
      long markupPpm) {
    String canonical =
        "in="
            + inputPerMillion
            + ";cached="
            + cachedInputPerMillion
            + ";out="
            + outputPerMillion
            + ";reasoning="
            + reasoningPerMillion
            + ";cache_write="
            + cacheWritePerMillion
            + ";cache_write_1h="
            + cacheWrite1hPerMillion
            + ";request="
            + perRequest
            + ";markup_ppm="
            + markupPpm;
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static void requireNonNegative(String name, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: >= 0)");
    }
  }
}
