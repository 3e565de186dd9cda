package dev.tollgate.billing.redis;

import static dev.tollgate.billing.redis.Checks.requireId;
import static dev.tollgate.billing.redis.Checks.requireNonNegative;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** {@code reserve.lua}: a hold on an account's free funds for one request. */
final class ReserveScript extends BillingScript<ReserveScript.Args, Reservation> {

  /**
   * @param amount nano-units to hold
   * @param expiresAt when the reaper may settle the hold
   * @param provider recorded in the hold, for the reaper's outbox entry
   * @param spendCapNanos the key's lifetime spend cap, or null for none
   * @param budgetNanos the key's budget for the current period, or null for none
   * @param budgetPeriodStart the start of that period (ignored without a budget)
   */
  record Args(
      String accountId,
      String requestId,
      long amount,
      Instant expiresAt,
      String keyId,
      String model,
      String provider,
      @Nullable Long spendCapNanos,
      @Nullable Long budgetNanos,
      Instant budgetPeriodStart) {

    Args(
        String accountId,
        String requestId,
        long amount,
        Instant expiresAt,
        String keyId,
        String model,
        String provider,
        @Nullable Long spendCapNanos) {
      this(
          accountId,
          requestId,
          amount,
          expiresAt,
          keyId,
          model,
          provider,
          spendCapNanos,
          null,
          Instant.EPOCH);
    }

    Args {
      Objects.requireNonNull(budgetPeriodStart, "budgetPeriodStart");
      requireId("accountId", accountId);
      requireId("requestId", requestId);
      requireNonNegative("amount", amount);
      Objects.requireNonNull(expiresAt, "expiresAt");
      Objects.requireNonNull(keyId, "keyId");
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(provider, "provider");
    }
  }

  private final Clock clock;

  /**
   * @param clock the time a hold records as its request's start
   */
  ReserveScript(BillingKeys keys, Clock clock) {
    super("reserve", keys);
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  String[] keys(Args args) {
    return holdKeys(args.accountId(), args.requestId());
  }

  @Override
  String[] argv(Args args) {
    return new String[] {
      args.requestId(),
      Long.toString(args.amount()),
      Long.toString(args.expiresAt().toEpochMilli()),
      args.keyId(),
      args.model(),
      args.accountId(),
      args.provider(),
      Long.toString(clock.millis()),
      args.spendCapNanos() == null ? "" : Long.toString(args.spendCapNanos()),
      args.budgetNanos() == null ? "" : Long.toString(args.budgetNanos()),
      Long.toString(args.budgetPeriodStart().toEpochMilli())
    };
  }

  @Override
  Reservation answer(List<Long> r) {
    return switch (r.get(0).intValue()) {
      case 1 -> new Reservation(Reservation.Outcome.GRANTED, r.get(1), r.get(2));
      case 0 -> new Reservation(Reservation.Outcome.INSUFFICIENT, r.get(1));
      case -1 -> new Reservation(Reservation.Outcome.ACCOUNT_MISSING, 0);
      case -2 -> new Reservation(Reservation.Outcome.ACCOUNT_INACTIVE, 0);
      case -3 -> new Reservation(Reservation.Outcome.SPEND_CAP_REACHED, r.get(1));
      case -4 -> new Reservation(Reservation.Outcome.BUDGET_EXCEEDED, r.get(1));
      default -> throw unexpected(r);
    };
  }
}
