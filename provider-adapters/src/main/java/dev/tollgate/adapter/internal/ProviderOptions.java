package dev.tollgate.adapter.internal;

import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reading a provider's {@code options}: blank counts as absent, and a bad value is refused with a
 * message naming {@code options.<name>} and what was expected.
 */
public final class ProviderOptions {

  private ProviderOptions() {}

  /** The trimmed value, or null when absent or blank. */
  public static @Nullable String text(Map<String, String> options, String name) {
    String value = options.get(name);
    return value == null || value.isBlank() ? null : value.trim();
  }

  /** A whole number > 0, or {@code fallback} when absent. */
  public static int positiveInt(Map<String, String> options, String name, int fallback) {
    String value = text(options, name);
    if (value == null) {
      return fallback;
    }
    try {
      int parsed = Integer.parseInt(value);
      if (parsed > 0) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "options." + name + ": '" + options.get(name) + "' (expected: a whole number > 0)");
  }

  /** {@code true} or {@code false} (any case), or {@code fallback} when absent. */
  public static boolean bool(Map<String, String> options, String name, boolean fallback) {
    String value = text(options, name);
    if (value == null) {
      return fallback;
    }
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalArgumentException(
              "options." + name + ": '" + options.get(name) + "' (expected: true or false)");
    };
  }
}
