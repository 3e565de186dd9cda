package dev.tollgate.billing.allowance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.billing.allowance.AllowancePeriods.Window;
import java.time.Instant;
import java.time.Period;
import org.junit.jupiter.api.Test;

/** The calendar of allowance periods: counted from the anchor, month ends kept, in UTC. */
class AllowancePeriodsTest {

  private static final Period MONTH = Period.ofMonths(1);

  private static Instant at(String text) {
    return Instant.parse(text);
  }

  private static Window window(String start, String end) {
    return new Window(at(start), at(end));
  }

  @Test
  void aMonthlyPeriodFromThe31stKeepsTheMonthEndInsteadOfDriftingToThe28th() {
    Instant anchor = at("2026-01-31T10:00:00Z");

    assertThat(AllowancePeriods.containing(anchor, MONTH, at("2026-02-15T00:00:00Z")))
        .isEqualTo(window("2026-01-31T10:00:00Z", "2026-02-28T10:00:00Z"));
    assertThat(AllowancePeriods.containing(anchor, MONTH, at("2026-02-28T10:00:00Z")))
        .as("a period starts at its boundary, inclusive")
        .isEqualTo(window("2026-02-28T10:00:00Z", "2026-03-31T10:00:00Z"));
    assertThat(AllowancePeriods.containing(anchor, MONTH, at("2026-03-30T23:59:59.999Z")))
        .as("not 28 March: counted from the anchor, not from the previous start")
        .isEqualTo(window("2026-02-28T10:00:00Z", "2026-03-31T10:00:00Z"));
    assertThat(AllowancePeriods.containing(anchor, MONTH, at("2026-04-30T10:00:00Z")))
        .isEqualTo(window("2026-04-30T10:00:00Z", "2026-05-31T10:00:00Z"));
    assertThat(AllowancePeriods.containing(anchor, MONTH, at("2028-02-29T12:00:00Z")))
        .as("a leap year's February ends on the 29th")
        .isEqualTo(window("2028-02-29T10:00:00Z", "2028-03-31T10:00:00Z"));
  }

  @Test
  void manyPeriodsLaterTheWindowIsStillExact() {
    Instant anchor = at("2020-01-31T00:00:00.123Z");
    Window w = AllowancePeriods.containing(anchor, MONTH, at("2035-07-15T00:00:00Z"));
    assertThat(w).isEqualTo(window("2035-06-30T00:00:00.123Z", "2035-07-31T00:00:00.123Z"));

    Window days =
        AllowancePeriods.containing(anchor, Period.ofDays(30), at("2035-07-15T00:00:00Z"));
    long k = java.time.Duration.between(anchor, days.start()).toDays() / 30;
    assertThat(days.start()).isEqualTo(anchor.plus(java.time.Duration.ofDays(30 * k)));
    assertThat(days.start()).isBeforeOrEqualTo(at("2035-07-15T00:00:00Z"));
    assertThat(days.end()).isAfter(at("2035-07-15T00:00:00Z"));
  }

  @Test
  void daysAreCountedInUtcSoADayIsAlways24Hours() {
    Instant anchor = at("2026-03-28T12:00:00Z"); // a DST change follows in Europe
    assertThat(AllowancePeriods.containing(anchor, Period.ofDays(1), at("2026-03-30T11:59:59Z")))
        .isEqualTo(window("2026-03-29T12:00:00Z", "2026-03-30T12:00:00Z"));
  }

  @Test
  void beforeTheAnchorTheFirstPeriodIsAnswered() {
    Instant anchor = at("2026-05-01T00:00:00Z");
    assertThat(AllowancePeriods.containing(anchor, MONTH, at("2026-04-01T00:00:00Z")))
        .isEqualTo(window("2026-05-01T00:00:00Z", "2026-06-01T00:00:00Z"));
  }

  @Test
  void onlyPositivePeriodsAreAllowancePeriods() {
    assertThat(AllowancePeriods.parse("P1M")).isEqualTo(MONTH);
    assertThat(AllowancePeriods.parse("P2W")).isEqualTo(Period.ofDays(14));
    assertThatThrownBy(() -> AllowancePeriods.parse("P0D"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("period: 'P0D' (expected: a positive period such as P1M or P30D)");
    assertThatThrownBy(() -> AllowancePeriods.parse("P1M-40D"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("period: 'P1M-40D' (expected: a positive period such as P1M or P30D)");
    assertThatThrownBy(() -> AllowancePeriods.parse("monthly"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("period: 'monthly' (expected: an ISO-8601 period such as P1M or P30D)");
  }
}
