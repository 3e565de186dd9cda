package dev.tollgate.billing.pricing;

import java.util.Objects;

/**
 * Money as a {@code long} count of nano-units (10^-9) of the account currency: exact, and cheap on
 * the request path. {@link #parse} is the one place that reads an amount written as text, for
 * configuration, admin input and payment notices alike.
 */
public final class Nanos {

  /** Nano-units in one currency unit. */
  public static final long PER_UNIT = 1_000_000_000L;

  private static final int SCALE = 9;

  private static final String EXPECTED =
      "(expected: a plain decimal of ASCII digits such as 12.50, at most 9 decimals, no sign,"
          + " exponent or spaces)";

  private Nanos() {}

  /**
   * Parses a non-negative plain decimal amount of currency units exactly: {@code "0.15"} is {@code
   * 150_000_000}. Strict, because an amount decides what an account is credited: ASCII digits only
   * ({@code "١٢"} is refused, not read as 12), an optional fraction after one {@code '.'}, no sign,
   * exponent ({@code "1e3"}), spaces or separators. Trailing zeros do not count as decimals ({@code
   * "1.5000000000"} is accepted).
   *
   * @throws IllegalArgumentException for a malformed or negative amount, more than 9 significant
   *     decimals, or an amount beyond {@link Long#MAX_VALUE} nano-units
   */
  public static long parse(String decimal) {
    Objects.requireNonNull(decimal, "decimal");
    int length = decimal.length();
    int dot = decimal.indexOf('.');
    int wholeEnd = dot < 0 ? length : dot;
    if (length > 0 && decimal.charAt(0) == '-' && digits(decimal, 1, wholeEnd)) {
      throw new IllegalArgumentException("amount: '" + quoted(decimal) + "' (expected: >= 0)");
    }
    if (!digits(decimal, 0, wholeEnd) || (dot >= 0 && !digits(decimal, dot + 1, length))) {
      throw new IllegalArgumentException("amount: '" + quoted(decimal) + "' " + EXPECTED);
    }
    int fractionEnd = length;
    while (dot >= 0 && fractionEnd > dot + 1 && decimal.charAt(fractionEnd - 1) == '0') {
      fractionEnd--;
    }
    int decimals = dot < 0 ? 0 : fractionEnd - dot - 1;
    if (decimals > SCALE) {
      throw new IllegalArgumentException(
          "amount: '"
              + quoted(decimal)
              + "' has "
              + decimals
              + " decimals (expected: at most 9, the nano-unit)");
    }
    try {
      long nanos = 0;
      for (int i = 0; i < wholeEnd; i++) {
        nanos = Math.addExact(Math.multiplyExact(nanos, 10), decimal.charAt(i) - '0');
      }
      nanos = Math.multiplyExact(nanos, PER_UNIT);
      long fraction = 0;
      for (int i = 0; i < SCALE; i++) {
        int at = dot + 1 + i;
        fraction = fraction * 10 + (dot >= 0 && at < fractionEnd ? decimal.charAt(at) - '0' : 0);
      }
      return Math.addExact(nanos, fraction);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "amount: '" + quoted(decimal) + "' (expected: at most " + format(Long.MAX_VALUE) + ")",
          e);
    }
  }

  /** Whether {@code text[from, to)} is one or more ASCII digits. */
  private static boolean digits(String text, int from, int to) {
    if (from >= to) {
      return false;
    }
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /** The input as it may appear in a message: shortened, control characters escaped. */
  private static String quoted(String text) {
    StringBuilder out = new StringBuilder(Math.min(text.length(), 40) + 8);
    for (int i = 0; i < text.length() && i < 40; i++) {
      char c = text.charAt(i);
      if (Character.isISOControl(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (text.length() > 40) {
      out.append("...");
    }
    return out.toString();
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
