package dev.tollgate.billing.accounts;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What one API key may do; {@code null} means no limit of that kind.
 *
 * @param spendCapNanos the most the key may spend in total, nano-units
 * @param rpm requests per minute
 * @param tpm tokens per minute
 * @param maxConcurrent concurrent streams
 * @param allowedModels the models the key may use; empty: every model
 * @param expiresAt when the key stops working
 * @param budget the most the key may spend per calendar period, renewed each period
 */
public record KeyLimits(
    @Nullable Long spendCapNanos,
    @Nullable Integer rpm,
    @Nullable Integer tpm,
    @Nullable Integer maxConcurrent,
    List<String> allowedModels,
    @Nullable Instant expiresAt,
    @Nullable Budget budget) {

  /** No limit at all. */
  public static final KeyLimits NONE = new KeyLimits(null, null, null, null, List.of(), null);

  /** Without a budget. */
  public KeyLimits(
      @Nullable Long spendCapNanos,
      @Nullable Integer rpm,
      @Nullable Integer tpm,
      @Nullable Integer maxConcurrent,
      List<String> allowedModels,
      @Nullable Instant expiresAt) {
    this(spendCapNanos, rpm, tpm, maxConcurrent, allowedModels, expiresAt, null);
  }

  /**
   * A budget that renews: at most {@code amountNanos} charged per period, periods on the UTC
   * calendar (a day from midnight, a month from its first day).
   */
  public record Budget(long amountNanos, BudgetPeriod period) {

    public Budget {
      Objects.requireNonNull(period, "period");
      if (amountNanos < 0) {
        throw new IllegalArgumentException("amountNanos: " + amountNanos + " (expected: >= 0)");
      }
    }
  }

  public KeyLimits {
    Objects.requireNonNull(allowedModels, "allowedModels");
    allowedModels = List.copyOf(allowedModels);
    if (spendCapNanos != null && spendCapNanos < 0) {
      throw new IllegalArgumentException("spendCapNanos: " + spendCapNanos + " (expected: >= 0)");
    }
    positive("rpm", rpm);
    positive("tpm", tpm);
    positive("maxConcurrent", maxConcurrent);
    for (String model : allowedModels) {
      if (model.isBlank()) {
        throw new IllegalArgumentException("allowedModels: '' (expected: non-blank model names)");
      }
    }
  }

  private static void positive(String name, @Nullable Integer value) {
    if (value != null && value <= 0) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
    }
  }
}
