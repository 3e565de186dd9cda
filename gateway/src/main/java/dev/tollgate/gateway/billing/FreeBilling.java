package dev.tollgate.gateway.billing;

import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.billing.metering.UsageRecord;
import dev.tollgate.billing.pricing.ModelPrice;
import reactor.core.publisher.Mono;

/**
 * Billing switched off ({@code gateway.billing.enabled=false}): nothing is reserved or charged, no
 * Redis or PostgreSQL is needed; costs are still computed so that clients see them.
 */
public final class FreeBilling implements Billing {

  private final PriceBook prices;

  public FreeBilling(PriceBook prices) {
    this.prices = prices;
  }

  @Override
  public Mono<Tab> open(TabRequest request) {
    ModelPrice requested = prices.price(request.model());
    return Mono.just(
        new Tab() {
          private volatile ModelPrice price = requested;

          @Override
          public void serveAs(String model) {
            price = prices.price(model);
          }

          @Override
          public Admission admit(long promptTokens, long completionTokens, long reasoningTokens) {
            return Admission.ADMIT;
          }

          @Override
          public long cost(TokenUsage usage) {
            return PriceBook.cost(price, usage, 0);
          }

          @Override
          public void settle(UsageRecord record) {}
        });
  }
}
