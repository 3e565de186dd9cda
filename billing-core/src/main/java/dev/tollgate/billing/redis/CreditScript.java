package dev.tollgate.billing.redis;

import static dev.tollgate.billing.redis.Checks.requireId;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * {@code credit.lua}: a credit committed in PostgreSQL applied to the cached balance, once per
 * credit id. Answers whether it was applied now.
 */
final class CreditScript extends BillingScript<CreditScript.Args, Boolean> {

  /**
   * @param amount nano-units; negative for a refund
   */
  record Args(String accountId, String creditId, long amount) {

    Args {
      requireId("accountId", accountId);
      requireId("creditId", creditId);
    }
  }

  private final Duration markerTtl;

  /**
   * @param markerTtl how long an applied credit's id is remembered (at least a second)
   */
  CreditScript(BillingKeys keys, Duration markerTtl) {
    super("credit", keys);
    this.markerTtl = Objects.requireNonNull(markerTtl, "markerTtl");
  }

  @Override
  String[] keys(Args args) {
    return new String[] {
      keys.account(args.accountId()), keys.credit(args.accountId(), args.creditId())
    };
  }

  @Override
  String[] argv(Args args) {
    return new String[] {Long.toString(args.amount()), Long.toString(markerTtl.toSeconds())};
  }

  /** False when applied before, or when the account is not cached (its marker is set anyway). */
  @Override
  Boolean answer(List<Long> r) {
    return switch (r.get(0).intValue()) {
      case 1 -> true;
      case 0, -1 -> false;
      default -> throw unexpected(r);
    };
  }
}
