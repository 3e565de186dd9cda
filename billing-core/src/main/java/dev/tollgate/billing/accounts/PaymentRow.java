package dev.tollgate.billing.accounts;

import java.time.Instant;
import java.util.Objects;

/**
 * A payment as recorded from the payment provider.
 *
 * @param status {@code succeeded}, {@code failed} or {@code refunded}
 * @param appliedToRedis whether the reconciler has applied it to the cached balance in Redis
 */
public record PaymentRow(
    long id,
    String providerTransactionId,
    String accountId,
    long amountNanos,
    String currency,
    String status,
    boolean appliedToRedis,
    Instant createdAt) {

  public PaymentRow {
    Objects.requireNonNull(providerTransactionId, "providerTransactionId");
    Objects.requireNonNull(accountId, "accountId");
    Objects.requireNonNull(currency, "currency");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(createdAt, "createdAt");
  }
}
