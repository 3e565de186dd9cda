package dev.tollgate.billing.redis;

import dev.tollgate.billing.metering.RequestStatus;
import dev.tollgate.billing.metering.UsageSource;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * {@code settle.lua}: a request's hold ended, its cost debited and one outbox entry written, all at
 * once. Settles a finished request's {@link Charge}, and for the {@link HoldReaper} a hold whose
 * gateway died.
 */
final class SettleScript extends BillingScript<SettleScript.Args, Settlement> {

  /** What to settle. */
  sealed interface Args {
    String accountId();

    String requestId();
  }

  /** A request that ended on this gateway, charged {@code charge.cost()}. */
  record Finished(Charge charge, Instant settledAt) implements Args {

    Finished {
      Objects.requireNonNull(charge, "charge");
      Objects.requireNonNull(settledAt, "settledAt");
    }

    @Override
    public String accountId() {
      return charge.accountId();
    }

    @Override
    public String requestId() {
      return charge.requestId();
    }
  }

  /**
   * An expired hold of the reaper's, charged its last checkpoint with status {@code abandoned} and
   * source {@code partial}, and only if it is still expired at {@code nowMs}; the hold's fields as
   * the hold hash records them.
   *
   * @param bucket the bucket whose hold index named the hold
   * @param createdAtMs when the request started
   * @param discountPpm the account's discount, as its hash records it
   */
  record Abandoned(
      int bucket,
      String requestId,
      String accountId,
      String keyId,
      String model,
      String provider,
      long createdAtMs,
      String discountPpm,
      long nowMs)
      implements Args {

    Abandoned {
      Objects.requireNonNull(requestId, "requestId");
      Objects.requireNonNull(accountId, "accountId");
      Objects.requireNonNull(keyId, "keyId");
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(provider, "provider");
      Objects.requireNonNull(discountPpm, "discountPpm");
    }
  }

  /** The cost that tells the script to charge the hold's checkpoint, and only once it expired. */
  private static final String CHECKPOINT_COST = "-1";

  SettleScript(BillingKeys keys) {
    super("settle", keys);
  }

  @Override
  String[] keys(Args args) {
    int bucket =
        switch (args) {
          case Finished finished -> keys.bucketOf(finished.accountId());
          case Abandoned abandoned -> abandoned.bucket();
        };
    return new String[] {
      keys.account(args.accountId()),
      keys.hold(bucket, args.requestId()),
      keys.holds(bucket),
      keys.outbox(bucket)
    };
  }

  /** The fields of a {@link Charge} in order, then the settlement time (the script's header). */
  @Override
  String[] argv(Args args) {
    return switch (args) {
      case Finished(Charge c, Instant settledAt) ->
          new String[] {
            c.requestId(),
            c.accountId(),
            c.keyId(),
            c.model(),
            c.provider(),
            c.status().wireName(),
            c.source().wireName(),
            Long.toString(c.promptTokens()),
            Long.toString(c.completionTokens()),
            Long.toString(c.cachedPromptTokens()),
            Long.toString(c.reasoningTokens()),
            Long.toString(c.cacheWriteTokens()),
            Long.toString(c.cacheWrite1hTokens()),
            Long.toString(c.cost()),
            c.priceVersion(),
            Long.toString(c.markupPpm()),
            Long.toString(c.discountPpm()),
            Long.toString(c.startedAtMs()),
            Long.toString(c.ttftMs()),
            Long.toString(c.durationMs()),
            Long.toString(settledAt.toEpochMilli())
          };
      case Abandoned a ->
          new String[] {
            a.requestId(),
            a.accountId(),
            a.keyId(),
            a.model(),
            a.provider(),
            RequestStatus.ABANDONED.wireName(),
            UsageSource.PARTIAL.wireName(),
            // The tokens and the cost are the hold's checkpoint; the script reads them there.
            "0",
            "0",
            "0",
            "0",
            "0",
            "0",
            CHECKPOINT_COST,
            HoldStore.UNKNOWN_PRICE_VERSION,
            "0",
            a.discountPpm(),
            Long.toString(a.createdAtMs()),
            "-1",
            Long.toString(Math.max(0, a.nowMs() - a.createdAtMs())),
            Long.toString(a.nowMs())
          };
    };
  }

  @Override
  Settlement answer(List<Long> r) {
    return switch (r.get(0).intValue()) {
      case 1 -> new Settlement(true, r.get(1), r.get(2), r.get(3));
      case 0, -3 -> Settlement.NOT_SETTLED;
      default -> throw unexpected(r);
    };
  }
}
