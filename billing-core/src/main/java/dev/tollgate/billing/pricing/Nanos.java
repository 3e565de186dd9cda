package dev.tollgate.billing.pricing;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * Money as a {@code long} count of nano-units (10^-9) of the account currency: exact, and cheap on
 * the request path. {@link #parse} is for configuration and admin input only; it is the one place
 * that uses {@link BigDecimal}.
 */
public final class Nanos {

  /** Nano-units in one currency unit. */
  public static final long PER_UNIT = 1_000_000_000L;

  private static final int SCALE = 9;

  private Nanos() {}

  /**
   * Parses a non-negative plain decimal amount of currency units exactly: {@code "0.15"} is {@code
   * 150_000_000}. Trailing zeros do not count as decimals ({@code "1.5000000000"} is accepted).
   *
   * @throws IllegalArgumentException for a malformed or negative amount, more than 9 significant
   *     decimals, or an amount beyond {@link Long#MAX_VALUE} nano-units
   */
  public static long parse(String decimal) {
    Objects.requireNonNull(decimal, "decimal");
    BigDecimal value;
    try {
      value = new BigDecimal(decimal.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "amount: '" + decimal + "' (expected: a plain decimal number such as 0.15)", e);
    }
    if (value.signum() < 0) {
      throw new IllegalArgumentException("amount: '" + decimal + "' (expected: >= 0)");
    }
    BigDecimal stripped = value.stripTrailingZeros();
    if (stripped.scale() > SCALE) {
      throw new IllegalArgumentException(
          "amount: '"
              + decimal
              + "' has "
              + stripped.scale()
              + " decimals (expected: at most 9, the nano-unit)");
    }
    try {
      return stripped.movePointRight(SCALE).longValueExact();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "amount: '" + decimal + "' (expected: at most " + format(Long.MAX_VALUE) + ")", e);
    }
  }

  /**
   * Formats nano-units as a plain decimal string of currency units, trailing zeros stripped: {@code
   * 10_500} is {@code "0.0000105"}, {@code 3_000_000_000L} is {@code "3"}, {@code -1_500_000_000L}
   * is {@code "-1.5"}.
   */
  public static String format(long nanos) {
    // Integer arithmetic only; quotient and remainder have the sign of nanos, so negating them
    // never overflows, not even for Long.MIN_VALUE.
    long units = nanos / PER_UNIT;
    long fraction = nanos % PER_UNIT;
    StringBuilder out = new StringBuilder(24);
    if (nanos < 0) {
      out.append('-');
      units = -units;
      fraction = -fraction;
    }
    out.append(units);
    if (fraction != 0) {
      String digits = Long.toString(fraction);
      out.append('.');
      out.repeat('0', SCALE - digits.length());
      int end = digits.length();
      while (digits.charAt(end - 1) == '0') {
        end--;
      }
      out.append(digits, 0, end);
    }
    return out.toString();
  }
}
