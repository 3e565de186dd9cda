package dev.tollgate.billing.pricing;

import java.time.Instant;
import java.util.Objects;

/**
 * One version of a model's price as stored: the prices (their {@link ModelPrice#version} is what
 * each charge records), from when they apply, and where they came from.
 *
 * @param validFrom the instant from which the price applies, until a later version's
 * @param source {@link #CONFIG} (an instance's YAML price) or {@link #ADMIN} (set through the admin
 *     API)
 * @param createdBy the audit trail's actor for admin versions, {@code config} otherwise
 */
public record PriceVersion(
    ModelPrice price, Instant validFrom, String source, String createdBy, Instant createdAt) {

  public static final String CONFIG = "config";
  public static final String ADMIN = "admin";

  public PriceVersion {
    Objects.requireNonNull(price, "price");
    Objects.requireNonNull(validFrom, "validFrom");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(createdBy, "createdBy");
    Objects.requireNonNull(createdAt, "createdAt");
    if (!source.equals(CONFIG) && !source.equals(ADMIN)) {
      throw new IllegalArgumentException(
          "source: '" + source + "' (expected: " + CONFIG + " or " + ADMIN + ")");
    }
  }
}
