package dev.tollgate.billing.allowance;

import dev.tollgate.billing.redis.HoldStore;
import java.time.Clock;
import java.time.Instant;
import java.time.Period;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Renews subscription allowances whose period has ended, in both stores, exactly once per period.
 *
 * <p>For each account due, PostgreSQL is renewed first (one statement: the new period's start and
 * end, the allowance left back to the full allowance, unused allowance lost; guarded by the old
 * start, so a concurrent run of another instance renews nothing twice), then Redis ({@link
 * HoldStore#renewAllowance}, idempotent and ordered). A renewal whose Redis step failed stays
 * marked pending in PostgreSQL and is retried at the start of every run until Redis has it.
 *
 * <p>Charges settled in Redis carry the period their allowance part came from, and the ledger takes
 * it from PostgreSQL's allowance only while that period is current, so a charge of the old period
 * flushed after the renewal never eats the new allowance (see {@code LedgerWriter}).
 */
public final class AllowanceRenewer {

  private static final Logger log = LoggerFactory.getLogger(AllowanceRenewer.class);

  /** Accounts read per query. */
  static final int PAGE = 500;

  /** Pages of due accounts per run at most, so that accounts failing again and again end a run. */
  static final int MAX_PAGES = 20;

  private final AllowanceRenewals renewals;
  private final HoldStore holds;
  private final Clock clock;

  /**
   * What one run did.
   *
   * @param renewed accounts that started a new period in PostgreSQL
   * @param redisApplied renewals brought to Redis (including retries of earlier ones, and accounts
   *     Redis does not hold, which need nothing)
   * @param failed accounts that could not be renewed or brought to Redis; tried again next run
   */
  public record Report(int renewed, int redisApplied, int failed) {
    static final Report NONE = new Report(0, 0, 0);

    Report plus(Report other) {
      return new Report(
          renewed + other.renewed, redisApplied + other.redisApplied, failed + other.failed);
    }
  }

  public AllowanceRenewer(AllowanceRenewals renewals, HoldStore holds, Clock clock) {
    this.renewals = Objects.requireNonNull(renewals, "renewals");
    this.holds = Objects.requireNonNull(holds, "holds");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * One run: first the renewals of earlier runs that did not reach Redis, then every account due
   * now. Failures of single accounts are logged and counted, not propagated.
   */
  public Mono<Report> renewOnce() {
    return Mono.defer(
        () -> {
          Instant now = clock.instant();
          return retryPending().flatMap(retried -> renewDue(now).map(retried::plus));
        });
  }

  private Mono<Report> retryPending() {
    return renewals.pendingInRedis(PAGE).concatMap(this::toRedis).reduce(Report.NONE, Report::plus);
  }

  private Mono<Report> renewDue(Instant now) {
    return Mono.defer(
            () ->
                renewals
                    .due(now, PAGE)
                    .concatMap(account -> renew(account, now))
                    .reduce(new Page(0, Report.NONE), Page::add))
        .repeat(MAX_PAGES - 1L)
        .takeUntil(page -> page.accounts() < PAGE)
        .map(Page::report)
        .reduce(Report.NONE, Report::plus);
  }

  private record Page(int accounts, Report report) {
    Page add(Report one) {
      return new Page(accounts + 1, report.plus(one));
    }
  }

  private Mono<Report> renew(DueAccount due, Instant now) {
    Period period;
    try {
      period = AllowancePeriods.parse(due.allowancePeriod());
    } catch (IllegalArgumentException e) {
      log.warn(
          "Account {} has an unusable allowance period; it is not renewed: {}",
          due.id(),
          e.getMessage());
      return renewals.stopRenewing(due).thenReturn(new Report(0, 0, 1));
    }
    Instant started = due.periodStartedAt();
    // A stored start that is not on the anchor's calendar (edited by hand, or an anchor older than
    // the plan) wins: periods are then counted from it.
    DueAccount account =
        started == null || onCalendar(due.anchor(), period, started)
            ? due
            : new DueAccount(
                due.id(), due.allowanceNanos(), due.allowancePeriod(), started, started);
    AllowancePeriods.Window window = AllowancePeriods.containing(account.anchor(), period, now);
    Mono<Report> work;
    if (started != null && !window.start().isAfter(started)) {
      // Still the stored period (its end was not worked out yet): record the end, renew nothing.
      work = renewals.setEnd(account, window).thenReturn(Report.NONE);
    } else {
      work =
          renewals
              .renew(account, window)
              .flatMap(
                  renewed -> {
                    log.info(
                        "Renewed the allowance of {}: period {} to {}",
                        account.id(),
                        window.start(),
                        window.end());
                    return toRedis(renewed).map(r -> r.plus(new Report(1, 0, 0)));
                  })
              .defaultIfEmpty(Report.NONE);
    }
    return work.onErrorResume(
        e -> {
          log.warn("Renewing the allowance of {} failed; will try again", account.id(), e);
          return Mono.just(new Report(0, 0, 1));
        });
  }

  private static boolean onCalendar(Instant anchor, Period period, Instant start) {
    return !start.isBefore(anchor)
        && AllowancePeriods.containing(anchor, period, start).start().equals(start);
  }

  private Mono<Report> toRedis(AllowanceRenewals.Renewed renewed) {
    return holds
        .renewAllowance(renewed.accountId(), renewed.periodStart(), renewed.allowanceNanos())
        .flatMap(outcome -> renewals.appliedInRedis(renewed).thenReturn(new Report(0, 1, 0)))
        .onErrorResume(
            e -> {
              log.warn(
                  "Renewing the allowance of {} in Redis failed; will try again",
                  renewed.accountId(),
                  e);
              return Mono.just(new Report(0, 0, 1));
            });
  }
}
