package dev.tollgate.billing.redis;

import static dev.tollgate.billing.redis.Checks.requireId;
import static dev.tollgate.billing.redis.Checks.requireNonNegative;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * {@code extend.lua}: a running request's metered usage checkpointed into its hold, the hold's
 * expiry moved and the hold grown.
 */
final class ExtendScript extends BillingScript<ExtendScript.Args, Extension> {

  /**
   * @param addAmount nano-units to grow the hold by (0 only checkpoints)
   * @param expiresAt the hold's new expiry
   * @param checkpointCost what the metered usage costs so far: what the reaper charges
   */
  record Args(
      String accountId,
      String requestId,
      long addAmount,
      Instant expiresAt,
      long prompt,
      long completion,
      long cached,
      long reasoning,
      long checkpointCost) {

    Args {
      requireId("accountId", accountId);
      requireId("requestId", requestId);
      requireNonNegative("addAmount", addAmount);
      Objects.requireNonNull(expiresAt, "expiresAt");
      requireNonNegative("prompt", prompt);
      requireNonNegative("completion", completion);
      requireNonNegative("cached", cached);
      requireNonNegative("reasoning", reasoning);
      requireNonNegative("checkpointCost", checkpointCost);
    }
  }

  ExtendScript(BillingKeys keys) {
    super("extend", keys);
  }

  @Override
  String[] keys(Args args) {
    return holdKeys(args.accountId(), args.requestId());
  }

  @Override
  String[] argv(Args args) {
    return new String[] {
      args.requestId(),
      Long.toString(args.addAmount()),
      Long.toString(args.expiresAt().toEpochMilli()),
      Long.toString(args.prompt()),
      Long.toString(args.completion()),
      Long.toString(args.cached()),
      Long.toString(args.reasoning()),
      Long.toString(args.checkpointCost())
    };
  }

  @Override
  Extension answer(List<Long> r) {
    return switch (r.get(0).intValue()) {
      case 1 -> new Extension(true, false, r.get(1));
      case 0 -> new Extension(false, false, r.get(1));
      case -1 -> new Extension(false, true, 0);
      default -> throw unexpected(r);
    };
  }
}
