package dev.tollgate.billing.accounts;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A payment as recorded from the payment provider.
 *
 * @param status {@code succeeded}, {@code failed} or {@code refunded}
 * @param appliedToRedis whether the reconciler has applied it to the cached balance in Redis
 * @param refusal null when accepted; else why it was refused and moved nothing ({@link
 *     PaymentRepository#CURRENCY_MISMATCH})
 */
public record PaymentRow(
    long id,
    String providerTransactionId,
    String accountId,
    long amountNanos,
    String currency,
    String status,
    boolean appliedToRedis,
    Instant createdAt,
    @Nullable String refusal) {

  public PaymentRow {
    Objects.requireNonNull(providerTransactionId, "providerTransactionId");
    Objects.requireNonNull(accountId, "accountId");
    Objects.requireNonNull(currency, "currency");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(createdAt, "createdAt");
  }

  /** Whether the payment was refused: it moved no money, and a repeat is refused again. */
  public boolean refused() {
    return refusal != null;
  }
}
