package dev.tollgate.billing.redis;

import static dev.tollgate.billing.redis.Checks.requireId;
import static dev.tollgate.billing.redis.Checks.requirePpm;

import java.util.List;
import java.util.Objects;

/**
 * {@code update_account.lua}: a cached account's status and discount set, as committed in
 * PostgreSQL. Answers false, writing nothing, when the account is not cached.
 */
final class UpdateAccountScript extends BillingScript<UpdateAccountScript.Args, Boolean> {

  record Args(String accountId, String status, long discountPpm) {

    Args {
      requireId("accountId", accountId);
      Objects.requireNonNull(status, "status");
      requirePpm("discountPpm", discountPpm);
    }
  }

  UpdateAccountScript(BillingKeys keys) {
    super("update_account", keys);
  }

  @Override
  String[] keys(Args args) {
    return new String[] {keys.account(args.accountId())};
  }

  @Override
  String[] argv(Args args) {
    return new String[] {args.status(), Long.toString(args.discountPpm())};
  }

  @Override
  Boolean answer(List<Long> r) {
    return r.get(0) == 1;
  }
}
