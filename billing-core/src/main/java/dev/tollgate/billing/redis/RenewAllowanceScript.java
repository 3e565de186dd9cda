package dev.tollgate.billing.redis;

import static dev.tollgate.billing.redis.Checks.requireId;
import static dev.tollgate.billing.redis.Checks.requireNonNegative;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * {@code renew_allowance.lua}: a new allowance period, committed in PostgreSQL, started on the
 * cached account unless it is on that period or a later one already.
 */
final class RenewAllowanceScript
    extends BillingScript<RenewAllowanceScript.Args, AllowanceRenewal> {

  /**
   * @param allowance nano-units granted each period
   */
  record Args(String accountId, Instant periodStart, long allowance) {

    Args {
      requireId("accountId", accountId);
      Objects.requireNonNull(periodStart, "periodStart");
      requireNonNegative("allowance", allowance);
    }
  }

  RenewAllowanceScript(BillingKeys keys) {
    super("renew_allowance", keys);
  }

  @Override
  String[] keys(Args args) {
    return new String[] {keys.account(args.accountId())};
  }

  @Override
  String[] argv(Args args) {
    return new String[] {
      Long.toString(args.periodStart().toEpochMilli()), Long.toString(args.allowance())
    };
  }

  @Override
  AllowanceRenewal answer(List<Long> r) {
    return switch (r.get(0).intValue()) {
      case 1 -> AllowanceRenewal.RENEWED;
      case 0 -> AllowanceRenewal.ALREADY_CURRENT;
      case -1 -> AllowanceRenewal.ACCOUNT_MISSING;
      default -> throw unexpected(r);
    };
  }
}
