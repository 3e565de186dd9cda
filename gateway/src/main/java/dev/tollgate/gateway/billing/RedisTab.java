package dev.tollgate.gateway.billing;

import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.billing.metering.UsageRecord;
import dev.tollgate.billing.pricing.ModelPrice;
import dev.tollgate.billing.redis.Charge;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.gateway.config.BillingProperties;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * One request's hold in Redis. While the response streams, {@link #admit} compares the cost of what
 * was generated with the hold. Past {@code extend-at-percent} (default reserves only) it asks, in
 * the background and one at a time, for one more default output reserve; the call also checkpoints
 * the metered usage and refreshes the hold's expiry, so a reaper settles a dead gateway's request
 * at what it had delivered. An event that would cost more than the hold is never admitted on
 * credit: it waits ({@link Admission#WAIT}) for the extension in flight, or for one started for it,
 * and is refused when the account cannot pay for more. So a stream delivers up to its hold and not
 * a token beyond.
 *
 * <p>Checkpoints also follow the tokens delivered: one at the first token (the prompt), then every
 * half of {@code checkpoint-every-tokens}; an event that would take the stream more than that past
 * the last checkpoint Redis wrote waits for one, so a gateway killed mid-stream leaves at most that
 * many output tokens per stream unpaid.
 */
final class RedisTab implements Tab {

  private static final Logger log = LoggerFactory.getLogger(RedisTab.class);

  private final HoldStore holds;
  private final TabRequest request;
  private final PriceBook prices;
  private final long discountPpm;
  private final BillingProperties properties;
  private final Settlements settlements;
  private volatile ModelPrice price;
  private volatile long extendStep;
  private final long checkpointEveryNanos;
  private final AtomicBoolean extending = new AtomicBoolean();

  private volatile long hold;
  private volatile boolean refused;
  private volatile long lastCheckpointNanos = System.nanoTime();

  /** Output tokens of the last checkpoint Redis has written; of the last one sent (-1: none). */
  private volatile long checkpointedTokens;

  private volatile long checkpointSentTokens = -1;
  private volatile boolean checkpointFailed;

  /** Completes when the latest extension has answered. */
  private volatile Mono<Void> answered = Mono.empty();

  RedisTab(
      HoldStore holds,
      TabRequest request,
      PriceBook prices,
      ModelPrice price,
      long discountPpm,
      long hold,
      BillingProperties properties,
      Settlements settlements) {
    this.settlements = settlements;
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
  public Admission admit(long promptTokens, long completionTokens, long reasoningTokens) {
    long spent = cost(new TokenUsage(promptTokens, completionTokens, 0, reasoningTokens));
    long held = hold;
    if (spent <= held) {
      // Within the hold. A default reserve grows ahead of need, in the background; a client-set
      // max_tokens was held in full and grows only if the metering overtakes it (below).
      boolean nearHold =
          !refused
              && !request.clientLimited()
              && spent * 100 >= held * (long) properties.extendAtPercent();
      // Checkpoints by time (the hold's expiry) and by tokens: at the first token (the prompt),
      // then every half of checkpoint-every-tokens; beyond the whole of it, nothing is delivered
      // until a checkpoint has reached Redis, so a dead gateway leaves at most that much unpaid.
      int everyTokens = properties.checkpointEveryTokens();
      boolean checkpointDue =
          checkpointSentTokens < 0
              || completionTokens - checkpointSentTokens >= everyTokens / 2
              || System.nanoTime() - lastCheckpointNanos > checkpointEveryNanos;
      if (completionTokens - checkpointedTokens > everyTokens) {
        if (checkpointFailed) {
          return Admission.REFUSE; // Redis cannot record what is delivered: stop here
        }
        extend(nearHold ? extendStep : 0, promptTokens, completionTokens, reasoningTokens, spent);
        return Admission.WAIT; // for the checkpoint started now, or the one in flight
      }
      if (nearHold || checkpointDue) {
        extend(nearHold ? extendStep : 0, promptTokens, completionTokens, reasoningTokens, spent);
      }
      return Admission.ADMIT;
    }
    // The event would cost more than the hold: it is delivered only once the hold covers it.
    if (refused) {
      return Admission.REFUSE;
    }
    extend(
        Math.max(extendStep, spent - held), promptTokens, completionTokens, reasoningTokens, spent);
    return Admission.WAIT; // the extension started now, or the one already in flight
  }

  @Override
  public Mono<Void> extensionAnswered() {
    return answered;
  }

  /** Starts an extension unless one is in flight; its answer completes {@link #answered}. */
  private void extend(
      long add, long promptTokens, long completionTokens, long reasoningTokens, long spent) {
    if (!extending.compareAndSet(false, true)) {
      return;
    }
    lastCheckpointNanos = System.nanoTime();
    checkpointSentTokens = completionTokens;
    Sinks.Empty<Void> done = Sinks.empty();
    answered = done.asMono();
    long checkpoint = Math.min(spent, hold); // never more than was admitted
    Mono.defer(
            () ->
                holds.extend(
                    request.key().accountId(),
                    request.requestId(),
                    add,
                    Instant.now().plus(properties.holdTtl()),
                    promptTokens,
                    completionTokens,
                    0,
                    reasoningTokens,
                    checkpoint))
        // Not idempotent in add: sent again only when the cluster refused to run it (TRYAGAIN)
        .retryWhen(RedisRetries.IN_REQUEST)
        .subscribe(
            extension -> {
              // Written whether or not the hold could grow (or the hold is gone: nothing to do)
              checkpointedTokens = Math.max(checkpointedTokens, completionTokens);
              checkpointFailed = false;
              if (extension.granted()) {
                hold = extension.holdAmountOrAvailable();
              } else if (add > 0) {
                refused = true;
              }
            },
            error -> {
              log.warn("Extending the hold of {} failed", request.requestId(), error);
              checkpointFailed = true;
              if (add > 0) {
                refused = true; // unpaid delivery is not an option: stop at the hold
              }
              answer(done);
            },
            () -> answer(done));
  }

  private void answer(Sinks.Empty<Void> done) {
    extending.set(false);
    done.tryEmitEmpty();
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
    long cost = charge(r);
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
            r.cacheWriteTokens(),
            r.cacheWrite1hTokens(),
            cost,
            price.version(),
            price.markupPpm(),
            discountPpm,
            r.startedAt().toEpochMilli(),
            r.timeToFirstToken() == null ? -1 : r.timeToFirstToken().toMillis(),
            r.duration().toMillis());
    settlements.run(
        // Settling is idempotent (a settled request settles as a no-op), so a settle that met a
        // Redis blip (disconnected, timed out, TRYAGAIN during a slot migration) is sent again for
        // a few seconds rather than leaving the request to the reaper, which would charge the
        // hold's last checkpoint after expiry.
        Mono.defer(() -> holds.settle(charge, Instant.now()))
            .retryWhen(RedisRetries.BACKGROUND)
            .then(),
        error ->
            // The hold stays; the reaper settles it at its last checkpoint after expiry.
            log.error("Settling {} failed; the reaper will settle it", r.requestId(), error));
  }
}
