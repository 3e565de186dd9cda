package dev.tollgate.billing.pricing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The price of one model: nano-units per million tokens of each kind, a price per request, and the
 * model markup. Which price to use for reasoning tokens when none is configured (usually the output
 * price) is the caller's decision.
 *
 * @param model the model id the price is for
 * @param version a short stable hash of the price fields, recorded with every charge so a charge
 *     says which price it used; {@link #of} computes it
 * @param inputPerMillion uncached input tokens, nano-units per million
 * @param cachedInputPerMillion input tokens served from the provider's cache, nano-units per
 *     million
 * @param outputPerMillion output tokens that are not reasoning, nano-units per million
 * @param reasoningPerMillion reasoning tokens, nano-units per million
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
    requireNonNegative("perRequest", perRequest);
    if (markupPpm < 0 || markupPpm > MAX_MARKUP_PPM) {
      throw new IllegalArgumentException(
          "markupPpm: " + markupPpm + " (expected: 0.." + MAX_MARKUP_PPM + ")");
    }
  }

  /** A price whose {@link #version} is computed from the price fields. */
  public static ModelPrice of(
      String model,
      long inputPerMillion,
      long cachedInputPerMillion,
      long outputPerMillion,
      long reasoningPerMillion,
      long perRequest,
      long markupPpm) {
    return new ModelPrice(
        model,
        versionOf(
            inputPerMillion,
            cachedInputPerMillion,
            outputPerMillion,
            reasoningPerMillion,
            perRequest,
            markupPpm),
        inputPerMillion,
        cachedInputPerMillion,
        outputPerMillion,
        reasoningPerMillion,
        perRequest,
        markupPpm);
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
