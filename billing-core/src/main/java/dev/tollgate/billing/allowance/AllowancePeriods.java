package dev.tollgate.billing.allowance;

import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/**
 * The calendar of an allowance: period {@code k} starts at {@code anchor + k × period}, computed in
 * UTC, months first and then days (as {@link java.time.OffsetDateTime#plus}). Counting from the
 * anchor rather than from the previous start keeps month ends: P1M from 31 January starts periods
 * on 28 (or 29) February, 31 March, 30 April, ... and never drifts to the 28th.
 *
 * <p>All period arithmetic happens here, in Java; PostgreSQL only stores the results ({@code
 * period_started_at}, {@code period_ends_at}), so the two can never disagree on a month's length.
 */
public final class AllowancePeriods {

  /** The average month in the Gregorian calendar, for a first guess of how many periods passed. */
  private static final double DAYS_PER_MONTH = 365.2425 / 12;

  private AllowancePeriods() {}

  /**
   * One period of an allowance.
   *
   * @param start when it starts (inclusive)
   * @param end when the next one starts
   */
  public record Window(Instant start, Instant end) {
    public Window {
      Objects.requireNonNull(start, "start");
      Objects.requireNonNull(end, "end");
    }
  }

  /**
   * Parses an ISO-8601 period (as {@link Period#parse}) that can serve as an allowance's: positive,
   * with no negative part, such as {@code P1M}, {@code P30D}, {@code P1Y} or {@code P2W}.
   *
   * @throws IllegalArgumentException saying what was expected
   */
  public static Period parse(String text) {
    Objects.requireNonNull(text, "text");
    Period period;
    try {
      period = Period.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "period: '" + text + "' (expected: an ISO-8601 period such as P1M or P30D)", e);
    }
    if (period.isZero()
        || period.isNegative()
        || period.getYears() < 0
        || period.getMonths() < 0
        || period.getDays() < 0) {
      throw new IllegalArgumentException(
          "period: '" + text + "' (expected: a positive period such as P1M or P30D)");
    }
    return period;
  }

  /** The start of period {@code k} (0 is the anchor's). */
  public static Instant start(Instant anchor, Period period, long k) {
    Objects.requireNonNull(anchor, "anchor");
    Objects.requireNonNull(period, "period");
    if (k < 0) {
      throw new IllegalArgumentException("k: " + k + " (expected: >= 0)");
    }
    int times = Math.toIntExact(k);
    return anchor.atOffset(ZoneOffset.UTC).plus(period.multipliedBy(times)).toInstant();
  }

  /**
   * The period that contains {@code now}: the last one starting at or before it (the first one,
   * when {@code now} is before the anchor).
   *
   * @param period a period accepted by {@link #parse}
   */
  public static Window containing(Instant anchor, Period period, Instant now) {
    Objects.requireNonNull(anchor, "anchor");
    Objects.requireNonNull(period, "period");
    Objects.requireNonNull(now, "now");
    if (period.isZero() || period.isNegative()) {
      throw new IllegalArgumentException("period: " + period + " (expected: positive)");
    }
    long k = 0;
    if (now.isAfter(anchor)) {
      double days = period.toTotalMonths() * DAYS_PER_MONTH + period.getDays();
      double elapsedDays = Duration.between(anchor, now).toMillis() / 86_400_000.0;
      k = Math.max(0, (long) (elapsedDays / days));
      // The guess is within a period or two; step to the exact one.
      while (k > 0 && start(anchor, period, k).isAfter(now)) {
        k--;
      }
      while (!start(anchor, period, k + 1).isAfter(now)) {
        k++;
      }
    }
    return new Window(start(anchor, period, k), start(anchor, period, k + 1));
  }
}
