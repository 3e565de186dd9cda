package dev.tollgate.gateway.billing;

import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.billing.ledger.AccountRepository;
import dev.tollgate.billing.pricing.ModelPrice;
import dev.tollgate.billing.pricing.Nanos;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.billing.redis.Reservation;
import dev.tollgate.gateway.api.GatewayException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
  private final Map<String, CachedDiscount> discounts = new ConcurrentHashMap<>();

  private record CachedDiscount(long ppm, long readAtNanos) {}

  public RedisBilling(
      HoldStore holds, AccountRepository accounts, PriceBook prices, BillingProperties properties) {
    this.holds = holds;
    this.accounts = accounts;
    this.prices = prices;
    this.properties = properties;
  }

  @Override
  public Mono<Tab> open(TabRequest request) {
    ModelPrice price = prices.price(request.model());
    String accountId = request.key().accountId();
    return discount(accountId)
        .<Tab>flatMap(
            discount -> {
              long amount =
                  PriceBook.cost(
                      price,
                      new TokenUsage(request.promptTokens(), request.maxOutputTokens(), 0, 0),
                      discount);
              return reserve(request, amount, true)
                  .map(
                      granted ->
                          new RedisTab(
                              holds, request, prices, price, discount, amount, properties));
            })
        .onErrorMap(
            e -> !(e instanceof GatewayException),
            e -> {
              log.warn("Reserving funds for {} failed", request.requestId(), e);
              return GatewayException.billingUnavailable();
            });
  }

  private Mono<Reservation> reserve(TabRequest request, long amount, boolean loadIfMissing) {
    String accountId = request.key().accountId();
    Instant expiresAt = Instant.now().plus(properties.holdTtl());
    return holds
        .reserve(
            accountId,
            request.requestId(),
            amount,
            expiresAt,
            request.key().id(),
            request.model(),
            request.provider(),
            request.key().limits().spendCapNanos())
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
                  case ACCOUNT_MISSING ->
                      loadIfMissing
                          ? load(accountId).then(reserve(request, amount, false))
                          : Mono.error(GatewayException.accountInactive());
                });
  }

  /** Copies an account from PostgreSQL into Redis (never over an account Redis already has). */
  private Mono<Boolean> load(String accountId) {
    return accounts
        .find(accountId)
        .flatMap(
            row ->
                holds.loadAccount(
                    accountId,
                    row.balanceNanos(),
                    row.allowanceLeftNanos(),
                    row.discountPpm(),
                    row.status().wireName()))
        .switchIfEmpty(Mono.error(GatewayException.accountInactive()));
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
