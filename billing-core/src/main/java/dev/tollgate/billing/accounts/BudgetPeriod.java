package dev.tollgate.billing.accounts;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * The calendar a budget renews on, in UTC: {@code day} from midnight, {@code month} from the 1st.
 */
public enum BudgetPeriod {
  DAY,
  MONTH;

  /** The start of the period that contains {@code at}. */
  public Instant start(Instant at) {
    return switch (this) {
      case DAY -> at.truncatedTo(ChronoUnit.DAYS);
      case MONTH ->
          LocalDate.ofInstant(at, ZoneOffset.UTC)
              .withDayOfMonth(1)
              .atStartOfDay(ZoneOffset.UTC)
              .toInstant();
    };
  }

  /** The start of the next period after the one that contains {@code at}: when it resets. */
  public Instant end(Instant at) {
    Instant start = start(at);
    return switch (this) {
      case DAY -> start.plus(1, ChronoUnit.DAYS);
      case MONTH ->
          LocalDate.ofInstant(start, ZoneOffset.UTC)
              .plusMonths(1)
              .atStartOfDay(ZoneOffset.UTC)
              .toInstant();
    };
  }

  /** {@code day} or {@code month}, as stored and as the API spells it. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * @throws IllegalArgumentException for anything but {@code day} or {@code month}
   */
  public static BudgetPeriod of(String wireName) {
    return switch (wireName) {
      case "day" -> DAY;
      case "month" -> MONTH;
      default ->
          throw new IllegalArgumentException("period: '" + wireName + "' (expected: day or month)");
    };
  }
}
