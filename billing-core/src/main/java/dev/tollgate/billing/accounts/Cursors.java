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

  /** Microseconds since the epoch of 0001-01-01 and of 9999-12-31T23:59:59.999999Z. */
  private static final long MIN_MICROS = -62_135_596_800_000_000L;

  private static final long MAX_MICROS = 253_402_300_799_999_999L;

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
    String requestId = text.substring(colon + 1);
    // What PostgreSQL cannot take (a NUL in text, a timestamp past its range) fails the query:
    // refused here, as any other cursor this class did not make.
    if (requestId.chars().anyMatch(Character::isISOControl)) {
      throw bad(cursor, null);
    }
    try {
      long micros = Long.parseLong(text.substring(0, colon));
      if (micros < MIN_MICROS || micros > MAX_MICROS) {
        throw bad(cursor, null);
      }
      Instant startedAt =
          Instant.ofEpochSecond(
              Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
      return new UsageKey(startedAt, requestId);
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
