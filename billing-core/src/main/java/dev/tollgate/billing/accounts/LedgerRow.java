package dev.tollgate.billing.accounts;

import java.time.Instant;
import java.util.Objects;

/**
 * One money movement of {@code ledger_entries}.
 *
 * @param type {@code debit} takes from the balance; {@code credit}, {@code refund} and {@code
 *     adjustment} add to it
 * @param category what it was for: {@code usage}, {@code topup}, {@code refund}, ...
 * @param amountNanos always positive; the type gives the direction
 * @param reference the idempotency key: a request id, a payment transaction id, ...
 */
public record LedgerRow(
    long id,
    String accountId,
    String type,
    String category,
    long amountNanos,
    String reference,
    Instant createdAt) {

  public LedgerRow {
    Objects.requireNonNull(accountId, "accountId");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(category, "category");
    Objects.requireNonNull(reference, "reference");
    Objects.requireNonNull(createdAt, "createdAt");
  }
}
