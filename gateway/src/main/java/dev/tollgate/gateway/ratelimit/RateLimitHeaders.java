package dev.tollgate.gateway.ratelimit;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * OpenAI's rate-limit response headers, from the decisions of one request: {@code
 * x-ratelimit-limit-requests}, {@code x-ratelimit-remaining-requests}, {@code
 * x-ratelimit-reset-requests}, the same three for {@code -tokens}, and on a refusal {@code
 * Retry-After}. Resets are written as OpenAI writes them (Go durations: {@code 6m0s}, {@code 1.5s},
 * {@code 20ms}); {@code Retry-After} in whole seconds, rounded up.
 */
public final class RateLimitHeaders {

  public static final String RETRY_AFTER = "Retry-After";

  private RateLimitHeaders() {}

  /**
   * The headers for a request checked against {@code requests} and/or {@code tokens} (either may be
   * null: a key without that limit, or a check not made), in a stable order.
   */
  public static Map<String, String> of(@Nullable Decision requests, @Nullable Decision tokens) {
    Map<String, String> headers = new LinkedHashMap<>();
    put(headers, LimitKind.REQUESTS, requests);
    put(headers, LimitKind.TOKENS, tokens);
    Duration retryAfter = Duration.ZERO;
    boolean refused = false;
    for (Decision d : new Decision[] {requests, tokens}) {
      if (d != null && !d.allowed()) {
        refused = true;
        retryAfter = max(retryAfter, d.retryAfter());
      }
    }
    if (refused) {
      headers.put(RETRY_AFTER, Long.toString(retryAfterSeconds(retryAfter)));
    }
    return headers;
  }

  /**
   * Whole seconds, rounded up, at least 1: a client told 0 retries at once and is refused again.
   */
  public static long retryAfterSeconds(Duration retryAfter) {
    long millis = retryAfter.toMillis();
    return Math.max(1, (millis + 999) / 1000);
  }

  /**
   * A duration as Go prints it, to the millisecond, as OpenAI's reset headers do: {@code 0s},
   * {@code 20ms}, {@code 1s}, {@code 1.5s}, {@code 6m0s}, {@code 1h2m3s}.
   */
  public static String format(Duration duration) {
    long millis = Math.max(0, duration.toMillis());
    if (millis == 0) {
      return "0s";
    }
    if (millis < 1000) {
      return millis + "ms";
    }
    long hours = millis / 3_600_000;
    long minutes = millis / 60_000 % 60;
    long seconds = millis / 1000 % 60;
    long fraction = millis % 1000;
    StringBuilder out = new StringBuilder();
    if (hours > 0) {
      out.append(hours).append('h');
    }
    if (hours > 0 || minutes > 0) {
      out.append(minutes).append('m');
    }
    out.append(seconds);
    if (fraction > 0) {
      String digits = String.format("%03d", fraction);
      out.append('.').append(digits.replaceFirst("0+$", ""));
    }
    return out.append('s').toString();
  }

  private static void put(Map<String, String> headers, LimitKind kind, @Nullable Decision d) {
    if (d == null) {
      return;
    }
    String suffix = "-" + kind.wireName();
    headers.put("x-ratelimit-limit" + suffix, Long.toString(d.limit()));
    headers.put("x-ratelimit-remaining" + suffix, Long.toString(d.remaining()));
    headers.put("x-ratelimit-reset" + suffix, format(d.resetAfter()));
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
