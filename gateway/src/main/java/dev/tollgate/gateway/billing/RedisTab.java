package dev.tollgate.gateway.billing;

import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.billing.metering.RequestStatus;
import dev.tollgate.billing.metering.UsageRecord;
import dev.tollgate.billing.pricing.ModelPrice;
import dev.tollgate.billing.redis.Charge;
import dev.tollgate.billing.redis.HoldStore;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request's hold in Redis. While the response streams, {@link #admit} compares the cost of what
 * was generated with the hold: past {@code extend-at-percent} it asks, asynchronously and one at a
 * time, for one more default output reserve; the call also checkpoints the metered usage and
 * refreshes the hold's expiry, so a reaper settles a dead gateway's request at what it had
 * delivered. If the account cannot pay for more, the stream is stopped once the hold is used up.
 */
final class RedisTab implements Tab {

  private static final Logger log = LoggerFactory.getLogger(RedisTab.class);

  private final HoldStore holds;
  private final TabRequest request;
  private final PriceBook prices;
  private final long discountPpm;
  private final BillingProperties properties;
  private volatile ModelPrice price;
  private volatile long extendStep;
  private final long checkpointEveryNanos;
  private final AtomicBoolean extending = new AtomicBoolean();

  private volatile long hold;
  private volatile boolean refused;
  private volatile long lastCheckpointNanos = System.nanoTime();

  RedisTab(
      HoldStore holds,
      TabRequest request,
      PriceBook prices,
      ModelPrice price,
      long discountPpm,
      long hold,
      BillingProperties properties) {
    this.holds = holds;
    this.request = request;
    this.prices = prices;
    this.price = price;
    this.discountPpm = discountPpm;
    this.hold = hold;
    this.properties = properties;
    this.extendStep = Math.max(1, cost(new TokenUsage(0, properties.defaultOutputReserve(), 0, 0)));
    this.checkpointEveryNanos = properties.holdTtl().toNanos() / 3;
  }

  @Override
  public boolean admit(long promptTokens, long completionTokens, long reasoningTokens) {
    long spent = cost(new TokenUsage(promptTokens, completionTokens, 0, reasoningTokens));
    long held = hold;
    if (refused) {
      return spent <= held; // no more funds: deliver up to the hold, not a token beyond
    }
    // A client-set max_tokens is reserved in full: extend only if the metering overtakes it.
    boolean nearHold =
        request.clientLimited()
            ? spent > held
            : spent * 100 >= held * (long) properties.extendAtPercent();
    boolean checkpointDue = System.nanoTime() - lastCheckpointNanos > checkpointEveryNanos;
    if ((nearHold || checkpointDue) && extending.compareAndSet(false, true)) {
      long add = nearHold ? Math.max(extendStep, spent - held) : 0;
      lastCheckpointNanos = System.nanoTime();
      holds
          .extend(
              request.key().accountId(),
              request.requestId(),
              add,
              Instant.now().plus(properties.holdTtl()),
              promptTokens,
              completionTokens,
              0,
              reasoningTokens,
              spent)
          .subscribe(
              extension -> {
                if (extension.granted()) {
                  hold = extension.holdAmountOrAvailable();
                } else if (add > 0) {
                  refused = true;
                }
                extending.set(false);
              },
              error -> {
                log.warn("Extending the hold of {} failed", request.requestId(), error);
                extending.set(false);
              });
    }
    // While an extension is on its way the event goes through; settling charges at most what the
    // account has, so a rare overshoot is recorded as uncollected, never as a negative balance.
    return true;
  }

  @Override
  public void serveAs(String model) {
    if (!model.equals(price.model())) {
      price = prices.price(model);
      extendStep = Math.max(1, cost(new TokenUsage(0, properties.defaultOutputReserve(), 0, 0)));
    }
  }

  @Override
  public long cost(TokenUsage usage) {
    return PriceBook.cost(price, usage, discountPpm);
  }

  @Override
  public void settle(UsageRecord r) {
    ModelPrice price = this.price;
    // Nothing served, nothing charged: an upstream failure before the first token is free.
    boolean served = r.totalTokens() > 0 || r.status() == RequestStatus.COMPLETED;
    long cost =
        served
            ? cost(
                new TokenUsage(
                    r.promptTokens(),
                    r.completionTokens(),
                    r.cachedPromptTokens(),
                    r.reasoningTokens()))
            : 0;
    Charge charge =
        new Charge(
            r.requestId(),
            request.key().accountId(),
            r.keyId(),
            r.model(),
            r.provider(),
            r.status(),
            r.source(),
            r.promptTokens(),
            r.completionTokens(),
            r.cachedPromptTokens(),
            r.reasoningTokens(),
            cost,
            price.version(),
            price.markupPpm(),
            discountPpm,
            r.startedAt().toEpochMilli(),
            r.timeToFirstToken() == null ? -1 : r.timeToFirstToken().toMillis(),
            r.duration().toMillis());
    holds
        .settle(charge, Instant.now())
        .subscribe(
            settlement -> {},
            error ->
                // The hold stays; the reaper settles it at its last checkpoint after expiry.
                log.error("Settling {} failed; the reaper will settle it", r.requestId(), error));
  }
}
