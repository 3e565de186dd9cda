package dev.tollgate.billing.redis;

import static dev.tollgate.billing.redis.Checks.requireId;
import static dev.tollgate.billing.redis.Checks.requireNonNegative;
import static dev.tollgate.billing.redis.Checks.requirePpm;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * {@code load_account.lua}: an account loaded from PostgreSQL cached with nothing held, unless it
 * is cached already. Answers whether it was cached now.
 */
final class LoadAccountScript extends BillingScript<LoadAccountScript.Args, Boolean> {

  /**
   * @param subPeriod the start of the allowance's current period, or null without a subscription
   * @param keySpent what each of the account's keys has been charged in all, by key id
   */
  record Args(
      String accountId,
      long balance,
      long subLeft,
      @Nullable Instant subPeriod,
      long discountPpm,
      String status,
      Map<String, Long> keySpent) {

    Args {
      requireId("accountId", accountId);
      requireNonNegative("subLeft", subLeft);
      requirePpm("discountPpm", discountPpm);
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(keySpent, "keySpent");
      keySpent.forEach(
          (keyId, spent) -> {
            requireId("keyId", keyId);
            requireNonNegative("keySpent", spent);
          });
    }
  }

  LoadAccountScript(BillingKeys keys) {
    super("load_account", keys);
  }

  @Override
  String[] keys(Args args) {
    return new String[] {keys.account(args.accountId())};
  }

  /** Five fields, then a pair of key id and spent total per key. */
  @Override
  String[] argv(Args args) {
    String[] argv = new String[5 + 2 * args.keySpent().size()];
    argv[0] = Long.toString(args.balance());
    argv[1] = Long.toString(args.subLeft());
    argv[2] = Long.toString(args.discountPpm());
    argv[3] = args.status();
    argv[4] = args.subPeriod() == null ? "" : Long.toString(args.subPeriod().toEpochMilli());
    int i = 5;
    for (Map.Entry<String, Long> spent : args.keySpent().entrySet()) {
      argv[i++] = spent.getKey();
      argv[i++] = Long.toString(spent.getValue());
    }
    return argv;
  }

  @Override
  Boolean answer(List<Long> r) {
    return r.get(0) == 1;
  }
}
