package dev.tollgate.gateway.billing;

import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.billing.accounts.KeyLimits;
import dev.tollgate.billing.ledger.AccountRepository;
import dev.tollgate.billing.ledger.AccountRow;
import dev.tollgate.billing.metering.RequestStatus;
import dev.tollgate.billing.metering.UsageSource;
import dev.tollgate.billing.pricing.ModelPrice;
import dev.tollgate.billing.pricing.Nanos;
import dev.tollgate.billing.redis.Charge;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.billing.redis.Reservation;
import dev.tollgate.gateway.config.BillingProperties;
import dev.tollgate.gateway.error.GatewayException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Billing on Redis: every request reserves its worst-case cost with one Lua call before it goes
 * upstream, grows the hold while it streams, and settles once at the end ({@link RedisTab}). An
 * account that Redis does not hold yet is loaded from PostgreSQL first.
 */
public final class RedisBilling implements Billing {

  private static final Logger log = LoggerFactory.getLogger(RedisBilling.class);

  /** How long an account's discount is used before it is read again. */
  private static final Duration DISCOUNT_TTL = Duration.ofSeconds(30);

  private final HoldStore holds;
  private final AccountRepository accounts;
  private final PriceBook prices;
  private final BillingProperties properties;
  private final Settlements settlements;
  private final Map<String, CachedDiscount> discounts = new ConcurrentHashMap<>();
  private final AtomicBoolean reservesFailing = new AtomicBoolean();

  private record CachedDiscount(long ppm, long readAtNanos) {}

  public RedisBilling(
      HoldStore holds, AccountRepository accounts, PriceBook prices, BillingProperties properties) {
    this(holds, accounts, prices, properties, new Settlements());
  }

  /** With the settlements that billing's shutdown waits for ({@link BillingLifecycle}). */
  public RedisBilling(
      HoldStore holds,
      AccountRepository accounts,
      PriceBook prices,
      BillingProperties properties,
      Settlements settlements) {
    this.settlements = settlements;
    this.holds = holds;
    this.accounts = accounts;
    this.prices = prices;
    this.properties = properties;
  }

  @Override
  public Mono<Tab> open(TabRequest request) {
    // One price for the whole request, the one in force at admission, however it changes meanwhile.
    PriceBook book = prices.snapshot();
    ModelPrice price = book.price(request.model());
    String accountId = request.key().accountId();
    return discount(accountId)
        .<Tab>flatMap(
            discount -> {
              // The output may be all reasoning: hold it at the dearer of the two prices, so that a
              // stream within its max_tokens is never stopped for want of funds.
              long amount =
                  Math.max(
                      PriceBook.cost(
                          price,
                          new TokenUsage(request.promptTokens(), request.maxOutputTokens(), 0, 0),
                          discount),
                      PriceBook.cost(
                          price,
                          new TokenUsage(
                              request.promptTokens(),
                              request.maxOutputTokens(),
                              0,
                              request.maxOutputTokens()),
                          discount));
              return reserveOrRelease(request, amount, price, discount)
                  .map(
                      granted ->
                          new RedisTab(
                              holds,
                              request,
                              book,
                              price,
                              discount,
                              amount,
                              properties,
                              settlements));
            })
        .doOnNext(
            tab -> {
              if (reservesFailing.get() && reservesFailing.compareAndSet(true, false)) {
                log.info("Reserving funds in Redis works again");
              }
            })
        .onErrorMap(
            e -> !(e instanceof GatewayException),
            e -> {
              logReserveFailure(request, e);
              return GatewayException.billingUnavailable();
            });
  }

  /**
   * Redis unreachable or not answering is logged once when it starts (and again when reserves
   * work), not with a stack trace per refused request: an outage refuses every paid request, and a
   * log line of a few hundred lines each would slow the refusals down and bury the log. Anything
   * else (a script error, a bug) is logged every time, in full.
   */
  private void logReserveFailure(TabRequest request, Throwable e) {
    if (!RedisRetries.unanswered(e)) {
      log.warn("Reserving funds for {} failed", request.requestId(), e);
    } else if (reservesFailing.compareAndSet(false, true)) {
      log.warn(
          "Reserving funds in Redis failed; paid requests get 503 billing_unavailable until it"
              + " answers again: {}",
          e.toString());
    } else {
      log.debug("Reserving funds for {} failed: {}", request.requestId(), e.toString());
    }
  }

  /**
   * Reserves {@code amount} for the request; when the reserve ends without an answer (failed other
   * than by a refusal, or cancelled once sent), releases whatever hold it may have left ({@link
   * #release}).
   */
  private Mono<Reservation> reserveOrRelease(
      TabRequest request, long amount, ModelPrice price, long discountPpm) {
    Instant startedAt = Instant.now();
    AtomicBoolean answered = new AtomicBoolean();
    return reserve(request, amount, true)
        .doOnNext(granted -> answered.set(true))
        .doOnError(
            e -> {
              if (!(e instanceof GatewayException) && !RedisRetries.refusedByCluster(e)) {
                release(request, price, discountPpm, startedAt);
              }
            })
        .doOnCancel(
            () -> {
              if (!answered.get()) {
                release(request, price, discountPpm, startedAt);
              }
            });
  }

  private Mono<Reservation> reserve(TabRequest request, long amount, boolean loadIfMissing) {
    String accountId = request.key().accountId();
    Instant now = Instant.now();
    Instant expiresAt = now.plus(properties.holdTtl());
    KeyLimits.Budget budget = request.key().limits().budget();
    // Reserving again with the same request id grants the same hold, so a reserve that the
    // cluster refused to run for a moment (TRYAGAIN while its slot migrates) is simply sent again.
    return Mono.defer(
            () ->
                holds.reserve(
                    accountId,
                    request.requestId(),
                    amount,
                    expiresAt,
                    request.key().id(),
                    request.model(),
                    request.provider(),
                    request.key().limits().spendCapNanos(),
                    budget == null ? null : budget.amountNanos(),
                    budget == null ? Instant.EPOCH : budget.period().start(now)))
        .retryWhen(RedisRetries.IN_REQUEST)
        .flatMap(
            reservation ->
                switch (reservation.outcome()) {
                  case GRANTED -> Mono.just(reservation);
                  case INSUFFICIENT ->
                      Mono.error(
                          GatewayException.insufficientBalance(
                              Nanos.format(amount),
                              Nanos.format(Math.max(0, reservation.available()))));
                  case ACCOUNT_INACTIVE -> Mono.error(GatewayException.accountInactive());
                  case SPEND_CAP_REACHED ->
                      Mono.error(
                          GatewayException.spendCapReached(
                              Nanos.format(amount),
                              Nanos.format(Math.max(0, reservation.available()))));
                  case BUDGET_EXCEEDED ->
                      Mono.error(budgetExceeded(Objects.requireNonNull(budget), now, reservation));
                  case ACCOUNT_MISSING ->
                      loadIfMissing
                          ? load(accountId).then(reserve(request, amount, false))
                          : Mono.error(GatewayException.accountInactive());
                });
  }

  /**
   * 403 {@code budget_exceeded}: the key's budget for this period is spent (or too little of it is
   * left for this request's hold); says when it resets.
   */
  private static GatewayException budgetExceeded(
      KeyLimits.Budget budget, Instant now, Reservation reservation) {
    return new GatewayException(
        403,
        "permission_error",
        "budget_exceeded",
        null,
        "This API key's budget of "
            + Nanos.format(budget.amountNanos())
            + " per "
            + budget.period().wireName()
            + " is spent ("
            + Nanos.format(Math.max(0, reservation.available()))
            + " left, this request may cost more); it resets at "
            + budget.period().end(now)
            + ".");
  }

  /**
   * Ends the hold of a request whose reserve has no known answer (timed out, the connection
   * dropped, cancelled once sent): Redis may have run it, and its hold would otherwise keep the
   * amount out of the account's free funds until the reaper ends it after {@code hold-ttl}. Settles
   * the request as cancelled before its call, charging nothing; a no-op when there is no hold (the
   * reserve never ran, or the release already did). Request ids are unique, so no other request's
   * hold can be ended. In the background, sent again on a Redis blip like a settle, and counted in
   * {@link Settlements} so that shutdown waits for it.
   */
  private void release(TabRequest request, ModelPrice price, long discountPpm, Instant startedAt) {
    Charge nothing =
        new Charge(
            request.requestId(),
            request.key().accountId(),
            request.key().id(),
            request.model(),
            request.provider(),
            RequestStatus.CANCELLED,
            UsageSource.PARTIAL,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            price.version(),
            price.markupPpm(),
            discountPpm,
            startedAt.toEpochMilli(),
            -1,
            Duration.between(startedAt, Instant.now()).toMillis());
    // Sent after the reserve on the same connection, so Redis runs it after the reserve if both
    // reach it; one sent again after a reconnect still finds the hold if the reserve made one.
    settlements.run(
        Mono.defer(() -> holds.settle(nothing, Instant.now())).retryWhen(RedisRetries.BACKGROUND),
        error ->
            log.error(
                "Releasing the hold of {} failed; the reaper will end it",
                request.requestId(),
                error));
  }

  /**
   * Copies an account from PostgreSQL into Redis (never over an account Redis already has), with
   * what its keys have spent, so that spend caps hold after Redis lost the account.
   *
   * <p>An allowance renewal can commit between the read and the write here; its Redis step then
   * found nothing to renew, and the hash would start on the old period. So once the hash is
   * created, the period is read again and, if it moved on, renewed here (idempotent, ordered: a
   * renewal job doing the same meanwhile makes no difference).
   */
  private Mono<Boolean> load(String accountId) {
    return accounts
        .find(accountId)
        .zipWith(accounts.keySpend(accountId))
        .flatMap(found -> cache(found.getT1(), found.getT2()))
        .switchIfEmpty(Mono.error(GatewayException.accountInactive()));
  }

  /** Caches {@code row} as read from PostgreSQL (see {@link #load}); true when it was created. */
  Mono<Boolean> cache(AccountRow row, Map<String, Long> keySpent) {
    return holds
        .loadAccount(
            row.id(),
            row.balanceNanos(),
            row.allowanceLeftNanos(),
            row.periodStartedAt(),
            row.discountPpm(),
            row.status().wireName(),
            keySpent)
        .flatMap(
            created ->
                created && row.periodStartedAt() != null
                    ? renewIfMovedOn(row).thenReturn(true)
                    : Mono.just(created));
  }

  private Mono<Void> renewIfMovedOn(AccountRow loaded) {
    Instant loadedPeriod = loaded.periodStartedAt();
    return accounts
        .find(loaded.id())
        .filter(
            now ->
                now.periodStartedAt() != null
                    && loadedPeriod != null
                    && now.periodStartedAt().isAfter(loadedPeriod))
        .flatMap(
            now ->
                holds.renewAllowance(
                    now.id(), Objects.requireNonNull(now.periodStartedAt()), now.allowanceNanos()))
        .then();
  }

  private Mono<Long> discount(String accountId) {
    CachedDiscount cached = discounts.get(accountId);
    long now = System.nanoTime();
    if (cached != null && now - cached.readAtNanos() < DISCOUNT_TTL.toNanos()) {
      return Mono.just(cached.ppm());
    }
    return holds
        .account(accountId)
        .map(state -> state.discountPpm())
        .switchIfEmpty(Mono.defer(() -> accounts.find(accountId).map(row -> row.discountPpm())))
        .defaultIfEmpty(0L)
        .doOnNext(ppm -> discounts.put(accountId, new CachedDiscount(ppm, now)));
  }
}
