package dev.tollgate.gateway.payments;

import dev.tollgate.billing.accounts.PaymentRepository;
import dev.tollgate.billing.accounts.PaymentRow;
import dev.tollgate.billing.redis.HoldStore;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * Applies a payment already committed in PostgreSQL to the cached Redis balance, then notes it as
 * applied. Safe to repeat: the credit script remembers each credit id.
 *
 * <p>The credit script answers false both when the credit was applied before and when the account
 * is not cached; in both cases Redis accounts for the payment (an account loaded from PostgreSQL
 * later includes it, and the credit's marker stops a second application), so the payment is marked
 * applied either way. Only a failure leaves it for the reconciler.
 */
public final class PaymentApplier {

  private final HoldStore holds;
  private final PaymentRepository payments;

  public PaymentApplier(HoldStore holds, PaymentRepository payments) {
    this.holds = Objects.requireNonNull(holds, "holds");
    this.payments = Objects.requireNonNull(payments, "payments");
  }

  /** The credit id of a payment in Redis; a refund's differs from a top-up's. */
  static String creditId(PaymentRow payment) {
    String base = "payment:" + payment.providerTransactionId();
    return payment.status().equals("refunded") ? base + ":refund" : base;
  }

  /**
   * Applies the payment once; a failed or refused payment moves nothing.
   *
   * @return whether the payment is now marked applied (false: failed or refused payment, or marked
   *     before)
   */
  public Mono<Boolean> apply(PaymentRow payment) {
    Objects.requireNonNull(payment, "payment");
    if (payment.refused()) {
      return Mono.just(false);
    }
    long delta =
        switch (payment.status()) {
          case "succeeded" -> payment.amountNanos();
          case "refunded" -> -payment.amountNanos();
          default -> 0;
        };
    if (delta == 0) {
      return Mono.just(false);
    }
    return holds
        .credit(payment.accountId(), creditId(payment), delta)
        .then(Mono.defer(() -> payments.markApplied(payment.providerTransactionId())));
  }
}
