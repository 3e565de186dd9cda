package dev.tollgate.billing.accounts;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What recording a payment did.
 *
 * @param payment the stored payment: on a repeat, the one recorded first
 * @param repeated whether this transaction id had been recorded before (nothing changed this time)
 * @param balanceNanos the account balance in PostgreSQL right after this payment moved it; {@code
 *     null} on a repeat and for a failed payment, which move nothing
 */
public record PaymentResult(PaymentRow payment, boolean repeated, @Nullable Long balanceNanos) {

  public PaymentResult {
    Objects.requireNonNull(payment, "payment");
  }
}
