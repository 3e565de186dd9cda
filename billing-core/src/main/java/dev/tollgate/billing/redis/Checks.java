package dev.tollgate.billing.redis;

import java.util.Objects;

/** The argument checks the scripts' records share, with messages that say what was expected. */
final class Checks {

  private Checks() {}

  static String requireId(String name, String value) {
    Objects.requireNonNull(value, name);
    if (value.isEmpty()) {
      throw new IllegalArgumentException(name + ": '' (expected: non-empty)");
    }
    return value;
  }

  static long requireNonNegative(String name, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: >= 0)");
    }
    return value;
  }

  static long requirePpm(String name, long value) {
    if (value < 0 || value > 1_000_000) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: 0..1000000)");
    }
    return value;
  }
}
