package dev.tollgate.billing.accounts;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/**
 * Opaque keyset cursors: base64url (no padding) of {@code <started_at micros>:<request id>} for
 * usage, of {@code <id>} for the ledger. Opaque to clients, so the format may change; a cursor that
 * does not decode is a bad request.
 */
final class Cursors {

  /** The position after which the next usage page starts. */
  record UsageKey(Instant startedAt, String requestId) {}

  private Cursors() {}

  static String usage(Instant startedAt, String requestId) {
    long micros = ChronoUnit.MICROS.between(Instant.EPOCH, startedAt);
    return encode(micros + ":" + requestId);
  }

  static UsageKey usage(String cursor) {
    String text = decode(cursor);
    int colon = text.indexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw bad(cursor, null);
    }
    try {
      long micros = Long.parseLong(text.substring(0, colon));
      Instant startedAt =
          Instant.ofEpochSecond(
              Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
      return new UsageKey(startedAt, text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw bad(cursor, e);
    }
  }

  static String ledger(long id) {
    return encode(Long.toString(id));
  }

  static long ledger(String cursor) {
    try {
      return Long.parseLong(decode(cursor));
    } catch (NumberFormatException e) {
      throw bad(cursor, e);
    }
  }

  private static String encode(String text) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String decode(String cursor) {
    try {
      return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw bad(cursor, e);
    }
  }

  private static IllegalArgumentException bad(String cursor, @Nullable Exception cause) {
    return new IllegalArgumentException(
        "cursor: '" + cursor + "' (expected: the nextCursor of an earlier page)", cause);
  }
}
